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
    /// is not a customer credit.
    static func isSeatLine(_ line: PackedOrderLine, asOf: DayDate) -> Bool {
        line.billingType == .license && line.status.isLive && line.creationDate <= asOf && line.transaction != .customerCredit
    }

    /// Whether a seat line takes the place of its subscription's latest line so far: the later
    /// creation date wins; on the same date the greater order id (compared as text), then the
    /// greater line item number; on a full tie the line read later. `orderIdOrder` compares the
    /// line's order id with the latest one's (negative, 0 or positive), asked only on a date tie.
    static func replacesLatest(created: DayDate, lineItem: Int, latestCreated: DayDate, latestLineItem: Int,
                               orderIdOrder: () -> Int) -> Bool {
        if created != latestCreated { return created > latestCreated }
        let order = orderIdOrder()
        return order > 0 || (order == 0 && lineItem >= latestLineItem)
    }

    /// The seats a subscription holds after its latest seat line: its quantity, none once cancelled.
    static func seatsHeld(quantity: Int, cancelled: Bool) -> Int { cancelled ? 0 : quantity }
}
