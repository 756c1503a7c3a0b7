import MCAModel

/// Which subscriptions are seat-based as of the as-of date D, and how many seats they hold
/// (README, "Impact"). A customer blocked from seat changes cannot change these seats.
enum SeatRules {
    /// The seats a subscriptions row holds as of D: its quantity when it is license-based, active,
    /// pending or suspended (an unrecognised status reads as active), and created on or before D
    /// or undated; else none.
    static func seats(of row: PackedSubscriptionRow, asOf: DayDate) -> Int {
        guard row.billingType == .license, row.status.holdsSeats else { return 0 }
        if let created = row.creationDate, created > asOf { return 0 }
        return row.quantity
    }

    /// Whether an order line sets its subscription's seats when no subscriptions export is given:
    /// a license-based line of a live order (not cancelled or failed), created on or before D, that
    /// is not a customer credit. The subscription's latest such line gives its seats (a
    /// cancellation: none).
    static func isSeatLine(_ line: PackedOrderLine, asOf: DayDate) -> Bool {
        line.billingType == .license && line.status.isLive && line.creationDate <= asOf && line.transaction != .customerCredit
    }
}
