import MCAModel

extension ResellerResults {
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
}
