#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MCAModel

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
    private var folded = GrowingBytes()
    private var entries: [Entry] = []
    /// Open addressing, linear probing, at most half full. A slot holds its key's hash tag (the low
    /// 32 bits of the hash, in the slot's high half) and the entry number + 1 (0: empty), so a
    /// probe rarely touches another entry. The slot index is the tag's low bits, so the table
    /// grows from its slots alone (`grow`), without reading a key; only keys with the same first
    /// slot share those bits, and their tags differ in the 32 − log2(slots) bits above (9 at 8M
    /// slots), so about one look-up in a thousand meets another key's tag and compares its bytes.
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

    /// Makes room for `more` keys of about `bytesEach` bytes, so that adding them copies nothing.
    /// The slots still grow as keys come: they are the part that is written (zeroed) when reserved.
    mutating func reserveCapacity(more: Int, bytesEach: Int) {
        entries.reserveCapacity(entries.count + more)
        folded.reserveCapacity(folded.count + more * bytesEach)
    }

    /// The bytes an entry takes besides its key's.
    static let entryStride = MemoryLayout<Entry>.stride

    /// The average length of the keys so far (0 without keys).
    var averageKeyCount: Int { entries.isEmpty ? 0 : (folded.count + entries.count - 1) / entries.count }

    /// The entry of a key, `nil` when it is not in the table. `hash` is `hash(owner:bytes:)`.
    func find(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty else { return nil }  // released
            let mask = slots.count - 1
            let tag = hash & 0xFFFF_FFFF
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

    /// Looks up a batch of keys at once: `found[k]` is the entry of `keys[k]` (with `owners[k]`, or
    /// 0 without owners; `hashes[k]` as `hash(owner:_:)` gives it), or -1 when it is not in the table.
    /// The same answers as `find`, key by key.
    ///
    /// A look-up in a table of millions is three dependent cache misses (slot, entry, key bytes), and
    /// one `find` after another leaves them one after the other. Here each step is a tight loop over
    /// the whole batch whose loads do not wait on one another, so the memory system serves many at
    /// once: first every key's slot, then the entries those name, then the key bytes. Only a key
    /// whose slot's hash tag names another key (rare, see `slots`) takes the ordinary `find`. A key
    /// that repeats the one before it (the lines of one order share a customer) is looked up once.
    func findAll(_ keys: [UnsafeRawBufferPointer], owners: [UInt32]? = nil, hashes: [UInt64], into found: inout [Int]) {
        precondition(keys.count == hashes.count && found.count == keys.count && (owners?.count ?? keys.count) == keys.count)
        /// Still to settle with `find`.
        let unsettled = -2
        slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty else {  // released: nothing is found
                for k in found.indices { found[k] = -1 }
                return
            }
            let mask = slots.count - 1
            for k in hashes.indices {
                if repeated(k) {
                    found[k] = unsettled
                    continue
                }
                // The first slot with the key's hash tag (most likely its own), or an empty slot: the
                // key is not in the table. The probe stays within a cache line or two.
                let tag = hashes[k] & 0xFFFF_FFFF
                var i = Int(truncatingIfNeeded: hashes[k]) & mask
                var slot = slots[i]
                while slot != 0, slot >> 32 != tag {
                    i = (i + 1) & mask
                    slot = slots[i]
                }
                found[k] = slot == 0 ? -1 : Int(slot & 0xFFFF_FFFF) - 1
            }
        }
        entries.withUnsafeBufferPointer { entries in
            var candidates = [Entry](repeating: Entry(start: 0, count: -1, owner: 0), count: keys.count)
            for k in keys.indices where found[k] >= 0 { candidates[k] = entries[found[k]] }
            for k in keys.indices where found[k] >= 0 {
                if candidates[k].owner != owners?[k] ?? 0 || !matches(candidates[k], keys[k]) { found[k] = unsettled }
            }
        }
        for k in keys.indices where found[k] == unsettled {
            found[k] = repeated(k) ? found[k - 1] : find(owner: owners?[k] ?? 0, keys[k], hash: hashes[k]) ?? -1
        }

        /// Whether key `k` is key `k - 1` again (same hash, owner and bytes).
        func repeated(_ k: Int) -> Bool {
            k > 0 && hashes[k] == hashes[k - 1] && (owners?[k] ?? 0) == (owners?[k - 1] ?? 0) && sameBytes(keys[k], keys[k - 1])
        }
    }

    /// Adds a key that `find` did not find; returns its entry number.
    mutating func insert(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        let e = entries.count
        entries.append(Entry(start: folded.count, count: Int32(bytes.count), owner: owner))
        let start = folded.count
        folded.append(bytes)
        if ignoresCase { folded.withUnsafeMutableBytes { KeyTable.foldInPlace(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) } }
        if 2 * (e + 1) > slots.count { grow() }
        place(e, hash: hash)
        return e
    }

    /// Lets the slots go when no look-up or insert will follow (entries and keys stay readable):
    /// they are a third of a big table's memory.
    mutating func releaseSlots() { slots = [] }

    /// The entry's key bytes (folded to lower case when the table ignores case).
    func withKey<R>(_ e: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let entry = entries[e]
        return folded.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[entry.start..<(entry.start + Int(entry.count))]).bindMemory(to: UInt8.self)) }
    }

    /// The length of entry `e`'s key.
    func keyCount(_ e: Int) -> Int { Int(entries[e].count) }

    /// Every entry number, its key's texts in `foldedOrder` (A–Z folded to a–z, which the keys of
    /// a table that ignores case already are): the one order of customers, which the violations
    /// (`Violation.spooledOrder`) follow too. Sorts eight-byte prefixes and reads whole keys only
    /// where prefixes tie.
    func sortedEntries() -> [Int] {
        folded.withUnsafeBytes { f in
            func key(_ e: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: f[entries[e].start..<(entries[e].start + Int(entries[e].count))])
            }
            var order: [(prefix: UInt64, entry: Int32)] = entries.indices.map { (KeyTable.foldedPrefix(key($0)), Int32($0)) }
            order.sort { a, b in
                a.prefix != b.prefix ? a.prefix < b.prefix : KeyTable.foldedOrder(key(Int(a.entry)), key(Int(b.entry)))
            }
            return order.map { Int($0.entry) }
        }
    }

    /// Whether `x` comes before `y` in `sortedEntries`' order: their bytes compared with A–Z folded
    /// to a–z, a prefix first.
    static func foldedOrder(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        for k in 0..<min(x.count, y.count) where lower(x[k]) != lower(y[k]) { return lower(x[k]) < lower(y[k]) }
        return x.count < y.count
    }

    /// The first eight bytes of `bytes` folded, the first one highest (zeros past its end): of two
    /// texts, the one with the lower prefix is first in `foldedOrder`.
    static func foldedPrefix(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var prefix: UInt64 = 0
        for k in 0..<8 { prefix = prefix << 8 | UInt64(k < bytes.count ? lower(bytes[k]) : 0) }
        return prefix
    }

    /// Whether an entry's key is `bytes` (folded when the table ignores case). Compares eight bytes
    /// at a time, without a branch per byte: a look-up stays a few dozen instructions, so the
    /// processor can have the cache misses of several look-ups in flight at once.
    private func matches(_ e: Int, _ bytes: UnsafeRawBufferPointer) -> Bool { matches(entries[e], bytes) }

    private func matches(_ entry: Entry, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard Int(entry.count) == n else { return false }
        if n == 0 { return true }
        return folded.withUnsafeBytes { f in
            let stored = f.baseAddress! + entry.start
            let probe = bytes.baseAddress!
            let fold = ignoresCase
            @inline(__always) func word(_ i: Int) -> UInt64 {
                let w = UnsafeRawPointer(probe + i).loadUnaligned(as: UInt64.self)
                return (fold ? KeyTable.foldedWord(w) : w) ^ UnsafeRawPointer(stored + i).loadUnaligned(as: UInt64.self)
            }
            if n < 8 {
                for i in 0..<n where (fold ? lower(bytes[i]) : bytes[i]) != stored.load(fromByteOffset: i, as: UInt8.self) { return false }
                return true
            }
            var diff: UInt64 = 0
            var i = 0
            while i + 8 <= n {
                diff |= word(i)
                i += 8
            }
            // The last eight bytes (overlapping what was compared) cover the tail.
            if i < n { diff |= word(n - 8) }
            return diff == 0
        }
    }

    private mutating func place(_ e: Int, hash: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = (hash << 32) | UInt64(e + 1)
    }

    /// Doubles the slots and places every slot again at its tag's new index: one pass over the old
    /// slots, whose places in the new table come in order, and no key is read or hashed again.
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        let mask = slots.count - 1
        precondition(mask <= Int(UInt32.max), "a key table of more than 2^32 slots")
        slots.withUnsafeMutableBufferPointer { new in
            for slot in old where slot != 0 {
                var i = Int(truncatingIfNeeded: slot >> 32) & mask
                while new[i] != 0 { i = (i + 1) & mask }
                new[i] = slot
            }
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
        if i < n, n >= 8 {
            // The last eight bytes, shifted so that only those not hashed yet are left: the same
            // word as gathering them one by one (below), in one load.
            let w = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) >> (8 * UInt64(8 - (n - i)))
            h = mix(h, ignoringCase ? foldedWord(w) : w)
        } else if i < n {
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

    /// Folds A–Z to a–z in `bytes`, eight at a time.
    static func foldInPlace(_ bytes: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i + 8 <= bytes.count {
            bytes.storeBytes(of: foldedWord(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            bytes[i] = lower(bytes[i])
            i += 1
        }
    }

    /// Eight bytes with A–Z folded to a–z at once; other bytes, UTF-8 ones included, unchanged.
    @inline(__always) static func foldedWord(_ w: UInt64) -> UInt64 {
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

/// Whether `a` and `b` hold the same bytes.
@inline(__always) func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}
