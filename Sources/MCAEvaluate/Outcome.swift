import MCAModel

/// Where the as-of date falls in the programme (SPEC 3.2).
public enum Phase: String, Sendable, Codable {
    case preRollout = "PRE_ROLLOUT"
    case optional = "OPTIONAL"
    case mandatory = "MANDATORY"

    public init(asOf: DayDate, policy: Policy) {
        if asOf < policy.availableFrom {
            self = .preRollout
        } else if asOf < policy.mandatoryFrom {
            self = .optional
        } else {
            self = .mandatory
        }
    }
}

/// A customer's confirmation status as of the as-of date (SPEC 3.3).
public enum CustomerStatus: String, Sendable, Codable, CaseIterable {
    case confirmed = "CONFIRMED"
    case unconfirmed = "UNCONFIRMED"
    case invalid = "INVALID"
    case outOfScope = "OUT_OF_SCOPE"
}

/// A defect of one confirmation record (SPEC 3.3 step 3), in the order they are checked and listed.
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
    /// The position in `allCases`, without making that array (a defect list is a set of bits, `DefectBits`).
    var ordinal: Int {
        switch self {
        case .missingFirstName: 0
        case .missingLastName: 1
        case .missingEmail: 2
        case .invalidEmail: 3
        case .invalidPhone: 4
        case .missingDate: 5
        case .invalidDate: 6
        case .futureDate: 7
        case .unauthorizedRole: 8
        case .templateNotAccepted: 9
        case .stale: 10
        }
    }

    /// The defect at `ordinal` in `allCases`.
    init(ordinal: Int) {
        switch ordinal {
        case 0: self = .missingFirstName
        case 1: self = .missingLastName
        case 2: self = .missingEmail
        case 3: self = .invalidEmail
        case 4: self = .invalidPhone
        case 5: self = .missingDate
        case 6: self = .invalidDate
        case 7: self = .futureDate
        case 8: self = .unauthorizedRole
        case 9: self = .templateNotAccepted
        default: self = .stale
        }
    }
}

/// Why a customer has the status it has (empty for CONFIRMED): one of these or the defects.
public enum StatusReason: String, Sendable, Codable {
    case cloudNotSupported = "CLOUD_NOT_SUPPORTED"
    case acceptedAfterAsOf = "ACCEPTED_AFTER_AS_OF"
    case noConfirmation = "NO_CONFIRMATION"
}

/// What a customer may still do (SPEC 3.4).
public enum Impact: String, Sendable, Codable {
    case allowed = "ALLOWED"
    case blocked = "BLOCKED"
    case blockedAtCutover = "BLOCKED_AT_CUTOVER"
    /// seatChanges only: the customer has no seat-based subscription.
    case none = "NONE"

    /// BLOCKED or BLOCKED_AT_CUTOVER.
    public var isBlocking: Bool { self == .blocked || self == .blockedAtCutover }
}

/// One seat-based subscription as of the as-of date (SPEC 3.4).
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

/// Where `CustomerOutcomes` gets its elements from when they are made on demand.
protocol OutcomeSource: AnyObject, Sendable {
    var count: Int { get }
    func outcome(_ position: Int) -> CustomerOutcome
    func withView<R>(_ position: Int, _ body: (OutcomeView) -> R) -> R
    func brief(_ position: Int) -> OutcomeBrief
    func customerId(_ position: Int) -> String
    func customerId(_ position: Int, equals id: String) -> Bool
    func companyName(_ position: Int) -> String
}

/// Every customer's outcome, in report order.
///
/// An evaluation's outcomes are made one at a time when asked for, from the evaluator's own state:
/// a million customers' outcomes, with their subscription ids as Strings, are never all in memory
/// at once, and the report writers stream them. Ask for `brief(_:)`, `customerId(_:)` or
/// `companyName(_:)` when that is all you need, and take an element once (`let c = outcomes[i]`)
/// rather than reading it field by field. Changing an element (tests do) turns the collection into
/// an array of values first.
public struct CustomerOutcomes: RandomAccessCollection, MutableCollection, RangeReplaceableCollection,
    ExpressibleByArrayLiteral, Sendable, Equatable {
    // Not an enum: reading an enum's payload copies it, and a copy of the shared source is a
    // reference count changed by every report thread at once, for every customer.
    /// The outcomes as values: when there is no source, or once one was changed.
    private var values: [CustomerOutcome]
    /// Where the outcomes are made, while none was changed.
    private var source: (any OutcomeSource)?

    init(source: any OutcomeSource) {
        values = []
        self.source = source
    }
    public init(_ values: [CustomerOutcome]) { self.values = values }
    public init() { values = [] }
    public init(arrayLiteral elements: CustomerOutcome...) { values = elements }

    public var startIndex: Int { 0 }
    public var endIndex: Int { source?.count ?? values.count }

    public subscript(position: Int) -> CustomerOutcome {
        get { source?.outcome(position) ?? values[position] }
        set {
            materialize()
            values[position] = newValue
        }
    }

    public mutating func replaceSubrange<C: Collection<CustomerOutcome>>(_ range: Range<Int>, with elements: C) {
        materialize()
        values.replaceSubrange(range, with: elements)
    }

    /// The outcome at `position` read in place (no Strings made): what a report writing every
    /// customer should ask for. The view is valid only inside `body`.
    public func withView<R>(_ position: Int, _ body: (OutcomeView) -> R) -> R {
        if let source { return source.withView(position, body) }
        return OutcomeView.with(values[position], body)
    }

    /// Status, impacts and seats of the customer at `position`.
    public func brief(_ position: Int) -> OutcomeBrief { source?.brief(position) ?? OutcomeBrief(values[position]) }

    public func customerId(_ position: Int) -> String { source?.customerId(position) ?? values[position].customerId }

    /// Whether the id of the customer at `position` is `id`, exactly (no String is made for it).
    public func customerId(_ position: Int, equals id: String) -> Bool {
        source?.customerId(position, equals: id) ?? (values[position].customerId == id)
    }

    public func companyName(_ position: Int) -> String { source?.companyName(position) ?? values[position].companyName }

    private mutating func materialize() {
        guard source != nil else { return }
        values = Array(self)
        source = nil
    }

    public static func == (a: CustomerOutcomes, b: CustomerOutcomes) -> Bool { a.elementsEqual(b) }
}

/// An order line that broke the rules (SPEC 3.5).
public struct Violation: Sendable, Equatable {
    public static let code = "ORDER_WITHOUT_CONFIRMATION"
    public var customerId: String
    public var orderId: String
    public var lineItemNumber: Int
    public var creationDate: DayDate
    public var subscriptionId: String?
    public var offerId: String?
    public var quantity: Int

    public init(customerId: String, orderId: String, lineItemNumber: Int, creationDate: DayDate,
                subscriptionId: String? = nil, offerId: String? = nil, quantity: Int = 0) {
        self.customerId = customerId
        self.orderId = orderId
        self.lineItemNumber = lineItemNumber
        self.creationDate = creationDate
        self.subscriptionId = subscriptionId
        self.offerId = offerId
        self.quantity = quantity
    }
}

/// Violations are spooled: a partner that confirmed no customer has one per order line since the cutover.
extension Violation: Spoolable {
    public func spool(into bytes: inout GrowingBytes) {
        bytes.spool(customerId)
        bytes.spool(orderId)
        bytes.spool(lineItemNumber)
        bytes.spool(creationDate.daysSinceEpoch)
        bytes.spool(subscriptionId)
        bytes.spool(offerId)
        bytes.spool(quantity)
    }

    public init(unspooling reader: inout SpoolReader) throws {
        self.init(customerId: try reader.requiredString(), orderId: try reader.requiredString(), lineItemNumber: try reader.int(),
                  creationDate: DayDate(daysSinceEpoch: try reader.int()), subscriptionId: try reader.string(),
                  offerId: try reader.string(), quantity: try reader.int())
    }

    /// The reports' order, on spooled rows: by customer (as the customers are, their ids compared
    /// with A–Z folded to a–z), then creation date, order id and line item number. Rows whose
    /// `spooledKey`s differ are in the order of their keys.
    static func spooledOrder(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let a = SpooledSortFields(x), b = SpooledSortFields(y)
        if !a.customerId.elementsEqual(b.customerId) { return KeyTable.foldedOrder(a.customerId, b.customerId) }
        if a.creationDate != b.creationDate { return a.creationDate < b.creationDate }
        if !a.orderId.elementsEqual(b.orderId) {
            // As Strings compare: beyond ASCII, that is not the bytes' order, and different bytes
            // can be the same text (é composed, or e and a combining accent).
            if a.orderId.allSatisfy({ $0 < 0x80 }), b.orderId.allSatisfy({ $0 < 0x80 }) {
                return a.orderId.lexicographicallyPrecedes(b.orderId)
            }
            let x = String(decoding: a.orderId, as: UTF8.self), y = String(decoding: b.orderId, as: UTF8.self)
            if x != y { return x < y }
        }
        return a.lineItemNumber < b.lineItemNumber
    }

    /// The first eight folded bytes of a spooled row's customer id (`KeyTable.foldedPrefix`).
    static func spooledKey(_ row: UnsafeRawBufferPointer) -> UInt64 { KeyTable.foldedPrefix(SpooledSortFields(row).customerId) }
}

/// The fields of a spooled `Violation` that order it, read where they lie. A row that ends
/// before them (which only a damaged file could hold) reads as empty fields; reading the row
/// back then fails, and the report is not published.
private struct SpooledSortFields {
    var customerId = UnsafeRawBufferPointer(start: nil, count: 0)
    var orderId = UnsafeRawBufferPointer(start: nil, count: 0)
    var lineItemNumber = 0
    var creationDate = 0

    init(_ row: UnsafeRawBufferPointer) {
        // As `Violation.spool(into:)` writes them.
        var reader = SpoolReader(row)
        guard let customerId = try? reader.textBytes(), let orderId = try? reader.textBytes(),
              let lineItemNumber = try? reader.int(), let creationDate = try? reader.int() else { return }
        self.customerId = customerId
        self.orderId = orderId
        self.lineItemNumber = lineItemNumber
        self.creationDate = creationDate
    }
}

/// What one input file contributed (SPEC 4, manifest and report.json `inputs`).
public struct InputSummary: Sendable, Equatable {
    public var kind: InputKind
    public var path: String
    public var format: InputFormat
    public var sha256: String
    public var rowsRead: Int
    public var rowsAccepted: Int
    public var rowsRejected: Int
    public var warnings: Int

    public init(kind: InputKind, path: String, format: InputFormat, sha256: String = "", rowsRead: Int = 0,
                rowsAccepted: Int = 0, rowsRejected: Int = 0, warnings: Int = 0) {
        self.kind = kind
        self.path = path
        self.format = format
        self.sha256 = sha256
        self.rowsRead = rowsRead
        self.rowsAccepted = rowsAccepted
        self.rowsRejected = rowsRejected
        self.warnings = warnings
    }
}

/// The counts of report.json `summary` (SPEC 4.1).
public struct Summary: Sendable, Equatable {
    public var customers = 0
    public var byStatus: [CustomerStatus: Int] = [:]
    public var blockedNewOrders = 0
    public var blockedSeatChanges = 0
    public var seatsAffected = 0
    public var violations = 0
    public var rowsRejected = 0
    public var warnings = 0
    /// Agreement rows of another type, accepted and ignored (SPEC 3.6).
    public var otherAgreementTypes = 0
    /// Customers listed in `fetch-failures.csv` (`NOT_FETCHED`); `nil` unless the audit read a fetch (`--fetched`).
    public var notFetched: Int?

    public init() {}

    public func count(_ status: CustomerStatus) -> Int { byStatus[status, default: 0] }
}

/// Everything one audit found: the input of every report writer.
public struct AuditResult: Sendable {
    public var asOf: DayDate
    public var runDate: DayDate
    public var timeZone: String
    public var phase: Phase
    public var policy: Policy
    public var summary: Summary
    /// Sorted by customerId, compared case-insensitively.
    public var customers: CustomerOutcomes
    /// Sorted by customerId, creationDate, orderId, lineItemNumber (`Violation.spooledOrder`).
    public var violations: Spooled<Violation>
    /// Rejected rows and warnings, in input order.
    public var dataQuality: Spooled<Finding>
    public var inputs: [InputSummary]
    /// Where the seat counts come from.
    public var seatsSource: SeatsSource
    /// What a reader should know about the run as a whole (no subscriptions export, a date layout hint, …).
    public var notices: [Notice]
    /// What changed since the previous run; `nil` when the run keeps no history (`--no-history`).
    public var changes: RunChanges?
    /// This run and the runs before it, oldest first; `nil` when the run keeps no history.
    public var trend: [TrendPoint]?

    public init(asOf: DayDate, runDate: DayDate, timeZone: String = "UTC", phase: Phase, policy: Policy,
                summary: Summary, customers: CustomerOutcomes, violations: Spooled<Violation>, dataQuality: Spooled<Finding>,
                inputs: [InputSummary], seatsSource: SeatsSource = .orderLines, notices: [Notice] = [],
                changes: RunChanges? = nil, trend: [TrendPoint]? = nil) {
        self.seatsSource = seatsSource
        self.notices = notices
        self.asOf = asOf
        self.runDate = runDate
        self.timeZone = timeZone
        self.phase = phase
        self.policy = policy
        self.summary = summary
        self.customers = customers
        self.violations = violations
        self.dataQuality = dataQuality
        self.inputs = inputs
        self.changes = changes
        self.trend = trend
    }
}

// MARK: - Run history (SPEC 6)

/// What the run history keeps of one customer in one run, and what `changes` compares.
public struct CustomerSnapshot: Sendable, Equatable {
    public var status: CustomerStatus
    /// As in `CustomerOutcome.reasons`.
    public var reasons: [String]
    public var newOrders: Impact
    public var seatChanges: Impact
    /// Total seats of the seat-based subscriptions.
    public var seats: Int
    /// Order lines of this customer that are violations (SPEC 3.5).
    public var violations: Int

    public init(status: CustomerStatus, reasons: [String], newOrders: Impact, seatChanges: Impact,
                seats: Int, violations: Int) {
        self.status = status
        self.reasons = reasons
        self.newOrders = newOrders
        self.seatChanges = seatChanges
        self.seats = seats
        self.violations = violations
    }

    /// 0 allowed (or no seats), 1 blocked at the cutover, 2 blocked: the worse of newOrders and seatChanges.
    public var blockLevel: Int {
        func level(_ impact: Impact) -> Int {
            switch impact {
            case .allowed, .none: return 0
            case .blockedAtCutover: return 1
            case .blocked: return 2
            }
        }
        return max(level(newOrders), level(seatChanges))
    }
}

/// One customer in a list of `RunChanges`: its state in the previous run and in this one.
public struct CustomerChange: Sendable, Equatable {
    public var customerId: String
    public var companyName: String
    /// `nil` when the customer was not in the previous run.
    public var before: CustomerSnapshot?
    public var after: CustomerSnapshot

    public init(customerId: String, companyName: String, before: CustomerSnapshot?, after: CustomerSnapshot) {
        self.customerId = customerId
        self.companyName = companyName
        self.before = before
        self.after = after
    }
}

/// What changed since the previous complete run with an earlier as-of date (report.json `changes`).
///
/// A customer may be in several lists (a blocked customer that confirms is newly confirmed and
/// resolved). Customers that left the export are in no list. Each list is in customer order.
public struct RunChanges: Sendable, Equatable {
    /// The as-of date of the run compared against; `nil` when there is none (every list is then empty).
    public var previousAsOf: DayDate?
    public var previousRunDate: DayDate?
    /// Blocked now at a worse level than before: allowed → blocked at the cutover or blocked, or
    /// blocked at the cutover → blocked (newOrders or seatChanges); includes new customers that are blocked.
    public var newlyBlocked: [CustomerChange]
    /// CONFIRMED now and not before (including new customers).
    public var newlyConfirmed: [CustomerChange]
    /// INVALID now and not before (including new customers).
    public var newlyInvalid: [CustomerChange]
    /// Blocked (or blocked at the cutover) before, neither now.
    public var resolved: [CustomerChange]
    /// More order-line violations now than before (before: 0 for a new customer).
    public var newViolations: [CustomerChange]

    public init(previousAsOf: DayDate? = nil, previousRunDate: DayDate? = nil, newlyBlocked: [CustomerChange] = [],
                newlyConfirmed: [CustomerChange] = [], newlyInvalid: [CustomerChange] = [],
                resolved: [CustomerChange] = [], newViolations: [CustomerChange] = []) {
        self.previousAsOf = previousAsOf
        self.previousRunDate = previousRunDate
        self.newlyBlocked = newlyBlocked
        self.newlyConfirmed = newlyConfirmed
        self.newlyInvalid = newlyInvalid
        self.resolved = resolved
        self.newViolations = newViolations
    }

    /// The lists with their report.json key, in report order.
    public var lists: [(name: String, changes: [CustomerChange])] {
        [("newlyBlocked", newlyBlocked), ("newlyConfirmed", newlyConfirmed), ("newlyInvalid", newlyInvalid),
         ("resolved", resolved), ("newViolations", newViolations)]
    }

    /// Whether every list is empty.
    public var isEmpty: Bool { lists.allSatisfy { $0.changes.isEmpty } }
}

/// The counts of one run, one point of report.json `trend`.
public struct TrendPoint: Sendable, Equatable {
    public var asOf: DayDate
    public var runDate: DayDate
    public var summary: Summary

    public init(asOf: DayDate, runDate: DayDate, summary: Summary) {
        self.asOf = asOf
        self.runDate = runDate
        self.summary = summary
    }
}

// MARK: - Outcomes read in place

/// Where a seat line's texts are in the bytes of an `OutcomeView`: its subscription id and its offer.
struct SeatLineText: Sendable {
    var offer: Int32
    /// -1: no subscription id.
    var idCount: Int32
    var seats: Int
    var idStart: Int
}

/// Where an offer's id and name are: the id's bytes at `idStart`, the name's right after them.
struct OfferText: Sendable {
    var idStart: Int
    /// -1: no offer id.
    var idCount: Int32
    /// -1: no offer name.
    var nameCount: Int32
}

/// `count` bytes at `start` of `bytes`; `nil` when `count` is -1 (no text).
@inline(__always)
func span(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int32) -> UnsafeBufferPointer<UInt8>? {
    count < 0 ? nil : UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(count))])
}

/// The text of UTF-8 bytes stored from a String (so valid UTF-8); `nil` for none.
func string(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

/// A customer's status reasons (`CustomerOutcome.reasons`) without an array of their own: the raw
/// values of a `StatusReason`, or of the defects in the order of `Defect.allCases`.
public struct ReasonList: Sequence, Sendable {
    fileprivate enum Storage: Sendable {
        case codes(StatusReason?, defects: UInt16)
        case texts([String])
    }
    private let storage: Storage

    /// One status reason, or none.
    init(_ reason: StatusReason?) { storage = .codes(reason, defects: 0) }
    /// The defects of a record, as bits in the order of `Defect.allCases`.
    init(defects: DefectBits) { storage = .codes(nil, defects: defects.bits) }
    public init(_ texts: [String]) { storage = .texts(texts) }

    public var count: Int {
        switch storage {
        case .codes(let reason, let defects): return (reason == nil ? 0 : 1) + defects.nonzeroBitCount
        case .texts(let texts): return texts.count
        }
    }

    public struct Iterator: IteratorProtocol {
        fileprivate var storage: Storage
        fileprivate var position = 0

        public mutating func next() -> String? {
            switch storage {
            case .texts(let texts):
                guard position < texts.count else { return nil }
                position += 1
                return texts[position - 1]
            case .codes(let reason, let defects):
                if let reason {
                    storage = .codes(nil, defects: defects)
                    return reason.rawValue
                }
                // The lowest bit left is the next defect.
                guard defects != 0 else { return nil }
                storage = .codes(nil, defects: defects & (defects - 1))
                return Defect(ordinal: defects.trailingZeroBitCount).rawValue
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(storage: storage) }
}

/// A record's defects as bits, bit k for `Defect.allCases[k]`: listed in that order, with no array.
struct DefectBits: Sendable, Equatable {
    private(set) var bits: UInt16 = 0

    init() {}

    init(_ defects: [Defect]) {
        for defect in defects { insert(defect) }
    }

    var isEmpty: Bool { bits == 0 }

    mutating func insert(_ defect: Defect) { bits |= 1 << UInt16(defect.ordinal) }

    /// The defects as a list, in `Defect.allCases` order.
    var list: [Defect] { Defect.allCases.filter { bits & (1 << UInt16($0.ordinal)) != 0 } }
}

/// One seat-based subscription of an `OutcomeView`, its texts as UTF-8 bytes.
public struct SeatSubscriptionView {
    public let subscriptionId: UnsafeBufferPointer<UInt8>?
    public let offerId: UnsafeBufferPointer<UInt8>?
    public let offerName: UnsafeBufferPointer<UInt8>?
    public let seats: Int
}

/// The seat-based subscriptions of an `OutcomeView`, in report order.
public struct SeatSubscriptionViews: RandomAccessCollection {
    let lines: UnsafeBufferPointer<SeatLineText>
    let ids: UnsafeBufferPointer<UInt8>
    let offers: UnsafeBufferPointer<OfferText>
    let offerBytes: UnsafeBufferPointer<UInt8>

    public var startIndex: Int { 0 }
    public var endIndex: Int { lines.count }

    public subscript(position: Int) -> SeatSubscriptionView {
        let line = lines[position]
        let offer = offers[Int(line.offer)]
        return SeatSubscriptionView(subscriptionId: span(ids, line.idStart, line.idCount),
                                    offerId: span(offerBytes, offer.idStart, offer.idCount),
                                    offerName: span(offerBytes, offer.idStart + Int(Swift.max(offer.idCount, 0)), offer.nameCount),
                                    seats: line.seats)
    }
}

/// A customer's outcome read in place: what `CustomerOutcome` holds but its newest record, with
/// its texts as UTF-8 bytes rather than Strings, so writing a report row allocates nothing.
/// Valid only inside the closure it is passed to (`CustomerOutcomes.withView`).
public struct OutcomeView {
    public let customerId: UnsafeBufferPointer<UInt8>
    public let companyName: UnsafeBufferPointer<UInt8>
    public let domain: UnsafeBufferPointer<UInt8>?
    public let cloud: Cloud
    public let status: CustomerStatus
    public let reasons: ReasonList
    public let confirmedOn: DayDate?
    public let newOrders: Impact
    public let seatChanges: Impact
    public let daysToCutover: Int?
    /// Total seats of the seat-based subscriptions.
    public let seats: Int
    public let subscriptions: SeatSubscriptionViews

    /// The view of an outcome held as a value: its texts copied into one buffer for the call.
    static func with<R>(_ o: CustomerOutcome, _ body: (OutcomeView) -> R) -> R {
        var bytes: [UInt8] = []
        func add(_ text: String?) -> (start: Int, count: Int32) {
            let start = bytes.count
            guard let text else { return (start, -1) }
            bytes.append(contentsOf: text.utf8)
            return (start, Int32(bytes.count - start))
        }
        let id = add(o.customerId), name = add(o.companyName), domain = add(o.domain)
        var lines: [SeatLineText] = []
        var offers: [OfferText] = []
        for s in o.subscriptions {
            let sub = add(s.subscriptionId)
            let offerId = add(s.offerId)
            let offerName = add(s.offerName)
            lines.append(SeatLineText(offer: Int32(offers.count), idCount: sub.count, seats: s.seats, idStart: sub.start))
            offers.append(OfferText(idStart: offerId.start, idCount: offerId.count, nameCount: offerName.count))
        }
        return bytes.withUnsafeBufferPointer { b in
            lines.withUnsafeBufferPointer { l in
                offers.withUnsafeBufferPointer { f in
                    body(OutcomeView(customerId: span(b, id.start, id.count)!, companyName: span(b, name.start, name.count)!,
                                     domain: span(b, domain.start, domain.count), cloud: o.cloud, status: o.status,
                                     reasons: ReasonList(o.reasons), confirmedOn: o.confirmedOn, newOrders: o.newOrders,
                                     seatChanges: o.seatChanges, daysToCutover: o.daysToCutover, seats: o.seats,
                                     subscriptions: SeatSubscriptionViews(lines: l, ids: b, offers: f, offerBytes: b)))
                }
            }
        }
    }
}

extension CustomerOutcome {
    /// The outcome a view shows, its texts as Strings; `newestRecord` is not in a view.
    init(_ v: OutcomeView, newestRecord: ConfirmationRecord?) {
        self.init(customerId: string(v.customerId)!, companyName: string(v.companyName)!, domain: string(v.domain), cloud: v.cloud,
                  status: v.status, reasons: Array(v.reasons), confirmedOn: v.confirmedOn, newOrders: v.newOrders,
                  seatChanges: v.seatChanges, daysToCutover: v.daysToCutover,
                  subscriptions: v.subscriptions.map {
                      SeatSubscription(subscriptionId: string($0.subscriptionId), offerId: string($0.offerId),
                                       offerName: string($0.offerName), seats: $0.seats)
                  },
                  newestRecord: newestRecord)
    }
}
