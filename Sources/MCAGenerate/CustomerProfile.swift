/// Independent random streams drawn from one seed, so adding a draw to one kind of record does
/// not shift the values of another. New streams go at the end: a stream's key depends on its place.
enum RandomStream: Int, CaseIterable {
    case identity, profile, records, duplicates, agreements, orders, orderSizes, unknownCustomers, subscriptions
    /// The subscriptions export's rows (its bad rows, each subscription's status and dates).
    case subscriptionRows
    /// The reconciliation layout's own values (prices, invoice numbers, resellers, the partner's ids).
    case reconciliation
    /// Each customer's resellers and how a direct customer's reseller field is spelled.
    case resellers
}

/// A confirmation record's defect (README, "Statuses"), as the generator plants it.
enum PlantedDefect: CaseIterable {
    case missingFirstName, missingLastName, missingEmail, invalidEmail, invalidPhone
    case missingDate, invalidDate, futureDate, unauthorizedRole
}

/// What a customer's confirmation history looks like: every case of the README's status table is one of these.
enum Scenario: Equatable {
    /// One valid record dated before the cutover (some before the rollout).
    case confirmed
    /// One valid record embedded in the customers export instead of the agreements export.
    case confirmedEmbedded
    /// One valid record dated after the cutover: earlier post-cutover orders are violations.
    case confirmedLate
    /// One valid record dated after the benchmark's as-of date (2019-01-15).
    case confirmedAfterAsOf
    /// One record with one defect.
    case defective(PlantedDefect)
    /// An older invalid record, then a newer valid one.
    case newerValidOverInvalid
    /// An older valid record, then a newer invalid one.
    case newerInvalidOverValid
    /// Invalid, valid, then a later record of another agreement type.
    case threeRecords
    /// Only a record of another agreement type (MicrosoftCustomerAgreement).
    case otherTypeOnly
    /// A row whose contact and date fields are all empty ("no confirmation").
    case emptyRecord
    /// No record at all.
    case none
}

/// Which cloud a customer is in, and so how its `cloud` value is spelled.
enum CloudChoice {
    case publicUnspecified, publicSpelled, germany, china, usGovernment, unrecognized
}

/// The agreement type a record is written with.
enum AgreementKind {
    case cloudAgreement, unspecified, customerAgreement
}

/// One confirmation record a customer will have, before its values are drawn.
struct RecordPlan {
    var defect: PlantedDefect?
    /// dateAgreed, in days since 1970-01-01 (ignored when the defect is about the date).
    var day: Int
    var kind: AgreementKind = .cloudAgreement
    /// Contact and date fields all empty.
    var allEmpty = false
    /// Carried by the customers row (its acceptance fields), not by an agreements row.
    var embedded = false
}

/// Everything about one customer that every file needs, derived from the seed and the
/// customer's index alone: no file has to remember another's state, so memory stays flat.
struct CustomerProfile {
    var scenario: Scenario
    var cloud: CloudChoice
    var cloudSpelling: Int
    var brand: Int
    var industry: Int
    var suffix: Int
    var city: Int?
    var nickname: Int?
    var topLevelDomain: Int
    var firstName: Int
    var lastName: Int
    var phoneTemplate: Int
    /// The resellers the customer buys through (`RecordFactory.resellers(_:)`).
    var resellers: CustomerResellers
}

/// The resellers of one customer, as indices into the generator's reseller pool: none (direct),
/// one, or two (its subscriptions split between them by slot parity).
struct CustomerResellers: Equatable {
    var first: Int?
    var second: Int?

    static let direct = CustomerResellers(first: nil, second: nil)

    /// The reseller that sells one of the customer's subscriptions (`nil`: direct).
    func reseller(slot: Int) -> Int? {
        if let second, slot % 2 == 1 { return second }
        return first
    }
}

/// Date windows of the 2018 programme, in days since 1970-01-01.
enum Window {
    static let rollout = daysSinceEpoch(2018, 8, 7)
    static let cutover = daysSinceEpoch(2018, 11, 7)
    static let benchAsOf = daysSinceEpoch(2019, 1, 15)
    static let beforeRollout = daysSinceEpoch(2017, 6, 1)..<rollout
    static let optional = rollout..<cutover
    static let afterCutover = cutover..<benchAsOf
    static let afterAsOf = benchAsOf..<daysSinceEpoch(2019, 7, 1)
    static let customerAgreement = daysSinceEpoch(2019, 10, 1)..<daysSinceEpoch(2020, 7, 1)
    /// Orders are spread over these days.
    static let orders = daysSinceEpoch(2018, 1, 1)..<daysSinceEpoch(2019, 7, 1)
    /// The day the subscriptions export is a snapshot of: the day after the last orders.
    static let snapshot = orders.upperBound
}

extension SplitMix64 {
    /// A uniformly drawn day of a window.
    mutating func day(in window: Range<Int>) -> Int { window.lowerBound + below(window.count) }
}
