import MCAModel

/// What a customer may still do as of D (README, "Impact").
public enum ImpactRule {
    /// An UNCONFIRMED or INVALID customer is blocked from new orders from the cutover on, and will
    /// be at the cutover before it; seat changes follow new orders, and are NONE for a customer
    /// without seat-based subscriptions.
    public static func impacts(_ status: CustomerStatus, phase: Phase, hasSeatSubscriptions: Bool)
        -> (newOrders: Impact, seatChanges: Impact) {
        var newOrders = Impact.allowed
        if status == .unconfirmed || status == .invalid {
            newOrders = phase == .mandatory ? .blocked : .blockedAtCutover
        }
        return (newOrders, hasSeatSubscriptions ? newOrders : .none)
    }

    /// The days from D to the cutover, given only for a customer blocked at the cutover.
    public static func daysToCutover(newOrders: Impact, asOf: DayDate, policy: Policy) -> Int? {
        newOrders == .blockedAtCutover ? policy.mandatoryFrom - asOf : nil
    }
}
