#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash table from ids to entry numbers, for the joins of every order line: customer ids, and
/// subscription ids within a customer (SPEC 2.1: trimmed, compared ignoring ASCII case).
///
/// Keys are UTF-8 bytes plus a 32-bit owner (the customer of a subscription; 0 for customers). They
/// are stored folded to lower case in one byte buffer, so a million keys cost a few tens of
/// megabytes and a look-up makes no String and touches no reference count. Entries are numbered
/// 0, 1, 2… in insertion order. The hash is seeded per table, so crafted ids cannot pick collisions.
struct KeyTable: Sendable {
    private struct Entry: Sendable {
        var start: Int
        var count: Int32
        var owner: UInt32
    }
    private var folded: [UInt8] = []
    private var entries: [Entry] = []
    /// Open addressing, linear probing, at most half full. A slot holds the high 32 bits of its
    /// key's hash and the entry number + 1 (0: empty), so a probe rarely touches another entry.
    private var slots: [UInt64] = Array(repeating: 0, count: 1024)
    let seed: UInt64
    /// Whether keys that differ only in ASCII case are the same key (ids); otherwise bytes must match.
    let ignoresCase: Bool

    init(ignoresCase: Bool = true, seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.ignoresCase = ignoresCase
        self.seed = seed
    }

    /// The hash of a key for this table.
    func hash(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        KeyTable.hash(seed: seed, owner: owner, bytes, ignoringCase: ignoresCase)
    }

    var count: Int { entries.count }

    /// The entry of a key, `nil` when it is not in the table. `hash` is `hash(owner:bytes:)`.
    func find(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty else { return nil }  // released
            let mask = slots.count - 1
            let tag = hash >> 32
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[i]
                if slot == 0 { return nil }
                if slot >> 32 == tag {
                    let e = Int(slot & 0xFFFF_FFFF) - 1
                    if entries[e].owner == owner, matches(e, bytes) { return e }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Reads ahead for a batch of look-ups (`hashes` as `hash(owner:_:)` gives them) so that the
    /// `find`s that follow find their slots, entries and key bytes in cache.
    ///
    /// A look-up in a table of millions costs three cache misses, one after the other. Here each
    /// step is a tight loop over the whole batch whose loads do not wait on one another, so the
    /// memory system serves many at once. Only the first slot of each key is read; a stale or
    /// missing answer costs nothing but time. Writes into `entries` the entry the first slot
    /// names when its hash tag matches, else -1 (it must hold `hashes.count` values).
    func readAhead(_ hashes: UnsafeBufferPointer<UInt64>, entries found: UnsafeMutableBufferPointer<Int>) {
        var touched: UInt64 = 0
        slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty else { return }
            let mask = slots.count - 1
            for k in hashes.indices {
                let slot = slots[Int(truncatingIfNeeded: hashes[k]) & mask]
                found[k] = slot != 0 && slot >> 32 == hashes[k] >> 32 ? Int(slot & 0xFFFF_FFFF) - 1 : -1
            }
        }
        entries.withUnsafeBufferPointer { entries in
            folded.withUnsafeBufferPointer { folded in
                var starts = [Int](repeating: -1, count: hashes.count)
                for k in hashes.indices where found[k] >= 0 && found[k] < entries.count {
                    if entries[found[k]].count > 0 { starts[k] = entries[found[k]].start }
                }
                for start in starts where start >= 0 && start < folded.count { touched &+= UInt64(folded[start]) }
            }
        }
        keepAlive(touched)
    }

    /// Adds a key that `find` did not find; returns its entry number.
    mutating func insert(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        let e = entries.count
        entries.append(Entry(start: folded.count, count: Int32(bytes.count), owner: owner))
        if ignoresCase {
            for c in bytes { folded.append(lower(c)) }
        } else {
            folded.append(contentsOf: bytes)
        }
        if 2 * (e + 1) > slots.count {
            grow()
        } else {
            place(e, hash: hash)
        }
        return e
    }

    /// Lets the slots go when no look-up or insert will follow (entries and keys stay readable):
    /// they are a third of a big table's memory.
    mutating func releaseSlots() { slots = [] }

    /// The entry's key bytes (folded to lower case when the table ignores case).
    func withKey<R>(_ e: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let entry = entries[e]
        return folded.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[entry.start..<(entry.start + Int(entry.count))])) }
    }

    /// Every entry number, ordered as the keys' bytes sort (folded keys: as their lower-cased texts
    /// would). Sorts eight-byte prefixes and reads whole keys only where prefixes tie.
    func sortedEntries() -> [Int] {
        folded.withUnsafeBufferPointer { f in
            var order: [(prefix: UInt64, entry: Int32)] = entries.indices.map { e in
                let entry = entries[e]
                var prefix: UInt64 = 0
                for k in 0..<8 {
                    prefix <<= 8
                    if k < Int(entry.count) { prefix |= UInt64(f[entry.start + k]) }
                }
                return (prefix, Int32(e))
            }
            order.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                let x = entries[Int(a.entry)], y = entries[Int(b.entry)]
                let n = min(Int(x.count), Int(y.count))
                for k in 0..<n where f[x.start + k] != f[y.start + k] { return f[x.start + k] < f[y.start + k] }
                return x.count < y.count
            }
            return order.map { Int($0.entry) }
        }
    }

    private func matches(_ e: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let entry = entries[e]
        guard Int(entry.count) == bytes.count else { return false }
        if bytes.isEmpty { return true }
        return folded.withUnsafeBufferPointer { f in
            var j = entry.start
            if !ignoresCase { return memcmp(f.baseAddress! + j, bytes.baseAddress!, bytes.count) == 0 }
            for c in bytes {
                if lower(c) != f[j] { return false }
                j += 1
            }
            return true
        }
    }

    private mutating func place(_ e: Int, hash: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(e + 1)
    }

    /// Doubles the slots and places every entry again (its hash recomputed from its stored key).
    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for e in entries.indices {
            let entry = entries[e]
            let hash = folded.withUnsafeBytes {
                KeyTable.hash(seed: seed, owner: entry.owner,
                              UnsafeRawBufferPointer(rebasing: $0[entry.start..<(entry.start + Int(entry.count))]),
                              ignoringCase: ignoresCase)
            }
            place(e, hash: hash)
        }
    }

    /// The hash of a key as `find` and `insert` expect it (case-folded for `ignoringCase`), eight bytes at a time.
    static func hash(seed: UInt64, owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, ignoringCase: Bool = true) -> UInt64 {
        var h = seed ^ (UInt64(owner) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = mix(h, ignoringCase ? foldedWord(w) : w)
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(ignoringCase ? lower(bytes[i]) : bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(h, tail)
        }
        // Final avalanche (the low bits pick the slot).
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    @inline(__always) private static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
        var x = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return x
    }

    /// Eight bytes with A–Z folded to a–z at once; other bytes, UTF-8 ones included, unchanged.
    @inline(__always) private static func foldedWord(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7 = w & (0x7F * ones)
        // High bit set in each byte of low7 that is >= 'A' and not >= '['; no carries, as low7 < 0x80.
        let atLeastA = low7 &+ (0x80 - 0x41) &* ones
        let pastZ = low7 &+ (0x80 - 0x5B) &* ones
        let upper = atLeastA & ~pastZ & ~w & (0x80 * ones)
        return w | (upper >> 2)
    }
}

@inline(__always) private func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// Keeps a value the optimiser would otherwise prove unused (and remove the loads behind it).
@inline(never) func keepAlive(_ value: UInt64) {}
