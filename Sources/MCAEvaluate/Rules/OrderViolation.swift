import MCAModel

/// Which order lines broke the rules (README, "Impact", the violation `ORDER_WITHOUT_CONFIRMATION`).
/// The rule is in two parts so that the evaluation reads a line's customer only for a line that
/// could be a violation.
public enum OrderViolationRule {
    /// Whether a line of a live order (not cancelled or failed) needed a confirmation: its
    /// transaction is one that needs one (new, addQuantity, removeQuantity) and it was created
    /// between the cutover and D, both included.
    public static func neededConfirmation(_ transaction: TransactionType.Code, created: DayDate, policy: Policy, asOf: DayDate) -> Bool {
        transaction.needsConfirmation && created >= policy.mandatoryFrom && created <= asOf
    }

    /// Whether such a line is a violation: its customer is in scope and had no valid record dated
    /// on or before the line's creation date.
    public static func isViolation(created: DayDate, customerInScope: Bool, valid: ValidConfirmations) -> Bool {
        customerInScope && !(valid.earliest.map { $0 <= created } ?? false)
    }
}
