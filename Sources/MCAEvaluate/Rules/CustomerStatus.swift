import MCAModel

/// What a customer's valid records (records without a defect) say as of D, gathered as its records
/// are read one by one (README, "Statuses").
public struct ValidConfirmations: Sendable, Equatable {
    /// The date of the earliest valid record: an order line created on or after it had a
    /// confirmation (README, "Impact", the violation rule).
    public private(set) var earliest: DayDate?
    /// The date of the newest valid record dated on or before D: the customer's `confirmedOn`.
    public private(set) var newestOnOrBeforeAsOf: DayDate?
    /// Whether a valid record is dated after D.
    public private(set) var anyAfterAsOf = false

    public init() {}

    /// Takes in a valid record accepted on `date`.
    public mutating func add(_ date: DayDate, asOf: DayDate) {
        if earliest.map({ date < $0 }) ?? true { earliest = date }
        if date <= asOf {
            if newestOnOrBeforeAsOf.map({ date > $0 }) ?? true { newestOnOrBeforeAsOf = date }
        } else {
            anyAfterAsOf = true
        }
    }
}

/// A customer's status as of D and why (README, "Statuses"), one function per column of its table.
public enum CustomerStatusRule {
    /// - Parameters:
    ///   - inScope: whether the customer's cloud is one of the policy's `supportedClouds`.
    ///   - valid: what its valid records say.
    ///   - hasRecord: whether it has any record at all, valid or not.
    public static func status(inScope: Bool, valid: ValidConfirmations, hasRecord: Bool) -> CustomerStatus {
        if !inScope { return .outOfScope }
        if valid.newestOnOrBeforeAsOf != nil { return .confirmed }
        if valid.anyAfterAsOf { return .unconfirmed }
        return hasRecord ? .invalid : .unconfirmed
    }

    /// Why a customer has `status`: nothing for CONFIRMED, the defects of its newest record for
    /// INVALID (`newestDefects`).
    package static func reasons(_ status: CustomerStatus, valid: ValidConfirmations, newestDefects: DefectBits) -> ReasonList {
        switch status {
        case .confirmed: return ReasonList(nil)
        case .outOfScope: return ReasonList(.cloudNotSupported)
        case .invalid: return ReasonList(defects: newestDefects)
        case .unconfirmed: return ReasonList(valid.anyAfterAsOf ? .acceptedAfterAsOf : .noConfirmation)
        }
    }

    /// Whether a record accepted on `date` takes the place of the customer's newest record so far,
    /// accepted on `newest`: the latest date wins, an undated record counts as the oldest, and on a
    /// tie the record read later wins.
    public static func replacesNewest(_ date: DayDate?, newest: DayDate?) -> Bool {
        switch (date, newest) {
        case (nil, nil): true
        case (nil, _): false
        case (_, nil): true
        case let (d?, n?): d >= n
        }
    }
}
