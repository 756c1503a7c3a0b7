/// A growable byte buffer with value semantics (copy on write) whose `append` is a capacity check
/// and a `memcpy`.
///
/// The rows' texts are appended a field at a time, tens of millions of times per run, and the
/// reports' a value at a time. `[UInt8].append(contentsOf:)` takes the generic `Sequence` path for
/// each: about a hundred instructions before the copy, more than most values' bytes. This is what
/// `PackedText`, `RawRecord` and the reports' `TextBuffer` keep their bytes in.
public struct GrowingBytes: @unchecked Sendable {
    /// The bytes: a storage shared by copies is copied before one of them changes it, so every
    /// value is as independent as an array (hence `@unchecked Sendable`: no two threads ever write
    /// one storage, nor does one write what another reads).
    @usableFromInline final class Storage {
        @usableFromInline let base: UnsafeMutableRawPointer
        @usableFromInline let capacity: Int

        @usableFromInline init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(byteCount: Swift.max(capacity, 1), alignment: 16)
        }

        deinit { base.deallocate() }
    }

    // Inlinable, with what it uses: the readers call `append` and `withUnsafeBytes` from other
    // modules for every field, and a call (or an unspecialised generic) would cost what it saves.
    @usableFromInline var storage: Storage
    @usableFromInline var storedCount = 0

    public var count: Int { storedCount }

    public init(capacity: Int = 0) { storage = Storage(capacity: Swift.max(capacity, 0)) }

    public var capacity: Int { storage.capacity }
    public var isEmpty: Bool { count == 0 }

    /// Makes room for `minimumCapacity` bytes in all.
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        if minimumCapacity > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            replaceStorage(capacity: Swift.max(minimumCapacity, storage.capacity))
        }
    }

    /// Appends `bytes`.
    @inlinable
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0 else { return }
        makeRoom(for: n)
        (storage.base + storedCount).copyMemory(from: bytes.baseAddress!, byteCount: n)
        storedCount += n
    }

    @inlinable
    public mutating func append(_ byte: UInt8) {
        makeRoom(for: 1)
        storage.base.storeBytes(of: byte, toByteOffset: storedCount, as: UInt8.self)
        storedCount += 1
    }

    @inlinable
    public mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) { append(UnsafeRawBufferPointer(bytes)) }

    /// Appends any bytes: in one copy when they are contiguous, else one at a time.
    @inlinable
    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) != nil { return }
        for b in bytes { append(b) }
    }

    /// Drops the bytes after the first `newCount`.
    public mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "truncating \(count) bytes to \(newCount)")
        storedCount = newCount
    }

    /// The last byte, `nil` when empty.
    public var last: UInt8? { storedCount == 0 ? nil : storage.base.load(fromByteOffset: storedCount - 1, as: UInt8.self) }

    /// Empties the buffer, keeping its storage when no copy shares it.
    public mutating func removeAll() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(capacity: storage.capacity) }
        storedCount = 0
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let storage = self.storage
        return try withExtendedLifetime(storage) { try body(UnsafeRawBufferPointer(start: storage.base, count: count)) }
    }

    /// Calls `body` with the bytes to change them in place (a shared storage is copied first).
    @inlinable
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { replaceStorage(capacity: storage.capacity) }
        let storage = self.storage
        return try withExtendedLifetime(storage) { try body(UnsafeMutableRawBufferPointer(start: storage.base, count: storedCount)) }
    }

    /// Room for `n` more bytes in a storage no copy shares: doubling, so appending n bytes costs
    /// O(n) over all.
    @inlinable
    mutating func makeRoom(for n: Int) {
        if storedCount + n > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            replaceStorage(capacity: Swift.max(storedCount + n, 2 * storage.capacity, 64))
        }
    }

    /// A storage of `capacity` holding the bytes so far (a copy: the old one may be shared).
    @usableFromInline mutating func replaceStorage(capacity: Int) {
        let new = Storage(capacity: capacity)
        if storedCount > 0 { new.base.copyMemory(from: storage.base, byteCount: storedCount) }
        storage = new
    }
}
