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
    package init(ids: [String], starts: [Int32], members: [Int32], counts: [ResellerCounts]) {
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
        for p in customers.indices { direct[0].add(customers.brief(p)) }
        direct[0].violations = violations
        self.init(ids: [], starts: [Int32](repeating: 0, count: customers.count + 1), members: [], counts: direct)
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
    package static func sortedBefore(_ a: String, _ b: String) -> Bool {
        let x = folded(a), y = folded(b)
        return x != y ? x < y : a < b
    }

    /// ASCII letters folded to lower case, as ids are compared.
    package static func folded(_ id: String) -> String {
        String(decoding: id.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    public static func == (a: ResellerResults, b: ResellerResults) -> Bool {
        a.ids == b.ids && a.starts == b.starts && a.members == b.members && a.counts == b.counts
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
