import MCAModel

/// Evaluates customers as rows stream in (SPEC 3.2–3.5).
///
/// Feed every customers row, then every agreements row, then every order line; `finish()`
/// returns the outcomes. Memory grows with customers and seat-based subscriptions, never
/// with agreement rows or order lines: each record is folded into its customer's state as it
/// arrives.
public final class Evaluator {
    public let policy: Policy
    public let asOf: DayDate
    public let runDate: DayDate
    public let phase: Phase
    private let rules: ConfirmationRules
    private let inScopeClouds: Set<Cloud>

    private var index: [CaseInsensitiveKey: Int] = [:]
    private var customers: [CustomerState] = []
    private var subscriptions: [SubscriptionKey: SubscriptionState] = [:]
    private var ungroupedLines = 0
    private var violations: [Violation] = []
    private var recordSequence = 0
    /// Agreement rows of another agreement type, accepted and ignored.
    public private(set) var otherAgreementTypes = 0

    public init(policy: Policy, asOf: DayDate, runDate: DayDate) {
        self.policy = policy
        self.asOf = asOf
        self.runDate = runDate
        self.phase = Phase(asOf: asOf, policy: policy)
        self.rules = ConfirmationRules(policy: policy, runDate: runDate)
        self.inScopeClouds = Set(policy.supportedClouds)
    }

    /// The join key: trimmed (already, by the mapper) and compared case-insensitively.
    @inline(__always) static func key(_ id: String) -> CaseInsensitiveKey { CaseInsensitiveKey(id) }

    /// Offer ids and names repeat across millions of lines: keep one copy of each.
    private var interned: Set<String> = []
    private func intern(_ s: String?) -> String? {
        guard let s else { return nil }
        if let existing = interned.firstIndex(of: s) { return interned[existing] }
        interned.insert(s)
        return s
    }

    /// Adds a customer; a second row for the same id is rejected (the first wins).
    public func add(_ row: CustomerRow) -> RowIssue? {
        let key = Evaluator.key(row.customerId)
        if let first = index[key] {
            return RowIssue(.duplicateCustomer,
                            "customer '\(row.customerId)' appears again; the first row ('\(customers[first].row.companyName)') is kept")
        }
        index[key] = customers.count
        customers.append(CustomerState(row: row))
        if let record = row.embedded { fold(record, into: customers.count - 1) }
        return nil
    }

    /// Adds an agreements row; rows for unknown customers are rejected.
    public func add(_ row: AgreementRow) -> RowIssue? {
        guard let i = index[Evaluator.key(row.customerId)] else {
            return RowIssue(.unknownCustomer, "agreement for customer '\(row.customerId)', who is not in the customers export")
        }
        if let record = row.record {
            if policy.counts(agreementType: record.agreementType) {
                fold(record, into: i)
            } else {
                otherAgreementTypes += 1
            }
        }
        return nil
    }

    /// Adds an order line; lines for unknown customers are rejected. Call after every customer and agreement.
    public func add(_ line: OrderLine) -> RowIssue? {
        guard let i = index[Evaluator.key(line.customerId)] else {
            return RowIssue(.unknownCustomer,
                            "order '\(line.orderId)' line \(line.lineItemNumber) is for customer '\(line.customerId)', who is not in the customers export")
        }
        guard line.status.isLive else { return nil }
        if line.billingType == .license, line.creationDate <= asOf { keepSeatLine(line, customer: i) }
        // Fields are read in place: copying the customer's state per line would retain all of it.
        if line.transactionType.needsConfirmation, line.creationDate >= policy.mandatoryFrom, line.creationDate <= asOf,
           inScopeClouds.contains(customers[i].row.cloud),
           !(customers[i].earliestValid.map { $0 <= line.creationDate } ?? false) {
            violations.append(Violation(customerId: customers[i].row.customerId, orderId: line.orderId,
                                        lineItemNumber: line.lineItemNumber, creationDate: line.creationDate,
                                        subscriptionId: line.subscriptionId, offerId: line.offerId,
                                        quantity: line.quantity))
        }
        return nil
    }

    // MARK: - Records

    private func fold(_ record: ConfirmationRecord, into i: Int) {
        recordSequence += 1
        let defects = rules.defects(of: record)
        let date = record.dateAgreed.date
        customers.withUnsafeMutableBufferPointer { all in
            // In place: no copy of the customer's state per record.
            let c = all.baseAddress! + i
            if defects.isEmpty, let date {
                if c.pointee.earliestValid.map({ date < $0 }) ?? true { c.pointee.earliestValid = date }
                if date <= asOf {
                    if c.pointee.newestValidOnOrBeforeAsOf.map({ date > $0 }) ?? true { c.pointee.newestValidOnOrBeforeAsOf = date }
                } else {
                    c.pointee.hasValidAfterAsOf = true
                }
            }
            // Newest by dateAgreed; undated records count as oldest; ties: the later one wins.
            let newer: Bool
            if let newest = c.pointee.newest {
                newer = switch (date, newest.date) {
                case (nil, nil): true
                case (nil, _): false
                case (_, nil): true
                case let (d?, n?): d >= n
                }
            } else {
                newer = true
            }
            if newer { c.pointee.newest = NewestRecord(date: date, defects: defects, record: record) }
        }
    }

    // MARK: - Seat-based subscriptions

    private func keepSeatLine(_ line: OrderLine, customer: Int) {
        let key: SubscriptionKey
        if let id = line.subscriptionId {
            key = SubscriptionKey(customer: customer, subscription: CaseInsensitiveKey(id))
        } else {
            ungroupedLines += 1
            key = SubscriptionKey(customer: customer, subscription: nil, ungrouped: ungroupedLines)
        }
        let order = SubscriptionState.Order(date: line.creationDate, orderId: line.orderId, lineItemNumber: line.lineItemNumber)
        if let current = subscriptions[key], order < current.order { return }
        subscriptions[key] = SubscriptionState(order: order, line: line, offerId: intern(line.offerId),
                                               offerName: intern(line.offerName))
    }

    // MARK: - Outcome

    /// The outcome of every customer (sorted by id, case-insensitively), the violations, and the summary counts.
    public func finish() -> (customers: [CustomerOutcome], violations: [Violation], summary: Summary) {
        var subsByCustomer: [Int: [SeatSubscription]] = [:]
        for (key, s) in subscriptions {
            let seats = s.isCancel ? 0 : s.quantity
            guard seats > 0 else { continue }
            subsByCustomer[key.customer, default: []].append(
                SeatSubscription(subscriptionId: s.subscriptionId, offerId: s.offerId, offerName: s.offerName, seats: seats))
        }
        var outcomes: [CustomerOutcome] = []
        outcomes.reserveCapacity(customers.count)
        var summary = Summary()
        // Sort indices, not outcomes: moving large values around costs a retain per field.
        let order = customers.indices.sorted { Evaluator.key(customers[$0].row.customerId) < Evaluator.key(customers[$1].row.customerId) }
        for i in order {
            let subs = (subsByCustomer[i] ?? []).sorted(by: SeatSubscription.listOrder)
            let o = outcome(customers[i], subscriptions: subs)
            summary.byStatus[o.status, default: 0] += 1
            if o.newOrders.isBlocking { summary.blockedNewOrders += 1 }
            if o.seatChanges.isBlocking {
                summary.blockedSeatChanges += 1
                summary.seatsAffected += o.seats
            }
            outcomes.append(o)
        }
        let sortedViolations = violations.sorted {
            let a = Evaluator.key($0.customerId), b = Evaluator.key($1.customerId)
            if a != b { return a < b }
            if $0.creationDate != $1.creationDate { return $0.creationDate < $1.creationDate }
            if $0.orderId != $1.orderId { return $0.orderId < $1.orderId }
            return $0.lineItemNumber < $1.lineItemNumber
        }
        summary.customers = outcomes.count
        summary.violations = sortedViolations.count
        summary.otherAgreementTypes = otherAgreementTypes
        return (outcomes, sortedViolations, summary)
    }

    private func outcome(_ c: CustomerState, subscriptions: [SeatSubscription]) -> CustomerOutcome {
        let status: CustomerStatus
        var reasons: [String] = []
        var confirmedOn: DayDate?
        if !inScopeClouds.contains(c.row.cloud) {
            status = .outOfScope
            reasons = [StatusReason.cloudNotSupported.rawValue]
        } else if let d = c.newestValidOnOrBeforeAsOf {
            status = .confirmed
            confirmedOn = d
        } else if c.hasValidAfterAsOf {
            status = .unconfirmed
            reasons = [StatusReason.acceptedAfterAsOf.rawValue]
        } else if let newest = c.newest {
            status = .invalid
            reasons = newest.defects.map(\.rawValue)
        } else {
            status = .unconfirmed
            reasons = [StatusReason.noConfirmation.rawValue]
        }
        var newOrders = Impact.allowed
        var seatChanges = Impact.allowed
        var daysToCutover: Int?
        if status == .unconfirmed || status == .invalid {
            newOrders = phase == .mandatory ? .blocked : .blockedAtCutover
            seatChanges = newOrders
            if newOrders == .blockedAtCutover { daysToCutover = policy.mandatoryFrom - asOf }
        }
        if subscriptions.isEmpty { seatChanges = .none }
        return CustomerOutcome(
            customerId: c.row.customerId, companyName: c.row.companyName, domain: c.row.domain, cloud: c.row.cloud,
            status: status, reasons: reasons, confirmedOn: confirmedOn, newOrders: newOrders,
            seatChanges: seatChanges, daysToCutover: daysToCutover, subscriptions: subscriptions,
            newestRecord: c.newest?.record)
    }
}

// MARK: - State

private struct NewestRecord {
    var date: DayDate?
    var defects: [Defect]
    var record: ConfirmationRecord
}

private struct CustomerState {
    var row: CustomerRow
    /// The earliest valid record's date: an order on or after it had a confirmation (SPEC 3.5).
    var earliestValid: DayDate?
    /// The newest valid record dated on or before the as-of date: confirmedOn.
    var newestValidOnOrBeforeAsOf: DayDate?
    var hasValidAfterAsOf = false
    var newest: NewestRecord?

    init(row: CustomerRow) { self.row = row }
}

private struct SubscriptionKey: Hashable {
    var customer: Int
    var subscription: CaseInsensitiveKey?
    /// A line without a subscription id is its own group.
    var ungrouped = 0
}

private struct SubscriptionState {
    struct Order: Comparable {
        var date: DayDate
        var orderId: String
        var lineItemNumber: Int
        static func < (a: Order, b: Order) -> Bool {
            if a.date != b.date { return a.date < b.date }
            if a.orderId != b.orderId { return a.orderId < b.orderId }
            return a.lineItemNumber < b.lineItemNumber
        }
    }
    var order: Order
    var subscriptionId: String?
    var offerId: String?
    var offerName: String?
    var quantity: Int
    var isCancel: Bool

    init(order: Order, line: OrderLine, offerId: String?, offerName: String?) {
        self.order = order
        subscriptionId = line.subscriptionId
        self.offerId = offerId
        self.offerName = offerName
        quantity = line.quantity
        isCancel = line.transactionType == .cancel
    }
}

extension SeatSubscription {
    /// By subscriptionId (case-insensitively, lines without one last), then offer and seats for a stable order.
    static func listOrder(_ a: SeatSubscription, _ b: SeatSubscription) -> Bool {
        switch (a.subscriptionId.map(CaseInsensitiveKey.init), b.subscriptionId.map(CaseInsensitiveKey.init)) {
        case let (x?, y?) where x != y: return x < y
        case (nil, _?): return false
        case (_?, nil): return true
        default:
            if (a.offerId ?? "") != (b.offerId ?? "") { return (a.offerId ?? "") < (b.offerId ?? "") }
            return a.seats < b.seats
        }
    }
}
