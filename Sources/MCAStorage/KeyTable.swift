#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash table from ids to entry numbers, for the joins of every order line: customer ids, and
/// subscription ids within a customer (docs/inputs.md: ids are trimmed and compared ignoring ASCII case).
///
/// Keys are UTF-8 bytes plus a 32-bit owner (the customer of a subscription; 0 for customers). They
/// are stored folded to lower case in one byte buffer, so a million keys cost a few tens of
/// megabytes and a look-up makes no String and touches no reference count. Entries are numbered
/// 0, 1, 2… in insertion order. The hash is seeded per table, so crafted ids cannot pick collisions.
package struct KeyTable: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var start: Int
        @usableFromInline var count: Int32
        @usableFromInline var owner: UInt32

        @inlinable
        init(start: Int, count: Int32, owner: UInt32) {
            self.start = start
            self.count = count
            self.owner = owner
        }
    }
    @usableFromInline var folded = GrowingBytes()
    @usableFromInline var entries: [Entry] = []
    /// Open addressing, linear probing, at most half full. A slot holds its key's hash tag (the low
    /// 32 bits of the hash, in the slot's high half) and the entry number + 1 (0: empty), so a
    /// probe rarely touches another entry. The slot index is the tag's low bits, so the table
    /// grows from its slots alone (`grow`), without reading a key; only keys with the same first
    /// slot share those bits, and their tags differ in the 32 − log2(slots) bits above (9 at 8M
    /// slots), so about one look-up in a thousand meets another key's tag and compares its bytes.
    @usableFromInline var slots: [UInt64] = Array(repeating: 0, count: 1024)
    @usableFromInline let seed: UInt64
    /// Whether keys that differ only in ASCII case are the same key (ids); otherwise bytes must match.
    @usableFromInline let ignoresCase: Bool

    package init(ignoresCase: Bool = true, seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.ignoresCase = ignoresCase
        self.seed = seed
    }

    /// The hash of a key for this table.
    @inlinable @inline(__always) package func hash(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        KeyTable.hash(seed: seed, owner: owner, bytes, ignoringCase: ignoresCase)
    }

    package var count: Int { entries.count }

    /// Makes room for `more` keys of about `bytesEach` bytes, so that adding them copies nothing.
    /// The slots still grow as keys come: they are the part that is written (zeroed) when reserved.
    @inlinable package mutating func reserveCapacity(more: Int, bytesEach: Int) {
        entries.reserveCapacity(entries.count + more)
        folded.reserveCapacity(folded.count + more * bytesEach)
    }

    /// The bytes an entry takes besides its key's.
    package static let entryStride = MemoryLayout<Entry>.stride

    /// The average length of the keys so far (0 without keys).
    package var averageKeyCount: Int { entries.isEmpty ? 0 : (folded.count + entries.count - 1) / entries.count }

    /// The entry of a key, `nil` when it is not in the table. `hash` is `hash(owner:bytes:)`.
    @inlinable @inline(__always) package func find(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
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
    @inlinable package func findAll(_ keys: [UnsafeRawBufferPointer], owners: [UInt32]? = nil, hashes: [UInt64], into found: inout [Int]) {
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
    @inlinable @inline(__always) package mutating func insert(owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int {
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
    @inlinable package mutating func releaseSlots() { slots = [] }

    /// The entry's key bytes (folded to lower case when the table ignores case).
    @inlinable @inline(__always) package func withKey<R>(_ e: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let entry = entries[e]
        return folded.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[entry.start..<(entry.start + Int(entry.count))]).bindMemory(to: UInt8.self)) }
    }

    /// The length of entry `e`'s key.
    @inlinable @inline(__always) package func keyCount(_ e: Int) -> Int { Int(entries[e].count) }

    /// Every entry number, its key's texts in `foldedOrder` (A–Z folded to a–z, which the keys of
    /// a table that ignores case already are): the one order of customers, which the violations
    /// (`Violation.spooledOrder`) follow too. Sorts eight-byte prefixes and reads whole keys only
    /// where prefixes tie.
    @inlinable package func sortedEntries() -> [Int] {
        folded.withUnsafeBytes { f in
            func key(_ e: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: f[entries[e].start..<(entries[e].start + Int(entries[e].count))])
            }
            var order: [(prefix: UInt64, entry: Int32)] = entries.indices.map { (TextOrder.foldedPrefix(key($0)), Int32($0)) }
            order.sort { a, b in
                a.prefix != b.prefix ? a.prefix < b.prefix : TextOrder.foldedBefore(key(Int(a.entry)), key(Int(b.entry)))
            }
            return order.map { Int($0.entry) }
        }
    }

    /// Whether an entry's key is `bytes` (folded when the table ignores case). Compares eight bytes
    /// at a time, without a branch per byte: a look-up stays a few dozen instructions, so the
    /// processor can have the cache misses of several look-ups in flight at once.
    @inlinable @inline(__always) package func matches(_ e: Int, _ bytes: UnsafeRawBufferPointer) -> Bool { matches(entries[e], bytes) }

    @inlinable @inline(__always) func matches(_ entry: Entry, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard Int(entry.count) == n else { return false }
        if n == 0 { return true }
        return folded.withUnsafeBytes { f in
            let stored = f.baseAddress! + entry.start
            let probe = bytes.baseAddress!
            let fold = ignoresCase
            @inline(__always) func word(_ i: Int) -> UInt64 {
                let w = UnsafeRawPointer(probe + i).loadUnaligned(as: UInt64.self)
                return (fold ? TextOrder.foldedWord(w) : w) ^ UnsafeRawPointer(stored + i).loadUnaligned(as: UInt64.self)
            }
            if n < 8 {
                for i in 0..<n where (fold ? TextOrder.lowercasedASCII(bytes[i]) : bytes[i]) != stored.load(fromByteOffset: i, as: UInt8.self) { return false }
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

    @inlinable mutating func place(_ e: Int, hash: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = (hash << 32) | UInt64(e + 1)
    }

    /// Doubles the slots and places every slot again at its tag's new index: one pass over the old
    /// slots, whose places in the new table come in order, and no key is read or hashed again.
    @inlinable mutating func grow() {
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
    @inlinable package static func hash(seed: UInt64, owner: UInt32 = 0, _ bytes: UnsafeRawBufferPointer, ignoringCase: Bool = true) -> UInt64 {
        var h = seed ^ (UInt64(owner) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = mix(h, ignoringCase ? TextOrder.foldedWord(w) : w)
            i += 8
        }
        if i < n, n >= 8 {
            // The last eight bytes, shifted so that only those not hashed yet are left: the same
            // word as gathering them one by one (below), in one load.
            let w = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) >> (8 * UInt64(8 - (n - i)))
            h = mix(h, ignoringCase ? TextOrder.foldedWord(w) : w)
        } else if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(ignoringCase ? TextOrder.lowercasedASCII(bytes[i]) : bytes[i]) << shift
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

    @inlinable @inline(__always) static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
        var x = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return x
    }

    /// Folds A–Z to a–z in `bytes`, eight at a time.
    @inlinable package static func foldInPlace(_ bytes: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i + 8 <= bytes.count {
            bytes.storeBytes(of: TextOrder.foldedWord(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            bytes[i] = TextOrder.lowercasedASCII(bytes[i])
            i += 1
        }
    }
}


/// Keeps a value the optimiser would otherwise prove unused (and remove the loads behind it).
@inline(never) package func keepAlive(_ value: UInt64) {}

/// Whether `a` and `b` hold the same bytes.
@inlinable @inline(__always) package func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}
