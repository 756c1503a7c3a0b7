import Foundation

/// Rows a run keeps for its reports whose number grows with the input rather than with the
/// customers: order-line violations and data-quality findings. A wrong customers export makes
/// every order line a finding; a partner that never confirmed makes most of them violations. So
/// they are kept in memory up to a budget and beyond it in an unnamed file beside the reports
/// (docs/performance.md: memory never grows with the number of order lines).
///
/// A `SpoolWriter` takes the rows; `sealed()` gives them back in the order they came and
/// `sealed(key:sortedBy:)` sorted (each spilled chunk is sorted as bytes and rewritten in place,
/// then the chunks are merged once into a second file; the first goes with its writer). The
/// result, `Spooled`, is a sequence that any number of threads can read at once, each with its
/// own read position.
public protocol Spoolable: Sendable {
    /// Appends the row's bytes; `init(unspooling:)` reads them back.
    func spool(into bytes: inout GrowingBytes)
    init(unspooling reader: inout SpoolReader) throws
}

/// Where spooled rows go and how much of them stays in memory.
public struct SpoolSettings: Sendable {
    /// The folder of the spool files (the report folder in a run: the reports need its room anyway).
    public var directory: String
    /// Bytes of rows kept in memory before they are written out (at most twice that is held).
    public var budget: Int

    public static let defaultBudget = 8 << 20

    public init(directory: String = NSTemporaryDirectory(), budget: Int = SpoolSettings.defaultBudget) {
        self.directory = directory
        self.budget = max(budget, 1)
    }
}

/// Why spooled rows could not be kept or read back.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static func system(_ call: String, _ path: String, _ code: Int32 = errno) -> SpoolError {
        SpoolError("\(path): \(call) of the spool file failed: \(String(cString: strerror(code)))")
    }
}

/// Reads the fields of one spooled row, never past its bytes.
public struct SpoolReader {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    /// Reads the fields of `bytes`, a row as `Spoolable.spool(into:)` wrote it.
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { at == bytes.count }

    public mutating func int() throws -> Int {
        guard bytes.count - at >= 8 else { throw SpoolError("a spooled row is shorter than its fields") }
        defer { at += 8 }
        return Int(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int.self))
    }

    /// The bytes of a text written by `GrowingBytes.spool(_: String?)`, where they lie; `nil` when
    /// it was absent.
    public mutating func textBytes() throws -> UnsafeRawBufferPointer? {
        let count = try int()
        guard count >= 0 else { return nil }
        guard bytes.count - at >= count else { throw SpoolError("a spooled row is shorter than its fields") }
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)])
    }

    /// A text written by `GrowingBytes.spool(_: String?)`; `nil` when it was absent.
    public mutating func string() throws -> String? {
        try textBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    public mutating func requiredString() throws -> String {
        guard let text = try string() else { throw SpoolError("a spooled row lacks a required text") }
        return text
    }
}

extension GrowingBytes {
    /// Appends `value` for `SpoolReader.int()`.
    public mutating func spool(_ value: Int) { Swift.withUnsafeBytes(of: value.littleEndian) { append($0) } }

    /// Appends `text` (or its absence) for `SpoolReader.string()`.
    public mutating func spool(_ text: String?) {
        guard var text else { return spool(-1) }
        text.withUTF8 { utf8 in
            spool(utf8.count)
            append(UnsafeRawBufferPointer(utf8))
        }
    }
}

/// An unnamed file: created with a hidden name in the folder and unlinked at once, so it is gone
/// when the process ends however it ends. Only its writer appends to it, before it is sealed;
/// afterwards it is only read, with `pread`, from any thread (hence `@unchecked Sendable`).
final class SpoolFile: @unchecked Sendable {
    private let fd: Int32
    let directory: String
    private(set) var size: Int64 = 0

    init(directory: String) throws {
        // `.tmp-` names are what `ReportPublisher.removeLeftovers` clears, should a run die between
        // the two calls.
        var template = Array((directory + "/.tmp-spool-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SpoolError.system("creation", directory) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        self.fd = fd
        self.directory = directory
    }

    deinit { close(fd) }

    /// Appends `bytes`; returns where they start.
    func append(_ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        let start = size
        try write(bytes, at: start)
        size += Int64(bytes.count)
        return start
    }

    /// Writes `bytes` over what is at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        let done = try transfer(bytes.count, "writing") { pwrite(fd, bytes.baseAddress! + $0, bytes.count - $0, off_t(offset) + off_t($0)) }
        guard done == bytes.count else { throw SpoolError("\(directory): writing of the spool file stopped short") }
    }

    /// Fills `buffer` from `offset`; returns how many bytes there were (fewer only at the end).
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try transfer(buffer.count, "reading") { pread(fd, buffer.baseAddress! + $0, buffer.count - $0, off_t(offset) + off_t($0)) }
    }

    /// Calls `call` (a `pread` or `pwrite` of the bytes from the given one on) until `count` bytes
    /// are done or it does none; returns how many were done.
    private func transfer(_ count: Int, _ what: String, _ call: (Int) -> Int) throws -> Int {
        var done = 0
        while done < count {
            let n = call(done)
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolError.system(what, directory)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// A stretch of spooled rows, each a 4-byte length and its bytes: in memory, or in the file.
struct SpoolRun: Sendable {
    var memory: GrowingBytes?
    var offset: Int64 = 0
    var length: Int64
    var count: Int
}

/// The first failure any reader met, for whoever publishes what they read (`Spooled.failure`).
private final class SpoolHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var first: String?

    var failure: String? { lock.withLock { first } }

    func record(_ error: Error) { lock.withLock { if first == nil { first = "\(error)" } } }
}

/// Takes rows, keeping at most about `settings.budget` bytes of them in memory. Sendable, so that
/// another thread can seal it.
public struct SpoolWriter<Element: Spoolable>: Sendable {
    public let settings: SpoolSettings
    private var file: SpoolFile?
    private var runs: [SpoolRun] = []
    private var pending = GrowingBytes()
    private var pendingCount = 0
    /// The first failure to write out; the run cannot report rows it lost.
    private var failure: SpoolError?
    /// Rows appended.
    public private(set) var count = 0

    public init(settings: SpoolSettings = SpoolSettings()) { self.settings = settings }

    public mutating func append(_ element: Element) {
        SpoolWriter.appendRecord(element, to: &pending)
        pendingCount += 1
        count += 1
        if pending.count >= settings.budget { spill() }
    }

    /// Whether rows went to a file (for tests and the budget's documentation).
    public var hasSpilled: Bool { file != nil }

    /// The rows, in the order they were appended. Throws the failure to write them out, if any.
    public func sealed() throws -> Spooled<Element> {
        if let failure { throw failure }
        var all = runs
        if pendingCount > 0 { all.append(SpoolRun(memory: pending, length: Int64(pending.count), count: pendingCount)) }
        return Spooled(runs: all, file: file, count: count)
    }

    /// The rows in an order of their spooled bytes; rows it does not order keep the order they came
    /// in. Each chunk written out is read back, sorted and written over itself, and the sorted
    /// chunks are merged once into a new file, which readers read straight through (the chunks'
    /// file is let go with this writer). No row is made while sorting: rows are compared and
    /// moved as bytes.
    ///
    /// - Parameters:
    ///   - key: of a row's bytes (without its length): rows whose keys differ are in the order of
    ///     their keys, so that most comparisons are one of two integers;
    ///   - areInIncreasingOrder: the order of rows whose keys are equal, on their bytes.
    public func sealed(key: @escaping (UnsafeRawBufferPointer) -> UInt64,
                       sortedBy areInIncreasingOrder: @escaping (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) throws -> Spooled<Element> {
        if let failure { throw failure }
        let order = SpoolOrder(key: key, areInIncreasingOrder: areInIncreasingOrder)
        var sortedRuns: [SpoolRun] = []
        for run in runs {
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(run.length), alignment: 16)
            defer { raw.deallocate() }
            guard try file!.read(at: run.offset, into: raw) == raw.count else {
                throw SpoolError("the spool file in \(settings.directory) ended early")
            }
            let sorted = try order.sort(UnsafeRawBufferPointer(raw), count: run.count)
            try sorted.withUnsafeBytes { try file!.write($0, at: run.offset) }
            sortedRuns.append(run)
        }
        if pendingCount > 0 {
            let sorted = try pending.withUnsafeBytes { try order.sort($0, count: pendingCount) }
            sortedRuns.append(SpoolRun(memory: sorted, length: Int64(sorted.count), count: pendingCount))
        }
        guard let file, sortedRuns.count > 1 else { return Spooled(runs: sortedRuns, file: self.file, count: count) }
        let merged = try SpoolFile(directory: settings.directory)
        return Spooled(runs: [try order.merge(sortedRuns, from: file, into: merged)], file: merged, count: count)
    }

    private mutating func spill() {
        defer {
            pending.removeAll()
            pendingCount = 0
        }
        guard failure == nil else { return }
        do {
            if file == nil { file = try SpoolFile(directory: settings.directory) }
            let offset = try pending.withUnsafeBytes { try file!.append($0) }
            runs.append(SpoolRun(offset: offset, length: Int64(pending.count), count: pendingCount))
        } catch {
            failure = error as? SpoolError ?? SpoolError("\(error)")
        }
    }

    static func appendRecord(_ element: Element, to bytes: inout GrowingBytes) {
        let start = bytes.count
        Swift.withUnsafeBytes(of: UInt32(0)) { bytes.append($0) }
        element.spool(into: &bytes)
        let length = UInt32(truncatingIfNeeded: bytes.count - start - 4)
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self) }
    }
}

/// How rows are sorted on their bytes (`SpoolWriter.sealed(key:sortedBy:)`).
private struct SpoolOrder {
    let key: (UnsafeRawBufferPointer) -> UInt64
    let areInIncreasingOrder: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool

    func isBefore(_ a: UInt64, _ x: UnsafeRawBufferPointer, _ b: UInt64, _ y: UnsafeRawBufferPointer) -> Bool {
        a != b ? a < b : areInIncreasingOrder(x, y)
    }

    /// The `count` rows of `chunk` (each a 4-byte length and its bytes), sorted stably.
    func sort(_ chunk: UnsafeRawBufferPointer, count: Int) throws -> GrowingBytes {
        var rows: [(key: UInt64, start: Int, length: Int)] = []
        rows.reserveCapacity(count)
        var at = 0
        while at < chunk.count {
            let row = try RunCursor.record(in: chunk, at: at)
            rows.append((key(UnsafeRawBufferPointer(rebasing: chunk[row])), row.lowerBound, row.count))
            at = row.upperBound
        }
        guard rows.count == count else { throw SpoolError("a spooled chunk holds \(rows.count) rows, not \(count)") }
        func bytes(_ n: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: chunk[rows[n].start..<(rows[n].start + rows[n].length)]) }
        // Swift's sort is stable.
        let order = rows.indices.sorted { isBefore(rows[$0].key, bytes($0), rows[$1].key, bytes($1)) }
        var sorted = GrowingBytes(capacity: chunk.count)
        for n in order { sorted.append(UnsafeRawBufferPointer(rebasing: chunk[(rows[n].start - 4)..<(rows[n].start + rows[n].length)])) }
        return sorted
    }

    /// Merges sorted runs of `file` into one at the end of `merged`; of equal rows, the earlier
    /// run's first.
    func merge(_ runs: [SpoolRun], from file: SpoolFile, into merged: SpoolFile) throws -> SpoolRun {
        let bufferSize = Swift.max(4 << 10, Swift.min(256 << 10, (8 << 20) / runs.count))
        var cursors = runs.map { RunCursor($0, file: file, bufferSize: bufferSize) }
        // Each head stays where its cursor read it until that cursor reads on.
        var heads: [(key: UInt64, bytes: UnsafeRawBufferPointer)] = []
        var live: [Int] = []
        for r in cursors.indices {
            guard let head = try cursors[r].nextRecord() else { continue }
            heads.append((key(head), head))
            live.append(r)
        }
        let start = merged.size
        var out = GrowingBytes(capacity: 1 << 20)
        var count = 0
        while !live.isEmpty {
            // `live` and `heads` are in run order, so the first of equal heads is the earliest run's.
            var best = 0
            for n in 1..<live.count where isBefore(heads[n].key, heads[n].bytes, heads[best].key, heads[best].bytes) { best = n }
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: heads[best].bytes.count).littleEndian) { out.append($0) }
            out.append(heads[best].bytes)
            count += 1
            if let next = try cursors[live[best]].nextRecord() {
                heads[best] = (key(next), next)
            } else {
                heads.remove(at: best)
                live.remove(at: best)
            }
            if out.count >= 1 << 20 {
                _ = try out.withUnsafeBytes { try merged.append($0) }
                out.removeAll()
            }
        }
        _ = try out.withUnsafeBytes { try merged.append($0) }
        return SpoolRun(offset: start, length: merged.size - start, count: count)
    }
}

/// A cursor's read buffer: a stable address, so that a row read stays where it is until the next read.
private final class CursorBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// At least `capacity` bytes, keeping `kept` bytes from the start.
    func grow(to capacity: Int, keeping kept: Int) {
        guard capacity > self.capacity else { return }
        let new = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        new.copyMemory(from: base, byteCount: kept)
        base.deallocate()
        base = new
        self.capacity = capacity
    }
}

/// Reads the rows of one run in order, the file's a buffer at a time.
struct RunCursor {
    private let run: SpoolRun
    private let file: SpoolFile?
    private var remaining: Int
    /// Memory runs: the next row's offset. File runs: the unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    private let buffer: CursorBuffer?
    private var filePosition: Int64

    init(_ run: SpoolRun, file: SpoolFile?, bufferSize: Int = 256 << 10) {
        self.run = run
        self.file = file
        remaining = run.count
        filePosition = run.offset
        buffer = run.memory == nil ? CursorBuffer(capacity: bufferSize) : nil
    }

    /// The next row's bytes (without its length), valid until the next call; `nil` after the last.
    mutating func nextRecord() throws -> UnsafeRawBufferPointer? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        if let memory = run.memory {
            // The storage of a sealed run never changes, so its address holds.
            let raw = UnsafeRawBufferPointer(start: memory.storage.base, count: memory.count)
            let record = try RunCursor.record(in: raw, at: start)
            start = record.upperBound
            return UnsafeRawBufferPointer(rebasing: raw[record])
        }
        try fill(4)
        let length = Int(UInt32(littleEndian: buffer!.base.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
        try fill(4 + length)
        defer { start += 4 + length }
        return UnsafeRawBufferPointer(start: buffer!.base + start + 4, count: length)
    }

    /// Where the row at `start` of `raw` is (after its length).
    static func record(in raw: UnsafeRawBufferPointer, at start: Int) throws -> Range<Int> {
        guard raw.count - start >= 4 else { throw SpoolError("a spooled row runs past its chunk") }
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
        guard raw.count - start - 4 >= length else { throw SpoolError("a spooled row runs past its chunk") }
        return (start + 4)..<(start + 4 + length)
    }

    /// Makes `buffer[start..<end]` hold at least `n` bytes, reading on from the file.
    private mutating func fill(_ n: Int) throws {
        guard end - start < n, let buffer, let file else { return }
        if start > 0 {
            buffer.base.copyMemory(from: buffer.base + start, byteCount: end - start)
            end -= start
            start = 0
        }
        buffer.grow(to: n, keeping: end)
        let runEnd = run.offset + run.length
        while end < n {
            let want = Int(Swift.min(Int64(buffer.capacity - end), runEnd - filePosition))
            guard want > 0 else { throw SpoolError("a spooled row runs past its chunk") }
            let got = try file.read(at: filePosition, into: UnsafeMutableRawBufferPointer(start: buffer.base + end, count: want))
            guard got == want else { throw SpoolError("the spool file in \(file.directory) ended early") }
            end += got
            filePosition += Int64(got)
        }
    }
}

/// Spooled rows, read back in order: a sequence that several threads may read at once.
///
/// A read that fails (the file cannot be read, or is not what was written) ends that iteration
/// early and is kept in `failure`: whoever publishes what was read checks it first.
public struct Spooled<Element: Spoolable>: Sequence, Sendable {
    /// Read one after another.
    private let runs: [SpoolRun]
    private let file: SpoolFile?
    private let health: SpoolHealth
    /// Rows in all. (Not the sequence's `underestimatedCount`: a read that fails yields fewer.)
    public let count: Int

    fileprivate init(runs: [SpoolRun], file: SpoolFile?, count: Int) {
        self.runs = runs
        self.file = file
        self.count = count
        health = SpoolHealth()
    }

    /// Rows already in memory (tests, and results built in code), read back through the same bytes.
    public init(_ elements: some Sequence<Element>) {
        var writer = SpoolWriter<Element>(settings: SpoolSettings(budget: .max))
        for element in elements { writer.append(element) }
        // A writer that never writes out cannot fail.
        self = try! writer.sealed()
    }

    public var isEmpty: Bool { count == 0 }

    /// The first failure of any read so far, `nil` when every read got every row.
    public var failure: String? { health.failure }

    public func makeIterator() -> Iterator { Iterator(cursors: runs.map { RunCursor($0, file: file) }, health: health, expected: count) }

    public struct Iterator: IteratorProtocol {
        private var cursors: [RunCursor]
        private let health: SpoolHealth
        private var current = 0
        private var remaining: Int

        fileprivate init(cursors: [RunCursor], health: SpoolHealth, expected: Int) {
            self.cursors = cursors
            self.health = health
            remaining = expected
        }

        public mutating func next() -> Element? {
            do {
                while current < cursors.count {
                    if let bytes = try cursors[current].nextRecord() {
                        var reader = SpoolReader(bytes)
                        let element = try Element(unspooling: &reader)
                        guard reader.isAtEnd else { throw SpoolError("a spooled row is longer than its fields") }
                        remaining -= 1
                        return element
                    }
                    current += 1
                }
                if remaining != 0 { throw SpoolError("\(remaining) spooled rows were not read back") }
                return nil
            } catch {
                health.record(error)
                cursors = []
                remaining = 0
                return nil
            }
        }
    }
}

extension Spooled: Equatable where Element: Equatable {
    public static func == (a: Spooled, b: Spooled) -> Bool { a.count == b.count && a.elementsEqual(b) }
}

extension Spooled: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Element...) { self.init(elements) }
}
