#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import MCAEvaluate
import MCAModel
import MCAStorage
import Testing

private func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    var s = s
    return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
}

private func find(_ t: KeyTable, _ key: String, owner: UInt32 = 0) -> Int? {
    withBytes(key) { t.find(owner: owner, $0, hash: t.hash(owner: owner, $0)) }
}

private func insert(_ t: inout KeyTable, _ key: String, owner: UInt32 = 0) -> Int {
    withBytes(key) { t.insert(owner: owner, $0, hash: t.hash(owner: owner, $0)) }
}

@Suite struct KeyTableTests {
    @Test func everyByteOfKeysOfEveryLengthCountsInTheHashWithASCIICaseFolded() {
        let t = KeyTable(seed: 0x5EED)
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789-_éabcdefghijklm".utf8)
        for n in 1...40 {
            let key = Array(letters.prefix(n))
            let h = key.withUnsafeBytes { t.hash($0) }
            for k in 0..<n {
                // The same key with byte k upper-cased hashes the same (when it is a letter)…
                var upper = key
                if upper[k] >= 0x61, upper[k] <= 0x7A { upper[k] -= 0x20 }
                #expect(upper.withUnsafeBytes { t.hash($0) } == h, "length \(n), byte \(k) upper-cased")
                // …and with byte k changed, differently: no byte is left out, the tail's included.
                var other = key
                other[k] ^= 0x01
                #expect(other.withUnsafeBytes { t.hash($0) } != h, "length \(n), byte \(k) changed")
            }
        }
    }

    @Test func roomMadeAheadKeepsEveryKeyAndItsNumber() {
        var t = KeyTable()
        #expect(t.averageKeyCount == 0)
        #expect(insert(&t, "CUST-0000001") == 0)
        #expect(insert(&t, "Société-2") == 1)
        #expect(t.averageKeyCount == 12)  // (12 + 11) / 2 bytes, rounded up
        t.reserveCapacity(more: 50_000, bytesEach: t.averageKeyCount)
        for i in 2..<30_000 { #expect(insert(&t, "Cust-\(i)") == i) }
        t.reserveCapacity(more: 0, bytesEach: 0)
        #expect(find(t, "cust-0000001") == 0)
        #expect(find(t, "SOCIéTé-2") == 1)
        for i in stride(from: 2, to: 30_000, by: 997) { #expect(find(t, "CUST-\(i)") == i) }
        #expect(find(t, "cust-30000") == nil)
    }

    @Test func idsMatchIgnoringASCIICaseOnly() {
        var t = KeyTable()
        #expect(insert(&t, "D7D81100-B626-4FB5-8892-5C49E3180BC8") == 0)
        #expect(insert(&t, "Société") == 1)
        #expect(find(t, "d7d81100-b626-4fb5-8892-5c49e3180bc8") == 0)
        #expect(find(t, "D7D81100-B626-4FB5-8892-5C49E3180BC8") == 0)
        #expect(find(t, "SOCIéTé") == 1)
        // Non-ASCII letters are not folded (docs/inputs.md, "Field names": ASCII case only).
        #expect(find(t, "SOCIÉTÉ") == nil)
        #expect(find(t, "d7d81100-b626-4fb5-8892-5c49e3180bc") == nil)
        #expect(find(t, "") == nil)
    }

    @Test func theOwnerIsPartOfTheKey() {
        var t = KeyTable()
        #expect(insert(&t, "sub-1", owner: 7) == 0)
        #expect(find(t, "SUB-1", owner: 7) == 0)
        #expect(find(t, "sub-1", owner: 8) == nil)
        #expect(insert(&t, "sub-1", owner: 8) == 1)
        #expect(find(t, "sub-1", owner: 8) == 1)
    }

    @Test func growingKeepsEveryKey() {
        var t = KeyTable(seed: 42)
        for n in 0..<20_000 { #expect(insert(&t, "Customer-\(n)") == n) }
        #expect(t.count == 20_000)
        var missing: [Int] = []
        for n in 0..<20_000 where find(t, "CUSTOMER-\(n)") != n { missing.append(n) }
        #expect(missing.isEmpty, "\(missing.count) keys not found, the first: \(missing.prefix(5))")
        #expect(find(t, "customer-20000") == nil)
    }

    /// A key that repeats the one before it is looked up once and answered the same; a repeat with
    /// another owner, in another case or of another length is looked up on its own.
    @Test func findAllAnswersRepeatedKeysAsFindDoes() {
        var t = KeyTable(seed: 7)
        for n in 0..<5_000 { _ = insert(&t, "3F2504E0-4F89-11D3-9A0C-\(n)", owner: UInt32(n % 4)) }
        var probes: [(String, UInt32)] = []
        for n in stride(from: 0, to: 5_000, by: 3) {
            let key = "3F2504E0-4F89-11D3-9A0C-\(n)", owner = UInt32(n % 4)
            probes += [(key, owner), (key, owner), (key.lowercased(), owner), (key, owner + 1), (key, owner + 1),
                       (key + "0", owner), ("", 0), ("", 0)]
        }
        let expected = probes.map { find(t, $0.0, owner: $0.1) ?? -1 }
        let pointers = probes.map { probe in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: probe.0.utf8.count, alignment: 1)
            buffer.copyBytes(from: Array(probe.0.utf8))
            return UnsafeRawBufferPointer(buffer)
        }
        defer { for p in pointers { UnsafeMutableRawBufferPointer(mutating: p).deallocate() } }
        var found = [Int](repeating: 7, count: probes.count)
        t.findAll(pointers, owners: probes.map(\.1), hashes: zip(pointers, probes).map { t.hash(owner: $1.1, $0) }, into: &found)
        #expect(found == expected)
        #expect(found.filter { $0 >= 0 }.count >= 3 * 1_667)  // the key twice and lower-cased, per stride
        #expect(found.contains(-1))
    }

    @Test func aCaseSensitiveTableKeepsCaseVariantsApart() {
        var t = KeyTable(ignoresCase: false)
        #expect(insert(&t, "Office 365 E3") == 0)
        #expect(find(t, "office 365 e3") == nil)
        #expect(insert(&t, "office 365 e3") == 1)
        #expect(find(t, "Office 365 E3") == 0)
    }

    /// `findAll` answers as `find` does, key by key: present keys in any ASCII case, absent ones,
    /// keys shorter than eight bytes and of every length around the word size, owners, non-ASCII
    /// bytes, and a small seeded table where first slots are often taken by other keys.
    @Test(arguments: [UInt64(1), 42, 0xDEAD_BEEF])
    func findAllAgreesWithFind(seed: UInt64) {
        var t = KeyTable(seed: seed)
        var stored: [(String, UInt32)] = []
        for n in 0..<3_000 {
            let key = n % 5 == 0 ? "Sub-\(n)" : n % 5 == 1 ? String(repeating: "k", count: n % 23) + "\(n)"
                : n % 5 == 2 ? "Société-\(n)-ÄÖ" : n % 5 == 3 ? "\(n)" : "D7D81100-B626-4FB5-8892-\(n)"
            let owner = UInt32(n % 3)
            if find(t, key, owner: owner) == nil { _ = insert(&t, key, owner: owner) }
            stored.append((key, owner))
        }
        var probes = stored.map { ($0.0.uppercased(), $0.1) } + stored.map { ($0.0, $0.1 + 1) }
        probes += [("", 0), ("sub-1", 9), ("SUB-3000", 0), ("société-2-äö", 0), ("D7D81100-B626-4FB5-8892-4", 1)]
        let expected = probes.map { find(t, $0.0, owner: $0.1) ?? -1 }
        var found = [Int](repeating: 7, count: probes.count)
        // Each key in a buffer of its own, as look-ups see them.
        let pointers = probes.map { probe in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: probe.0.utf8.count, alignment: 1)
            buffer.copyBytes(from: Array(probe.0.utf8))
            return UnsafeRawBufferPointer(buffer)
        }
        defer { for p in pointers { UnsafeMutableRawBufferPointer(mutating: p).deallocate() } }
        t.findAll(pointers, owners: probes.map(\.1), hashes: zip(pointers, probes).map { t.hash(owner: $1.1, $0) }, into: &found)
        #expect(found == expected)
        // A stored key's slot and hash tag, but another owner (what a tag collision looks like): not found.
        let otherOwners = stored.indices.map { probes[$0].1 + 1 }
        let storedHashes = stored.indices.map { t.hash(owner: stored[$0].1, pointers[$0]) }
        var collided = [Int](repeating: 7, count: stored.count)
        t.findAll(Array(pointers[..<stored.count]), owners: otherOwners, hashes: storedHashes, into: &collided)
        #expect(collided == stored.indices.map { t.find(owner: otherOwners[$0], pointers[$0], hash: storedHashes[$0]) ?? -1 })
        #expect(collided.allSatisfy { $0 == -1 })
        #expect(found.filter { $0 >= 0 }.count > 2_000)  // the probes do find most keys…
        #expect(found.contains(-1))                      // …and miss the absent ones
        // After its slots are released, nothing is found.
        t.releaseSlots()
        t.findAll(pointers, owners: probes.map(\.1), hashes: zip(pointers, probes).map { t.hash(owner: $1.1, $0) }, into: &found)
        #expect(found.allSatisfy { $0 == -1 })
    }

    @Test func sortedEntriesFollowTheLowerCasedTexts() {
        // Shared eight-byte prefixes, a key that is a prefix of another, mixed case, non-ASCII, an empty key.
        let keys = ["ABCDEFGH-2", "abcdefgh-10", "abcdefgh", "ABCDEFGH-1", "b", "A", "zeta", "Ärger", "abcdefg", "",
                    "0001", "abcdefgh\u{0}", "ABCDEFGHIJKLMNOP", "abcdefghijklmnoa"]
        var t = KeyTable()
        for k in keys { _ = insert(&t, k) }
        let expected = keys.indices.sorted { Array(keys[$0].lowercasedASCII.utf8).lexicographicallyPrecedes(keys[$1].lowercasedASCII.utf8) }
        #expect(t.sortedEntries() == expected)
    }
}

private extension String {
    var lowercasedASCII: String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

@Suite struct EvaluatorReservationLimitTests {
    @Test func roomIsMadeForAtMostAQuarterOfTheMemory() {
        let limit = Evaluator.reservationLimit
        let memory = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        #expect(limit >= 1 << 28)
        #expect(limit <= max(1 << 28, memory / 4))
        #expect(Evaluator.affordable(1_000_000, bytesEach: 100) == 1_000_000)
        #expect(Evaluator.affordable(Int(Int32.max), bytesEach: 150) == limit / 150)
        #expect(Evaluator.affordable(Int.max, bytesEach: 0) == limit)
    }
}

@Suite struct EmailRuleTests {
    /// The rule as the README words it, on Characters: the fast ASCII path must agree with it.
    private func reference(_ email: String) -> Bool {
        guard email.utf8.count <= 254, !email.contains(where: \.isWhitespace) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
    }

    @Test func theByteCheckAgreesWithTheCharacterRule() {
        let cases = ["jane@contoso.com", "jane@contoso", "@contoso.com", "jane@@contoso.com", "ja ne@contoso.com",
                     "jane@contoso.com\t", "jane.doe@contoso", "jane.doe@sub.contoso.com", "a@b.", "a@.b", "",
                     "jane\u{A0}doe@contoso.com", "zoë@contoso.fr", "jane@contoso.com\u{2028}", "x@y.z@w.v",
                     String(repeating: "a", count: 250) + "@b.cd", String(repeating: "a", count: 249) + "@b.cd",
                     "jane\r@contoso.com", "jane@con\u{0B}toso.com"]
        for email in cases {
            #expect(ConfirmationRules.isValidEmail(email) == reference(email), "\(email.debugDescription)")
        }
    }
}
