import MCAModel

/// Each customer's resellers, in report order, and the counts per reseller (README, "Results by
/// reseller"): what the reports read. Reseller ids are kept once each, in a table sorted by id;
/// a customer holds the indices of its resellers in that table.
public struct ResellerResults: Sendable, Equatable {
    /// Every reseller id, sorted (A–Z folded to a–z, then as written), each spelled as first read.
    public let ids: [String]
    /// Customer at position p has resellers `members[starts[p]..<starts[p + 1]]` (indices into `ids`, ascending).
    private let starts: [Int32]
    private let members: [Int32]
    /// The counts of each reseller (same order as `ids`), then those of the direct customers.
    private let counts: [ResellerCounts]
    /// Folded id → index into `ids`.
    private let index: [String: Int]

    /// - Parameters:
    ///   - ids: sorted as `ids` says.
    ///   - starts: `customers + 1` bounds into `members`.
    ///   - counts: one per id, then `direct`.
    init(ids: [String], starts: [Int32], members: [Int32], counts: [ResellerCounts]) {
        precondition(counts.count == ids.count + 1 && starts.first == 0 && Int(starts.last ?? 0) == members.count)
        self.ids = ids
        self.starts = starts
        self.members = members
        self.counts = counts
        var index: [String: Int] = [:]
        for (i, id) in ids.enumerated() { index[ResellerResults.folded(id)] = i }
        self.index = index
    }

    /// No reseller at all: every customer is direct.
    public init(allDirect customers: CustomerOutcomes, violations: Int) {
        var direct = [ResellerCounts(resellerId: ResellerId.direct)]
        for p in customers.indices { ResellerTally.count(customers.brief(p), resellers: [], direct: 0, into: &direct) }
        direct[0].violations = violations
        self.init(ids: [], starts: [Int32](repeating: 0, count: customers.count + 1), members: [], counts: direct)
    }

    /// The results of customers given with their reseller ids (tests, and results made in code).
    ///
    /// - Parameters:
    ///   - resellers: each customer's reseller ids, in the customers' order; `[]` for a direct one.
    ///   - violations: each violation's own reseller id (`nil`: none) and its customer's position.
    public init(customers: CustomerOutcomes, resellers: [[String]], violations: [(resellerId: String?, customer: Int)]) {
        precondition(resellers.count == customers.count)
        var spelled: [String: String] = [:]
        for list in resellers { for id in list where spelled[ResellerResults.folded(id)] == nil { spelled[ResellerResults.folded(id)] = id } }
        for v in violations { if let id = v.resellerId, spelled[ResellerResults.folded(id)] == nil { spelled[ResellerResults.folded(id)] = id } }
        let ids = spelled.values.sorted(by: ResellerResults.sortedBefore)
        var number: [String: Int32] = [:]
        for (i, id) in ids.enumerated() { number[ResellerResults.folded(id)] = Int32(i) }
        var starts: [Int32] = [0], members: [Int32] = []
        var counts = ids.map { ResellerCounts(resellerId: $0) } + [ResellerCounts(resellerId: ResellerId.direct)]
        for (p, list) in resellers.enumerated() {
            let own = ResellerTally.customerResellers(list.map { number[ResellerResults.folded($0)]! })
            members += own
            starts.append(Int32(members.count))
            ResellerTally.count(customers.brief(p), resellers: own, direct: ids.count, into: &counts)
        }
        for v in violations {
            let line = v.resellerId.map { number[ResellerResults.folded($0)]! }
            let own = members[Int(starts[v.customer])..<Int(starts[v.customer + 1])]
            ResellerTally.countViolations(1, line: line, customer: own, direct: ids.count, into: &counts)
        }
        self.init(ids: ids, starts: starts, members: members, counts: counts)
    }

    /// One row per reseller, sorted by id, then `direct` when some customer has no reseller.
    public var rows: [ResellerCounts] {
        let direct = counts[ids.count]
        return Array(counts.prefix(ids.count)) + (direct.customers > 0 ? [direct] : [])
    }

    /// The counts of the reseller at `index` of `ids`; `ids.count` for the direct customers.
    public func counts(ofReseller index: Int) -> ResellerCounts { counts[index] }

    /// The resellers of the customer at `position` (indices into `ids`, ascending; empty: direct).
    public func resellers(at position: Int) -> ArraySlice<Int32> {
        guard position + 1 < starts.count else { return [] }
        return members[Int(starts[position])..<Int(starts[position + 1])]
    }

    /// The reseller ids of the customer at `position` (`[]` for a direct customer).
    public func resellerIds(at position: Int) -> [String] { resellers(at: position).map { ids[Int($0)] } }

    /// The index in `ids` of a reseller id, compared case-insensitively.
    public func index(of id: String) -> Int? { index[ResellerResults.folded(id)] }

    /// The order of `ids`: A–Z folded to a–z, then as written (ids that differ only beyond ASCII case).
    static func sortedBefore(_ a: String, _ b: String) -> Bool {
        let x = folded(a), y = folded(b)
        return x != y ? x < y : a < b
    }

    /// ASCII letters folded to lower case, as ids are compared.
    static func folded(_ id: String) -> String {
        String(decoding: id.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    public static func == (a: ResellerResults, b: ResellerResults) -> Bool {
        a.ids == b.ids && a.starts == b.starts && a.members == b.members && a.counts == b.counts
    }
}
