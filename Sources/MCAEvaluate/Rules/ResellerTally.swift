import MCAModel

/// The rules of the results by reseller (README, "Results by reseller"), as plain functions over
/// plain values. Resellers are numbers here: their place in the table of distinct reseller ids
/// (`ResellerBook` keeps that table and calls these rules; no rule is restated there).
public enum ResellerTally {
    /// A customer's resellers: the distinct resellers of its accepted subscriptions rows and order
    /// lines, whatever their dates, in ascending order; none for a direct customer.
    ///
    /// - Parameter named: the reseller of each of the customer's rows that names one, repeats allowed.
    public static func customerResellers(_ named: some Sequence<Int32>) -> [Int32] {
        var distinct: [Int32] = []
        for r in named where !distinct.contains(r) { distinct.append(r) }
        return distinct.sorted()
    }

    /// The resellers a violation counts for: the reseller its own line names, else every reseller of
    /// its customer; empty means `direct`.
    public static func creditedResellers(line: Int32?, customer: some Collection<Int32>) -> [Int32] {
        if let line { return [line] }
        return Array(customer)
    }

    /// Counts one customer into the row of each of its resellers, or into `direct` when it has none:
    /// a customer with two resellers counts, with all its seats, for both.
    ///
    /// - Parameters:
    ///   - brief: the customer's status, impacts and seats.
    ///   - resellers: its resellers (`customerResellers`), as indices into `counts`.
    ///   - direct: the index of the `direct` row in `counts`.
    public static func count(_ brief: OutcomeBrief, resellers: some Collection<Int32>, direct: Int,
                             into counts: inout [ResellerCounts]) {
        if resellers.isEmpty {
            counts[direct].add(brief)
        } else {
            for r in resellers { counts[Int(r)].add(brief) }
        }
    }

    /// Counts `violations` violations into the rows they are credited to (`creditedResellers`).
    public static func countViolations(_ violations: Int, line: Int32?, customer: some Collection<Int32>, direct: Int,
                                       into counts: inout [ResellerCounts]) {
        let credited = creditedResellers(line: line, customer: customer)
        if credited.isEmpty {
            counts[direct].violations += violations
        } else {
            for r in credited { counts[Int(r)].violations += violations }
        }
    }
}
