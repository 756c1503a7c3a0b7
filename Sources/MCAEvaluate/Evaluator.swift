import MCAModel

/// Evaluates customers as rows stream in (SPEC 3.2–3.5).
///
/// Feed every customers row, then every agreements row, then every order line; `finish()`
/// returns the outcomes. Memory grows with customers and seat-based subscriptions, never
/// with agreement rows or order lines: each record is folded into its customer's state as it
/// arrives. (Violations are the exception: each is kept until the reports are written.) Order
/// lines arrive as `OrderLineView`s, their texts still bytes: a String is made only for a
/// violation or a subscription's latest order id when it is longer than 16 bytes.
public final class Evaluator {
    public let policy: Policy
    public let asOf: DayDate
    public let runDate: DayDate
    public let phase: Phase
    private let rules: ConfirmationRules
    private let inScopeClouds: Set<Cloud>

    /// Customer id -> index into `customers`.
    private var customerKeys = KeyTable()
    private var customers: [CustomerState] = []
    /// (customer, subscription id) -> index into `subscriptions`.
    private var subscriptionKeys = KeyTable()
    private var subscriptions: [SubscriptionState] = []
    /// Seat lines without a subscription id: each is its own group (SPEC 3.4).
    private var ungrouped: [SubscriptionState] = []
    /// Offer id and name pairs: they repeat across millions of lines; each is kept once.
    private var offerKeys = KeyTable(ignoresCase: false)
    private var offers: [(id: String?, name: String?)] = []
    private var offerKey: [UInt8] = []
    private var violations: [Violation] = []
    /// The customer of each violation, for sorting.
    private var violationCustomers: [Int32] = []
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


    /// The customers added so far, by id: once every customer is in, another thread can look up the
    /// customers of agreement rows and order lines with it while this one evaluates.
    public var customerDirectory: CustomerDirectory { CustomerDirectory(keys: customerKeys) }

    /// Adds a customer; a second row for the same id is rejected (the first wins).
    public func add(_ row: CustomerRow) -> RowIssue? {
        var id = row.customerId
        // The customer already added under this id, or none (and then this one is added).
        let earlier = id.withUTF8 { u -> Int? in
            let bytes = UnsafeRawBufferPointer(u)
            let hash = customerKeys.hash(bytes)
            if let e = customerKeys.find(bytes, hash: hash) { return e }
            _ = customerKeys.insert(bytes, hash: hash)
            return nil
        }
        if let first = earlier {
            return RowIssue(.duplicateCustomer,
                            "customer '\(row.customerId)' appears again; the first row ('\(customers[first].row.companyName)') is kept")
        }
        customers.append(CustomerState(row: row))
        if let record = row.embedded { fold(record, into: customers.count - 1) }
        return nil
    }

    /// Adds an agreements row; rows for unknown customers are rejected.
    public func add(_ row: AgreementRow) -> RowIssue? {
        add(row, customer: customerDirectory.resolve(row.customerId))
    }

    /// Adds an agreements row whose customer id a `CustomerDirectory` has already looked up.
    public func add(_ row: AgreementRow, customer: CustomerDirectory.Resolution) -> RowIssue? {
        guard let i = customer.index else {
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
        var text = PackedText()
        let packed = PackedOrderLine(line, into: &text)
        return text.bytes.withUnsafeBytes { add(OrderLineView(line: packed, text: $0)) }
    }

    /// Adds an order line whose texts are still bytes: a String is made only for what is kept.
    public func add(_ view: OrderLineView) -> RowIssue? {
        add(view, customer: customerDirectory.resolve(view.bytes(view.line.customerId)))
    }

    /// Adds an order line whose customer id a `CustomerDirectory` has already looked up.
    public func add(_ view: OrderLineView, customer: CustomerDirectory.Resolution) -> RowIssue? {
        let line = view.line
        guard let i = customer.index else {
            let u = view.unpacked
            return RowIssue(.unknownCustomer,
                            "order '\(u.orderId)' line \(u.lineItemNumber) is for customer '\(u.customerId)', who is not in the customers export")
        }
        guard line.status.isLive else { return nil }
        if line.billingType == .license, line.creationDate <= asOf { keepSeatLine(view, customer: i) }
        // Fields are read in place: copying the customer's state per line would retain all of it.
        if line.transactionType.needsConfirmation, line.creationDate >= policy.mandatoryFrom, line.creationDate <= asOf,
           inScopeClouds.contains(customers[i].row.cloud),
           !(customers[i].earliestValid.map { $0 <= line.creationDate } ?? false) {
            violationCustomers.append(Int32(truncatingIfNeeded: i))
            violations.append(Violation(customerId: customers[i].row.customerId, orderId: view.string(line.orderId) ?? "",
                                        lineItemNumber: line.lineItemNumber, creationDate: line.creationDate,
                                        subscriptionId: view.string(line.subscriptionId), offerId: view.string(line.offerId),
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
            if newer { c.pointee.newest = NewestRecord(date: date, defects: defects, record: kept(record)) }
        }
    }

    /// Agreement types, template ids and roles repeat on every record: keep one copy of each.
    private var repeated: Set<String> = []

    private func kept(_ record: ConfirmationRecord) -> ConfirmationRecord {
        func one(_ s: String?) -> String? {
            guard let s else { return nil }
            if let i = repeated.firstIndex(of: s) { return repeated[i] }
            repeated.insert(s)
            return s
        }
        var r = record
        r.agreementType = one(r.agreementType)
        r.templateId = one(r.templateId)
        r.recordedByRole = one(r.recordedByRole)
        return r
    }

    // MARK: - Seat-based subscriptions

    /// Keeps the line if it is its subscription's latest so far (SPEC 3.4: by date, order id, line item).
    private func keepSeatLine(_ view: OrderLineView, customer: Int) {
        let line = view.line
        guard !line.subscriptionId.isAbsent else {
            ungrouped.append(SubscriptionState(view, customer: customer, offer: offer(view)))
            return
        }
        let id = view.bytes(line.subscriptionId)
        let owner = UInt32(truncatingIfNeeded: customer)
        let hash = subscriptionKeys.hash(owner: owner, id)
        guard let e = subscriptionKeys.find(owner: owner, id, hash: hash) else {
            _ = subscriptionKeys.insert(owner: owner, id, hash: hash)
            var state = SubscriptionState(view, customer: customer, offer: offer(view))
            state.spelling = spelling(of: id, entry: subscriptions.count)
            subscriptions.append(state)
            return
        }
        let current = subscriptions[e]
        if line.creationDate != current.date {
            if line.creationDate < current.date { return }
        } else {
            let order = SubscriptionState.order(view.bytes(line.orderId), current.orderId)
            if order < 0 || (order == 0 && line.lineItemNumber < current.lineItemNumber) { return }
        }
        var state = SubscriptionState(view, customer: customer, offer: offer(view), orderId: current.orderId)
        state.spelling = spelling(of: id, entry: e)
        subscriptions[e] = state
    }

    /// The subscription id as the line writes it, when that is not its key's lower-case bytes.
    private func spelling(of id: UnsafeRawBufferPointer, entry: Int) -> String? {
        let same = subscriptionKeys.withKey(entry) { key in key.elementsEqual(id) }
        return same ? nil : String(decoding: id.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// The interned offer id and name of a line.
    private func offer(_ view: OrderLineView) -> Int32 {
        offerKey.removeAll(keepingCapacity: true)
        offerKey.append(contentsOf: view.bytes(view.line.offerId).bindMemory(to: UInt8.self))
        offerKey.append(0xFF)  // never in UTF-8: ("ab", "c") and ("a", "bc") stay apart
        offerKey.append(contentsOf: view.bytes(view.line.offerName).bindMemory(to: UInt8.self))
        return offerKey.withUnsafeBytes { key in
            let hash = offerKeys.hash(key)
            if let e = offerKeys.find(key, hash: hash) { return Int32(e) }
            let e = offerKeys.insert(key, hash: hash)
            offers.append((view.string(view.line.offerId), view.string(view.line.offerName)))
            return Int32(e)
        }
    }

    // MARK: - Outcome

    /// The outcome of every customer (sorted by id, case-insensitively), the violations, and the summary counts.
    public func finish() -> (customers: [CustomerOutcome], violations: [Violation], summary: Summary) {
        // Each customer's subscriptions with seats, as a chain through `next` (no dictionary).
        var first = [Int32](repeating: -1, count: customers.count)
        var next = [Int32](repeating: -1, count: subscriptions.count + ungrouped.count)
        func link(_ n: Int, _ s: SubscriptionState) {
            guard s.seats > 0 else { return }
            next[n] = first[Int(s.customer)]
            first[Int(s.customer)] = Int32(n)
        }
        for (n, s) in subscriptions.enumerated() { link(n, s) }
        for (n, s) in ungrouped.enumerated() { link(subscriptions.count + n, s) }
        func seatSubscriptions(of customer: Int) -> [SeatSubscription] {
            var list: [SeatSubscription] = []
            var n = Int(first[customer])
            while n >= 0 {
                let grouped = n < subscriptions.count
                let s = grouped ? subscriptions[n] : ungrouped[n - subscriptions.count]
                let offer = offers[Int(s.offer)]
                let id = grouped ? s.spelling ?? subscriptionKeys.withKey(n) { String(decoding: $0, as: UTF8.self) } : nil
                list.append(SeatSubscription(subscriptionId: id, offerId: offer.id, offerName: offer.name, seats: s.seats))
                n = Int(next[n])
            }
            return list.sorted(by: SeatSubscription.listOrder)
        }
        var outcomes: [CustomerOutcome] = []
        outcomes.reserveCapacity(customers.count)
        var summary = Summary()
        // Sort indices, not outcomes: moving large values around costs a retain per field.
        // Customer i is entry i of customerKeys, whose keys are the ids folded to lower case.
        let order = customerKeys.sortedEntries()
        var rank = [Int32](repeating: 0, count: customers.count)
        for (r, i) in order.enumerated() { rank[i] = Int32(r) }
        for i in order {
            let subs = seatSubscriptions(of: i)
            let o = outcome(customers[i], subscriptions: subs)
            summary.byStatus[o.status, default: 0] += 1
            if o.newOrders.isBlocking { summary.blockedNewOrders += 1 }
            if o.seatChanges.isBlocking {
                summary.blockedSeatChanges += 1
                summary.seatsAffected += o.seats
            }
            outcomes.append(o)
        }
        let sortedViolations = violations.indices.sorted { i, j in
            let a = rank[Int(violationCustomers[i])], b = rank[Int(violationCustomers[j])]
            if a != b { return a < b }
            let x = violations[i], y = violations[j]
            if x.creationDate != y.creationDate { return x.creationDate < y.creationDate }
            if x.orderId != y.orderId { return x.orderId < y.orderId }
            return x.lineItemNumber < y.lineItemNumber
        }.map { violations[$0] }
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

/// Customer ids -> customers: a snapshot of the evaluator's index, safe to read on any thread.
public struct CustomerDirectory: Sendable {
    /// A looked-up customer id: the customer, or none (not in the customers export).
    public struct Resolution: Sendable {
        let index: Int?
    }

    let keys: KeyTable

    public func resolve(_ id: UnsafeRawBufferPointer) -> Resolution {
        Resolution(index: keys.find(id, hash: keys.hash(id)))
    }

    public func resolve(_ id: String) -> Resolution {
        var id = id
        return id.withUTF8 { resolve(UnsafeRawBufferPointer($0)) }
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

/// The latest seat line of one subscription so far, without its key (compact: millions are kept).
private struct SubscriptionState {
    var customer: Int32
    var offer: Int32
    var date: DayDate
    var lineItemNumber: Int
    var quantity: Int
    var isCancel: Bool
    var orderId: CompactText
    /// The subscription id as the latest line writes it; `nil` when that is the key's bytes.
    var spelling: String?

    /// The state of `view`'s line; `orderId` is reused when it holds the line's bytes (no new String).
    init(_ view: OrderLineView, customer: Int, offer: Int32, orderId: CompactText? = nil) {
        let line = view.line
        self.customer = Int32(truncatingIfNeeded: customer)
        self.offer = offer
        date = line.creationDate
        lineItemNumber = line.lineItemNumber
        quantity = line.quantity
        isCancel = line.transactionType == .cancel
        let bytes = view.bytes(line.orderId)
        if let orderId, orderId.withBytes({ $0.elementsEqual(bytes) }) {
            self.orderId = orderId
        } else {
            self.orderId = CompactText(bytes)
        }
    }

    /// Seats held: none once cancelled.
    var seats: Int { isCancel ? 0 : quantity }

    /// How the order id `bytes` sorts against `text` as Strings do: negative before, 0 equal, positive after.
    static func order(_ bytes: UnsafeRawBufferPointer, _ text: CompactText) -> Int {
        let ascii = text.withBytes { t -> Int? in
            guard t.allSatisfy({ $0 < 0x80 }), bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            // ASCII: String order is byte order.
            for i in 0..<min(t.count, bytes.count) where bytes[i] != t[i] { return bytes[i] < t[i] ? -1 : 1 }
            return bytes.count - t.count
        }
        if let ascii { return ascii }
        let a = String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
        let b = text.withBytes { String(decoding: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
        return a == b ? 0 : (a < b ? -1 : 1)
    }
}

/// Text of up to 16 UTF-8 bytes kept in place, longer text as a String: most order ids need no
/// allocation of their own, and millions of subscriptions each keep one.
private enum CompactText {
    case inline(UInt64, UInt64, count: UInt8)
    case string(String)

    init(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= 16 {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
            self = .inline(words.0, words.1, count: UInt8(bytes.count))
        } else {
            self = .string(String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self))
        }
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .inline(let a, let b, let count):
            let words = (a, b)
            return withUnsafeBytes(of: words) { body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
        case .string(let s):
            var s = s
            return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
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
