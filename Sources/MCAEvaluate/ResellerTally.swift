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

/// One row of `resellers.csv` and of report.json's `resellers` (README, "Results by reseller").
public struct ResellerCounts: Sendable, Equatable {
    /// The reseller's id as first written in the inputs, or `direct`.
    public var resellerId: String
    public var customers = 0
    public var unconfirmed = 0
    public var invalid = 0
    public var blockedNewOrders = 0
    public var blockedSeatChanges = 0
    /// Seats of the customers counted in `blockedSeatChanges`.
    public var seatsAffected = 0
    public var violations = 0

    public init(resellerId: String, customers: Int = 0, unconfirmed: Int = 0, invalid: Int = 0, blockedNewOrders: Int = 0,
                blockedSeatChanges: Int = 0, seatsAffected: Int = 0, violations: Int = 0) {
        self.resellerId = resellerId
        self.customers = customers
        self.unconfirmed = unconfirmed
        self.invalid = invalid
        self.blockedNewOrders = blockedNewOrders
        self.blockedSeatChanges = blockedSeatChanges
        self.seatsAffected = seatsAffected
        self.violations = violations
    }

    /// Counts one customer in (as `Summary` counts it for the whole run).
    public mutating func add(_ brief: OutcomeBrief) {
        customers += 1
        if brief.status == .unconfirmed { unconfirmed += 1 }
        if brief.status == .invalid { invalid += 1 }
        if brief.newOrders.isBlocking { blockedNewOrders += 1 }
        if brief.seatChanges.isBlocking {
            blockedSeatChanges += 1
            seatsAffected += brief.seats
        }
    }
}
