import MCAModel
import MCAStorage

/// What the evaluation keeps of resellers while rows stream in: the table of distinct reseller ids,
/// each customer's resellers as small numbers, and the violations to credit. No String is kept per
/// order line: a line's reseller is looked up in the table (a few thousand ids, in cache) and only
/// its number is kept. The rules themselves are `ResellerTally`'s.
struct ResellerBook {
    /// Reseller id (folded to lower case) → its number, in order of first appearance.
    private var keys = KeyTable()
    /// Each reseller's id as first written.
    private var spellings: [String] = []
    /// Per customer (evaluator index): 0 for none yet, else its first reseller's number + 1.
    private var first: [UInt32] = []
    /// The further resellers of the few customers with more than one.
    private var more: [Int32: [Int32]] = [:]
    /// Per reseller: violations whose line names it.
    private var lineViolations: [Int] = []
    /// Per customer: violations whose line names no reseller (allocated at the first one).
    private var customerViolations: [UInt32] = []
    /// The last id looked up and its number: rows of one customer, or one reseller's block of a
    /// file, often repeat it.
    private var lastKey: [UInt8] = []
    private var lastNumber: Int32 = -1

    /// Notes that customer `customer` has a row naming the reseller `id` (trimmed, not empty, and a
    /// reseller by `ResellerId.names`), and returns the reseller's number.
    mutating func note(customer: Int, _ id: UnsafeRawBufferPointer) -> Int32 {
        if customer >= first.count { first += [UInt32](repeating: 0, count: max(customer + 1 - first.count, first.count)) }
        let slot = first[customer]
        // Most rows name the customer's first reseller again: one comparison, no hash.
        if slot != 0, keys.matches(Int(slot - 1), id) { return Int32(slot - 1) }
        let r = number(of: id)
        if slot == 0 {
            first[customer] = UInt32(r) + 1
        } else if slot != UInt32(r) + 1 {
            let key = Int32(truncatingIfNeeded: customer)
            if !(more[key]?.contains(r) ?? false) { more[key, default: []].append(r) }
        }
        return r
    }

    /// Counts a violation of customer `customer` whose line names reseller `line` (-1: none).
    mutating func countViolation(customer: Int, line: Int32) {
        if line >= 0 {
            lineViolations[Int(line)] += 1
            return
        }
        if customer >= customerViolations.count {
            customerViolations += [UInt32](repeating: 0, count: max(customer + 1 - customerViolations.count, max(first.count, 1024)))
        }
        customerViolations[customer] += 1
    }

    /// The id of reseller `r` as first written; `nil` for -1.
    func spelling(_ r: Int32) -> String? { r < 0 ? nil : spellings[Int(r)] }

    private mutating func number(of id: UnsafeRawBufferPointer) -> Int32 {
        if lastNumber >= 0, id.count == lastKey.count, lastKey.withUnsafeBytes({ sameBytes($0, id) }) { return lastNumber }
        let hash = keys.hash(id)
        let r: Int32
        if let e = keys.find(id, hash: hash) {
            r = Int32(e)
        } else {
            r = Int32(keys.insert(id, hash: hash))
            spellings.append(String(decoding: id.bindMemory(to: UInt8.self), as: UTF8.self))
            lineViolations.append(0)
        }
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: id.bindMemory(to: UInt8.self))
        lastNumber = r
        return r
    }

    /// The results in report order: `order[p]` is the evaluator index of the customer at position
    /// p, `briefs[p]` its brief. Resellers are renumbered in the order of their ids.
    func results(order: [Int], briefs: [OutcomeBrief]) -> ResellerResults {
        let sorted = spellings.indices.sorted { ResellerResults.sortedBefore(spellings[$0], spellings[$1]) }
        var rank = [Int32](repeating: 0, count: spellings.count)
        for (k, r) in sorted.enumerated() { rank[r] = Int32(k) }
        let direct = spellings.count
        var counts = sorted.map { ResellerCounts(resellerId: spellings[$0]) } + [ResellerCounts(resellerId: ResellerId.direct)]
        var starts = [Int32](repeating: 0, count: order.count + 1)
        var members: [Int32] = []
        members.reserveCapacity(order.count + more.count)
        var own: [Int32] = []
        for (p, i) in order.enumerated() {
            own.removeAll(keepingCapacity: true)
            let slot = i < first.count ? first[i] : 0
            if slot != 0 {
                own.append(rank[Int(slot - 1)])
                if let further = more[Int32(truncatingIfNeeded: i)] { own += further.map { rank[Int($0)] } }
                if own.count > 1 { own = ResellerTally.customerResellers(own) }
            }
            members += own
            starts[p + 1] = Int32(truncatingIfNeeded: members.count)
            ResellerTally.count(briefs[p], resellers: own, direct: direct, into: &counts)
            let unnamed = i < customerViolations.count ? Int(customerViolations[i]) : 0
            if unnamed > 0 { ResellerTally.countViolations(unnamed, line: nil, customer: own, direct: direct, into: &counts) }
        }
        for (r, n) in lineViolations.enumerated() where n > 0 {
            ResellerTally.countViolations(n, line: rank[r], customer: [], direct: direct, into: &counts)
        }
        return ResellerResults(ids: sorted.map { spellings[$0] }, starts: starts, members: members, counts: counts)
    }
}
