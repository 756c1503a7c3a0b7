/// Where the as-of date falls in the programme (README, "What it checks").
public enum Phase: String, Sendable, Codable {
    case preRollout = "PRE_ROLLOUT"
    case optional = "OPTIONAL"
    case mandatory = "MANDATORY"

}

/// A customer's confirmation status as of the as-of date (README, "Statuses").
public enum CustomerStatus: String, Sendable, Codable, CaseIterable {
    case confirmed = "CONFIRMED"
    case unconfirmed = "UNCONFIRMED"
    case invalid = "INVALID"
    case outOfScope = "OUT_OF_SCOPE"
}

/// A defect of one confirmation record (README, "Statuses"), in the order they are checked and listed.
public enum Defect: String, Sendable, Codable, CaseIterable {
    case missingFirstName = "MISSING_FIRST_NAME"
    case missingLastName = "MISSING_LAST_NAME"
    case missingEmail = "MISSING_EMAIL"
    case invalidEmail = "INVALID_EMAIL"
    case invalidPhone = "INVALID_PHONE"
    case missingDate = "MISSING_DATE"
    case invalidDate = "INVALID_DATE"
    case futureDate = "FUTURE_DATE"
    case unauthorizedRole = "UNAUTHORIZED_ROLE"
    case templateNotAccepted = "TEMPLATE_NOT_ACCEPTED"
    case stale = "STALE"
}

extension Defect {
    /// Every defect in `allCases` order, made once: a defect list is a set of bits (`DefectBits`),
    /// bit k for `all[k]`.
    @usableFromInline package static let all: [Defect] = allCases

    /// The position in `allCases`.
    @inlinable package var ordinal: Int { Defect.all.firstIndex(of: self)! }

    /// The defect at `ordinal` in `allCases`.
    package init(ordinal: Int) { self = Defect.all[ordinal] }
}

/// Why a customer has the status it has (empty for CONFIRMED): one of these or the defects.
public enum StatusReason: String, Sendable, Codable {
    case cloudNotSupported = "CLOUD_NOT_SUPPORTED"
    case acceptedAfterAsOf = "ACCEPTED_AFTER_AS_OF"
    case noConfirmation = "NO_CONFIRMATION"
}

/// What a customer may still do (README, "Impact").
public enum Impact: String, Sendable, Codable {
    case allowed = "ALLOWED"
    case blocked = "BLOCKED"
    case blockedAtCutover = "BLOCKED_AT_CUTOVER"
    /// seatChanges only: the customer has no seat-based subscription.
    case none = "NONE"

    /// BLOCKED or BLOCKED_AT_CUTOVER.
    public var isBlocking: Bool { self == .blocked || self == .blockedAtCutover }
}
