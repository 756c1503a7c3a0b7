/// One seat-based subscription as of the as-of date (README, "Impact").
public struct SeatSubscription: Sendable, Equatable {
    /// `nil` for an order line without a subscription id (its own group).
    public var subscriptionId: String?
    public var offerId: String?
    public var offerName: String?
    public var seats: Int

    public init(subscriptionId: String?, offerId: String?, offerName: String? = nil, seats: Int) {
        self.subscriptionId = subscriptionId
        self.offerId = offerId
        self.offerName = offerName
        self.seats = seats
    }
}

/// The evaluation of one customer.
public struct CustomerOutcome: Sendable, Equatable {
    public var customerId: String
    public var companyName: String
    public var domain: String?
    public var cloud: Cloud
    public var status: CustomerStatus
    /// Status reasons (`StatusReason` or `Defect` raw values); empty for CONFIRMED.
    public var reasons: [String]
    public var confirmedOn: DayDate?
    public var newOrders: Impact
    public var seatChanges: Impact
    public var daysToCutover: Int?
    /// Sorted by subscriptionId (`nil` last).
    public var subscriptions: [SeatSubscription]
    /// The newest record on file (the one whose defects an INVALID customer reports), if any.
    public var newestRecord: ConfirmationRecord?

    public init(customerId: String, companyName: String, domain: String?, cloud: Cloud, status: CustomerStatus,
                reasons: [String], confirmedOn: DayDate?, newOrders: Impact, seatChanges: Impact,
                daysToCutover: Int?, subscriptions: [SeatSubscription], newestRecord: ConfirmationRecord?) {
        self.customerId = customerId
        self.companyName = companyName
        self.domain = domain
        self.cloud = cloud
        self.status = status
        self.reasons = reasons
        self.confirmedOn = confirmedOn
        self.newOrders = newOrders
        self.seatChanges = seatChanges
        self.daysToCutover = daysToCutover
        self.subscriptions = subscriptions
        self.newestRecord = newestRecord
    }

    /// Total seats of the seat-based subscriptions.
    public var seats: Int { subscriptions.reduce(0) { $0 + $1.seats } }
}

/// What counts and filters need of a customer: no texts, so asking for it a million times costs no allocation.
public struct OutcomeBrief: Sendable, Equatable {
    public var status: CustomerStatus
    public var newOrders: Impact
    public var seatChanges: Impact
    /// Total seats of the seat-based subscriptions.
    public var seats: Int

    public init(status: CustomerStatus, newOrders: Impact, seatChanges: Impact, seats: Int) {
        self.status = status
        self.newOrders = newOrders
        self.seatChanges = seatChanges
        self.seats = seats
    }

    public init(_ outcome: CustomerOutcome) {
        self.init(status: outcome.status, newOrders: outcome.newOrders, seatChanges: outcome.seatChanges, seats: outcome.seats)
    }

    /// Whether new orders or seat changes are blocked, now or at the cutover.
    public var isBlocking: Bool { newOrders.isBlocking || seatChanges.isBlocking }

    /// Whether new orders or seat changes have the impact `level` (`.blocked` or `.blockedAtCutover`).
    public func isBlocked(at level: Impact) -> Bool { newOrders == level || seatChanges == level }
}
