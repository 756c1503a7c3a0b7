#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import MCAModel
import MCAStorage

/// The engine that applies the rules of `Rules/` to customers as their rows stream in
/// (docs/architecture.md).
///
/// Feed it batches of rows, each kind after the one before it: customers, agreements,
/// subscriptions, then order lines (`add(customers:)` … `add(orderLines:)`); `finish()` returns
/// the outcomes. Memory grows with customers and seat-based subscriptions, never
/// with agreement rows or order lines: each record is folded into its customer's state as it
/// arrives. (Violations are the exception: each is kept until the reports are written.) Rows
/// arrive as views (`CustomerRowView`, `AgreementRowView`, `OrderLineView`), their texts still
/// bytes: a String is made only for what is kept as text — a violation, a defective newest
/// confirmation, a subscription's latest order id when it is longer than 16 bytes.
public final class Evaluator {
    public let policy: Policy
    public let asOf: DayDate
    public let runDate: DayDate
    public let phase: Phase
    private let rules: ConfirmationRules
    private let inScopeClouds: CloudSet
    /// `normalizedKey` of the policy's agreement type: rows of another type are not confirmations.
    private let agreementTypeKey: String

    /// Customer id -> index into `customers`.
    private var customerKeys = KeyTable()
    private var customers: [CustomerState] = []
    /// Every customer's id, company name and domain, as bytes in one buffer.
    private var customerTexts = CustomerTexts()
    /// The latest line of every seat-based subscription.
    private var book = SeatBook()
    /// In memory up to a budget, then in a file: their number grows with the order lines.
    private var violations: SpoolWriter<Violation>
    /// Agreement rows of another agreement type, accepted and ignored.
    public private(set) var otherAgreementTypes = 0
    // Resellers (ResellerBook.swift): each customer's, and the violations to credit.
    private var resellerBook = ResellerBook()
    /// Each customer's resellers and the counts per reseller, in report order: set by `finish()`.
    public private(set) var resellers: ResellerResults?
    /// Order lines added with a known customer, for `expect`.
    private var orderLinesAdded = 0
    /// Where seats come from: the subscriptions export when one is given, else the order lines.
    public let seatsSource: SeatsSource
    /// Whether any accepted order line says whether it is license- or usage-based: without one
    /// (the REST Order resource carries no billing type), no seat can be found in the order lines.
    public private(set) var orderLinesHaveBillingType = false

    /// - Parameters:
    ///   - seatsSource: `.subscriptions` when a subscriptions export is given: seats come from it alone.
    ///   - spool: where the violations go beyond what is kept in memory.
    public init(policy: Policy, asOf: DayDate, runDate: DayDate, seatsSource: SeatsSource = .orderLines,
                spool: SpoolSettings = SpoolSettings()) {
        violations = SpoolWriter(settings: spool)
        self.seatsSource = seatsSource
        self.policy = policy
        self.asOf = asOf
        self.runDate = runDate
        self.phase = Phase(asOf: asOf, policy: policy)
        self.rules = ConfirmationRules(policy: policy, runDate: runDate)
        self.inScopeClouds = CloudSet(policy.supportedClouds)
        self.agreementTypeKey = normalizedKey(policy.agreementType)
    }

    /// A hint that about `count` more rows of `kind` are coming: the tables those rows add to get
    /// room for them now, as the rows so far filled them, rather than doubling (and copying every
    /// entry) again and again. Room that no row fills costs address space, not memory, as no page
    /// of it is touched; a guess too low only costs the growth there would have been anyway. A
    /// guess too high (a file whose first rows are much shorter than the rest) is bounded: room is
    /// made for at most `reservationLimit` bytes per table family, so it cannot ask for more memory
    /// than the machine could give.
    func expect(_ count: Int, moreRowsOf kind: InputKind) {
        guard count > 0 else { return }
        switch kind {
        case .customers:
            let keyBytes = customerKeys.averageKeyCount, textBytes = customerTexts.averageCount
            let more = Evaluator.affordable(count, bytesEach: MemoryLayout<CustomerState>.stride + KeyTable.entryStride + keyBytes + textBytes)
            customers.reserveCapacity(customers.count + more)
            customerKeys.reserveCapacity(more: more, bytesEach: keyBytes)
            customerTexts.reserveCapacity(more: more)
        case .orders:
            // New subscriptions come at about the rate they came so far; a quarter more for safety.
            // With a subscriptions export, order lines add none: the subscriptions are that
            // export's, and making room would only copy them (at 10M order lines and 3M
            // subscriptions, a 260 MB copy at the peak of the run).
            guard seatsSource == .orderLines, orderLinesAdded > 0, !book.subscriptions.isEmpty else { return }
            let rate = min(1, Double(book.subscriptions.count) / Double(orderLinesAdded) * 1.25)
            let keyBytes = book.subscriptionKeys.averageKeyCount
            // In Double, bounded before it becomes an Int again (`count` may be Int.max).
            let expected = Int(min(Double(count) * rate, Double(Int32.max)))
            let more = Evaluator.affordable(expected, bytesEach: MemoryLayout<SubscriptionState>.stride + KeyTable.entryStride + keyBytes)
            book.subscriptions.reserveCapacity(book.subscriptions.count + more)
            book.subscriptionKeys.reserveCapacity(more: more, bytesEach: keyBytes)
        case .subscriptions:
            let keyBytes = book.subscriptionKeys.averageKeyCount
            let more = Evaluator.affordable(count, bytesEach: MemoryLayout<SubscriptionState>.stride + KeyTable.entryStride + keyBytes)
            book.subscriptions.reserveCapacity(book.subscriptions.count + more)
            book.subscriptionKeys.reserveCapacity(more: more, bytesEach: keyBytes)
        case .agreements:
            break  // an agreement row adds no entry
        }
    }

    /// The most bytes `expect` makes room for at once: a quarter of the machine's memory (at least 256 MiB).
    static let reservationLimit: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 28 }
        return max(1 << 28, pages / 4 * pageSize)
    }()

    /// `count`, or fewer so that `count × bytesEach` stays within `reservationLimit`.
    static func affordable(_ count: Int, bytesEach: Int) -> Int {
        min(count, reservationLimit / max(bytesEach, 1))
    }

    // MARK: - Batches

    /// Adds a batch of customers rows; a second row for the same id is rejected (the first wins).
    /// Returns each row's rejection, `nil` for an accepted row. `moreToCome`: about how many rows
    /// of the file follow, when known (room is made for them at once).
    public func add(customers rows: [CustomerRowView], moreToCome: Int? = nil) -> [RowIssue?] {
        defer { if let moreToCome { expect(moreToCome, moreRowsOf: .customers) } }
        return rows.map { add($0) }
    }

    /// Adds a batch of agreements rows; rows for unknown customers are rejected. Call after every customer.
    public func add(agreements rows: [AgreementRowView], moreToCome: Int? = nil) -> [RowIssue?] {
        defer { if let moreToCome { expect(moreToCome, moreRowsOf: .agreements) } }
        let customers = resolve(rows.map { $0.bytes($0.row.customerId) })
        return rows.indices.map { add(rows[$0], customer: customers[$0]) }
    }

    /// Adds a batch of subscriptions rows; rows for unknown customers and repeated subscriptions
    /// are rejected. Call after every customer, before any order line.
    public func add(subscriptions rows: [SubscriptionRowView], moreToCome: Int? = nil) -> [RowIssue?] {
        defer { if let moreToCome { expect(moreToCome, moreRowsOf: .subscriptions) } }
        let customers = resolve(rows.map { $0.bytes($0.row.customerId) })
        return rows.indices.map { add(rows[$0], customer: customers[$0]) }
    }

    /// Adds a batch of order lines; lines for unknown customers are rejected. Call after every
    /// customer, agreement and subscription. The batch's customers and subscriptions are looked up
    /// together first (`prepare`), which is several times faster than one by one.
    public func add(orderLines lines: [OrderLineView], moreToCome: Int? = nil) -> [RowIssue?] {
        defer { if let moreToCome { expect(moreToCome, moreRowsOf: .orders) } }
        let customers = resolve(lines.map { $0.bytes($0.row.customerId) })
        let prepared = prepare(lines, customers: customers)
        return lines.indices.map { add(lines[$0], customer: customers[$0], prepared: prepared[$0]) }
    }

    /// The customers of many ids at once: their cache misses overlap (`KeyTable.findAll`).
    func resolve(_ ids: [UnsafeRawBufferPointer]) -> [Int?] {
        var found = [Int](repeating: -1, count: ids.count)
        let keys = customerKeys  // one reference for the batch, not one per id
        keys.findAll(ids, hashes: ids.map { keys.hash($0) }, into: &found)
        return found.map { $0 >= 0 ? $0 : nil }
    }

    // MARK: - Rows

    /// Adds a customer.
    func add(_ view: CustomerRowView) -> RowIssue? {
        let id = view.bytes(view.row.customerId)
        // The customer already added under this id, or none (and then this one is added).
        let hash = customerKeys.hash(id)
        if let first = customerKeys.find(id, hash: hash) {
            let row = view.unpacked
            return RowIssue(.duplicateCustomer,
                            "customer '\(row.customerId)' appears again; the first row ('\(customerTexts.companyName(customers[first].texts))') is kept")
        }
        _ = customerKeys.insert(id, hash: hash)
        customers.append(CustomerState(texts: customerTexts.append(view), cloud: view.row.cloud))
        if let record = view.embedded { fold(record, into: customers.count - 1) }
        return nil
    }

    /// Adds an agreements row of `customer` (`nil`: not in the customers export).
    func add(_ view: AgreementRowView, customer: Int?) -> RowIssue? {
        guard let i = customer else {
            return RowIssue(.unknownCustomer, "agreement for customer '\(view.unpacked.customerId)', who is not in the customers export")
        }
        if let record = view.record {
            if Policy.counts(record.bytes(record.row.agreementType), typeKey: agreementTypeKey) {
                fold(record, into: i)
            } else {
                otherAgreementTypes += 1
            }
        }
        return nil
    }

    /// What `prepare` found for one order line of a batch, for `add` to take with that line.
    struct PreparedLine: Sendable {
        /// The entry of the line's seat-based subscription when it was already known, else -1.
        let subscription: Int32
        /// When not 0: the subscription was not known when `prepare` looked it up, and that was
        /// the book's batch `absentIn` (`SeatBook.startBatch`).
        var absentIn: UInt32 = 0
        /// The hash of the subscription's key, when `prepare` looked it up.
        var hash: UInt64 = 0

        /// Nothing found ahead: `add` looks everything up itself.
        static let none = PreparedLine(subscription: -1)
    }

    /// Before a batch of order lines (views and looked-up customers, as `add` will take them, in
    /// that order): looks up the seat-based subscriptions of all of them at once
    /// (`KeyTable.findAll`), which is several times faster in a table of millions than one by one,
    /// and reads ahead the customers and subscription states `add` will read. Pass each line's
    /// `PreparedLine` to `add` with that line; a subscription the batch itself adds is looked up
    /// again there.
    func prepare(_ lines: [OrderLineView], customers lineCustomers: [Int?]) -> [PreparedLine] {
        var keys: [UnsafeRawBufferPointer] = [], owners: [UInt32] = [], hashes: [UInt64] = []
        /// The line of each key.
        var keyLines: [Int] = []
        keys.reserveCapacity(lines.count)
        owners.reserveCapacity(lines.count)
        hashes.reserveCapacity(lines.count)
        keyLines.reserveCapacity(lines.count)
        var touched: UInt64 = 0
        customers.withUnsafeBufferPointer { customers in
            for (n, view) in lines.enumerated() {
                guard let i = lineCustomers[n], i < customers.count else { continue }
                // The line's customer: read for the violation rule.
                touched &+= UInt64(customers[i].cloud == .public ? 1 : 0)
                let line = view.row
                guard isSeatLine(line), !line.subscriptionId.isAbsent else { continue }
                let owner = UInt32(truncatingIfNeeded: i), id = view.bytes(line.subscriptionId)
                keys.append(id)
                owners.append(owner)
                hashes.append(book.subscriptionKeys.hash(owner: owner, id))
                keyLines.append(n)
            }
        }
        var found = [Int](repeating: -1, count: keys.count)
        book.subscriptionKeys.findAll(keys, owners: owners, hashes: hashes, into: &found)
        let batch = book.startBatch()
        var prepared = [PreparedLine](repeating: .none, count: lines.count)
        book.subscriptions.withUnsafeBufferPointer { subscriptions in
            for (k, e) in found.enumerated() {
                guard e >= 0 else {
                    prepared[keyLines[k]] = PreparedLine(subscription: -1, absentIn: batch, hash: hashes[k])
                    continue
                }
                prepared[keyLines[k]] = PreparedLine(subscription: Int32(e))
                touched &+= UInt64(truncatingIfNeeded: subscriptions[e].date.daysSinceEpoch)
            }
        }
        keepAlive(touched)
        return prepared
    }

    /// Adds an order line of `customer` (`nil`: not in the customers export), with what `prepare`
    /// found for it (`.none`: nothing).
    func add(_ view: OrderLineView, customer: Int?, prepared: PreparedLine = .none) -> RowIssue? {
        let line = view.row
        guard let i = customer else {
            let u = view.unpacked
            return RowIssue(.unknownCustomer,
                            "order '\(u.orderId)' line \(u.lineItemNumber) is for customer '\(u.customerId)', who is not in the customers export")
        }
        orderLinesAdded += 1
        // Resellers: every accepted line counts, whatever its status and date.
        let reseller = line.resellerId.isAbsent ? -1 : resellerBook.note(customer: i, view.bytes(line.resellerId))
        guard line.status.isLive else { return nil }
        // The book is a struct, so keeping a line is one access to this class's properties (each
        // access is checked for exclusivity at run time).
        if isSeatLine(line) { book.keep(view, customer: i, prepared: prepared) }
        if line.billingType != .unknown { orderLinesHaveBillingType = true }
        // The customer's fields are read in place: a copy of its state would retain its newest record.
        if OrderViolationRule.neededConfirmation(line.transaction, created: line.creationDate, policy: policy, asOf: asOf),
           OrderViolationRule.isViolation(created: line.creationDate, customerInScope: inScopeClouds.contains(customers[i].cloud),
                                          valid: customers[i].valid) {
            violations.append(Violation(customerId: customerTexts.customerId(customers[i].texts), orderId: view.string(line.orderId) ?? "",
                                        lineItemNumber: line.lineItemNumber, creationDate: line.creationDate,
                                        subscriptionId: view.string(line.subscriptionId), offerId: view.string(line.offerId),
                                        quantity: line.quantity, resellerId: resellerBook.spelling(reseller)))
            resellerBook.countViolation(customer: i, line: reseller)
        }
        return nil
    }

    /// Adds a subscriptions row of `customer` (`nil`: not in the customers export).
    func add(_ view: SubscriptionRowView, customer: Int?) -> RowIssue? {
        guard let i = customer else {
            let u = view.unpacked
            return RowIssue(.unknownCustomer,
                            "subscription '\(u.subscriptionId)' is for customer '\(u.customerId)', who is not in the customers export")
        }
        let seats = SeatRules.seats(of: view.row, asOf: asOf)
        guard book.keepFirst(view, customer: i, seats: seats) else {
            let u = view.unpacked
            return RowIssue(.duplicateSubscription,
                            "subscription '\(u.subscriptionId)' of customer '\(u.customerId)' appears again; the first row is kept")
        }
        if !view.row.resellerId.isAbsent { _ = resellerBook.note(customer: i, view.bytes(view.row.resellerId)) }
        return nil
    }

    // MARK: - Records

    private func fold(_ record: ConfirmationView, into i: Int) {
        let defects = rules.defects(of: record)
        let date = record.row.date
        customers.withUnsafeMutableBufferPointer { all in
            // In place: no copy of the customer's state per record.
            let c = all.baseAddress! + i
            if defects.isEmpty, let date { c.pointee.valid.add(date, asOf: asOf) }
            if CustomerStatusRule.replacesNewest(date, newest: c.pointee.newest?.date) {
                // Only an INVALID customer's newest record is ever shown, and it has defects (a record
                // without any is valid): the texts of one without defects are not kept.
                c.pointee.newest = NewestRecord(date: date, defects: defects, record: defects.isEmpty ? nil : KeptRecord(kept(record.unpacked)))
            }
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

    /// A live line that can set its subscription's seats as of the as-of date; none does when the
    /// seats come from a subscriptions export.
    private func isSeatLine(_ line: PackedOrderLine) -> Bool {
        seatsSource == .orderLines && SeatRules.isSeatLine(line, asOf: asOf)
    }

    // MARK: - Outcome

    /// The outcome of every customer (sorted by id, case-insensitively), the violations, and the summary counts.
    ///
    /// The outcomes are made one at a time when a report asks for them (`CustomerOutcomes`); this
    /// evaluator's state is handed over to them, so call `finish()` once, after the last row.
    /// Throws a `SpoolError` when the violations could not be written out or read back.
    public func finish() throws -> (customers: CustomerOutcomes, violations: Spooled<Violation>, summary: Summary) {
        let judge = Judge(policy: policy, asOf: asOf, phase: phase, inScopeClouds: inScopeClouds)
        // The violations are sorted on another thread: their order needs nothing of what the
        // layout below changes.
        let sealing = MadeElsewhere { [writer = violations] in
            Result { try writer.sealed(key: Violation.spooledKey, sortedBy: Violation.spooledOrder) }
        }
        violations = SpoolWriter(settings: violations.settings)
        // Sort indices, not states. Customer i is entry i of customerKeys, whose keys are the ids folded to lower case.
        let order = customerKeys.sortedEntries()
        // No more look-ups: what only they needed goes before the report's layout is built.
        customerKeys = KeyTable()
        book.subscriptionKeys.releaseSlots()
        // Report order: the seat lines, then the customers, laid out in the order the reports read
        // them, so that writing a report reads memory front to back rather than all over. The seat
        // lines are laid out on another thread while this one finds each customer's status; then,
        // with the seat book let go to keep the peak down, the customers are moved while another
        // thread counts their resellers (docs/performance.md, "The outcomes on two cores").
        let offers = book.offers
        let seatLines = MadeElsewhere { [layout = SeatLineLayout(book)] in layout.linesInReportOrder(order) }
        let statuses = customers.withUnsafeBufferPointer { states in order.map { judge.status(states.baseAddress! + $0) } }
        book = SeatBook()
        let lines = seatLines.result()
        var summary = Summary()
        let briefs = judge.briefs(statuses, lines: lines, summary: &summary)
        let resellerResults = MadeElsewhere { [resellerBook] in resellerBook.results(order: order, briefs: briefs) }
        resellerBook = ResellerBook()
        let (ordered, texts) = customersInReportOrder(order)
        resellers = resellerResults.result()

        let sortedViolations = try sealing.result().get()
        summary.customers = ordered.count
        summary.violations = sortedViolations.count
        summary.otherAgreementTypes = otherAgreementTypes
        let outcomes = EvaluatedOutcomes(judge: judge, customers: ordered, texts: texts, briefs: briefs, lines: lines, offers: offers)
        return (CustomerOutcomes(source: outcomes), sortedViolations, summary)
    }

    /// The customers' states and texts moved into report order (`order[p]` is the evaluator index
    /// of the customer at position p); `customers` and `customerTexts` are emptied.
    private func customersInReportOrder(_ order: [Int]) -> (customers: [CustomerState], texts: CustomerTexts) {
        var ordered: [CustomerState] = []
        ordered.reserveCapacity(customers.count)
        var texts = CustomerTexts(capacity: customerTexts.bytes.count)
        customers.withUnsafeMutableBufferPointer { states in
            // The states are read from all over memory: a chunk's texts are touched first, in a
            // loop whose loads do not wait on one another (as in `KeyTable.findAll`). Each state
            // is moved, not copied: a copy would count a reference to its newest record, and
            // letting the old one go another.
            let moved = CustomerState(texts: CustomerTexts.Ref(start: 0, idCount: 0, nameCount: 0, domainCount: -1), cloud: .public)
            for chunk in stride(from: 0, to: order.count, by: 64) {
                let chunkEnd = min(chunk + 64, order.count)
                var touched: UInt64 = 0
                for r in chunk..<chunkEnd { touched &+= customerTexts.readAhead(states[order[r]].texts) }
                keepAlive(touched)
                for r in chunk..<chunkEnd {
                    let slot = states.baseAddress! + order[r]
                    var c = slot.move()
                    slot.initialize(to: moved)
                    c.texts = texts.append(customerTexts, c.texts)
                    ordered.append(c)
                }
            }
        }
        customers = []
        customerTexts = CustomerTexts()
        return (ordered, texts)
    }
}

/// The rules of `Rules/CustomerStatus.swift` and `Rules/Impact.swift` applied to a customer's
/// state, read through a pointer: a copy of the state would retain its newest record.
private struct Judge: Sendable {
    let policy: Policy
    let asOf: DayDate
    let phase: Phase
    let inScopeClouds: CloudSet

    func status(_ c: UnsafePointer<CustomerState>) -> CustomerStatus {
        CustomerStatusRule.status(inScope: inScopeClouds.contains(c.pointee.cloud), valid: c.pointee.valid,
                                  hasRecord: c.pointee.newest != nil)
    }

    /// Why `c` has `status` (its `status(c)`).
    func reasons(_ c: UnsafePointer<CustomerState>, _ status: CustomerStatus) -> ReasonList {
        let defects = status == .invalid ? c.pointee.newest?.defects ?? DefectBits() : DefectBits()
        return CustomerStatusRule.reasons(status, valid: c.pointee.valid, newestDefects: defects)
    }

    func daysToCutover(_ brief: OutcomeBrief) -> Int? {
        ImpactRule.daysToCutover(newOrders: brief.newOrders, asOf: asOf, policy: policy)
    }

    /// Each customer's brief, from its status and its seat lines (both in report order), counted
    /// into `summary`.
    func briefs(_ statuses: [CustomerStatus], lines: ReportSeatLines, summary: inout Summary) -> [OutcomeBrief] {
        var counts = SummaryCounts()
        let briefs = statuses.indices.map { p in
            let held = Int(lines.starts[p])..<Int(lines.starts[p + 1])
            let seats = lines.lines[held].reduce(0) { $0 + $1.seats }
            let impacts = ImpactRule.impacts(statuses[p], phase: phase, hasSeatSubscriptions: !held.isEmpty)
            let brief = OutcomeBrief(status: statuses[p], newOrders: impacts.newOrders, seatChanges: impacts.seatChanges, seats: seats)
            counts.count(brief)
            return brief
        }
        counts.add(to: &summary)
        return briefs
    }
}

/// The seat-based subscriptions kept by the evaluator, laid out for the reports on a thread of
/// their own (`Evaluator.finish`): a copy of the seat book's arrays, which the evaluator lets go.
private struct SeatLineLayout: Sendable {
    let subscriptions: [SubscriptionState]
    let ungrouped: [SubscriptionState]
    let keys: KeyTable
    let offers: [(id: String?, name: String?)]

    init(_ book: SeatBook) {
        subscriptions = book.subscriptions
        ungrouped = book.ungrouped
        keys = book.subscriptionKeys
        offers = book.offers
    }

    /// Every customer's seat-based subscriptions in report order: customers by `order`, each
    /// one's in list order.
    func linesInReportOrder(_ order: [Int]) -> ReportSeatLines {
        var rank = [Int32](repeating: 0, count: order.count)
        for (r, i) in order.enumerated() { rank[i] = Int32(r) }
        return subscriptions.withUnsafeBufferPointer { subscriptions in
            ungrouped.withUnsafeBufferPointer { ungrouped in
                let kept = SeatLines(subscriptions: subscriptions, ungrouped: ungrouped, keys: keys)
                return layOut(kept, rank: rank)
            }
        }
    }

    /// What `linesInReportOrder` returns, from the kept lines read in place (no copy of a state, so no reference counting).
    private func layOut(_ kept: SeatLines, rank: [Int32]) -> ReportSeatLines {
        // The seat lines are placed by their customer's rank (a counting sort): the customer at rank
        // r has lines[bounds[r]..<bounds[r + 1]] and ids[idBounds[r]..<idBounds[r + 1]]. Both passes
        // read the subscriptions front to back and write each line and id at its final place, so
        // no subscription is read in report order, from one random place to the next.
        let customerCount = rank.count
        var bounds = [Int32](repeating: 0, count: customerCount + 1)
        var idBounds = [Int](repeating: 0, count: customerCount + 1)
        for n in 0..<kept.count where kept.seats(n) > 0 {
            let r = Int(rank[Int(kept.customer(n))])
            bounds[r + 1] += 1
            idBounds[r + 1] += kept.idCount(n)
        }
        for r in 0..<customerCount {
            bounds[r + 1] += bounds[r]
            idBounds[r + 1] += idBounds[r]
        }
        // The customers' ranks are cut in two halves, placed and sorted on two threads: each reads
        // every kept line and places those of its half (docs/performance.md, "The outcomes on two
        // cores").
        var lines = [SeatLineText](repeating: SeatLineText(offer: 0, idCount: -1, seats: 0, idStart: 0), count: Int(bounds[customerCount]))
        var ids = [UInt8](repeating: 0, count: idBounds[customerCount])
        lines.withUnsafeMutableBufferPointer { lines in
            ids.withUnsafeMutableBufferPointer { ids in
                let placing = SeatLinePlacing(layout: self, kept: kept, rank: rank, bounds: bounds, idBounds: idBounds,
                                              lines: lines, ids: ids)
                let half = customerCount / 2
                DispatchQueue.concurrentPerform(iterations: 2) { part in
                    placing.place(ranks: part == 0 ? 0..<half : half..<customerCount)
                }
            }
        }
        return ReportSeatLines(lines: lines, ids: ids, starts: bounds)
    }

    /// The order of a customer's subscriptions: by subscription id ignoring ASCII case (the byte
    /// order of their keys, the ids folded to lower case, so no String is made), lines without an
    /// id last, by offer id then seats.
    func listedBefore(_ a: SeatLineText, _ b: SeatLineText, ids: UnsafeBufferPointer<UInt8>) -> Bool {
        switch (a.idCount >= 0, b.idCount >= 0) {
        case (true, true):
            return TextOrder.foldedBefore(UnsafeRawBufferPointer(span(ids, a.idStart, a.idCount)!),
                                          UnsafeRawBufferPointer(span(ids, b.idStart, b.idCount)!))
        case (true, false): return true
        case (false, true): return false
        case (false, false):
            let x = offers[Int(a.offer)].id ?? "", y = offers[Int(b.offer)].id ?? ""
            return x != y ? x < y : a.seats < b.seats
        }
    }
}

/// The second pass of `SeatLineLayout.layOut` for a range of customer ranks: each kept line of
/// a customer in the range written at its place, then each customer's lines sorted. Ranges that
/// do not overlap write places that do not overlap, so each can run on a thread of its own (hence
/// `@unchecked Sendable`: `kept` is only read, `lines` and `ids` only written at the range's places).
private struct SeatLinePlacing: @unchecked Sendable {
    let layout: SeatLineLayout
    let kept: SeatLines
    let rank: [Int32]
    let bounds: [Int32]
    let idBounds: [Int]
    let lines: UnsafeMutableBufferPointer<SeatLineText>
    let ids: UnsafeMutableBufferPointer<UInt8>

    func place(ranks: Range<Int>) {
        // Each customer's part is filled from its end, so its lines come newest entry first, as
        // the listing order expects of lines that tie.
        let first = ranks.lowerBound
        var fill = Array(bounds[(first + 1)..<(ranks.upperBound + 1)])
        var idFill = Array(idBounds[(first + 1)..<(ranks.upperBound + 1)])
        for n in 0..<kept.count where kept.seats(n) > 0 {
            let r = Int(rank[Int(kept.customer(n))])
            guard ranks.contains(r) else { continue }
            fill[r - first] -= 1
            let idCount = kept.withId(n) { id -> Int32 in
                guard let id else { return -1 }
                idFill[r - first] -= id.count
                // A spelling differs from its key only in ASCII case, so it has the key's length.
                precondition(idFill[r - first] >= idBounds[r], "a subscription id longer than its key")
                if let base = id.baseAddress { (ids.baseAddress! + idFill[r - first]).update(from: base, count: id.count) }
                return Int32(id.count)
            }
            lines[Int(fill[r - first])] = SeatLineText(offer: kept.offer(n), idCount: idCount, seats: kept.seats(n),
                                                       idStart: idCount < 0 ? 0 : idFill[r - first])
        }
        precondition(idFill.elementsEqual(idBounds[ranks]), "a subscription id shorter than its key")
        let placedIds = UnsafeBufferPointer(ids)
        for r in ranks where bounds[r + 1] - bounds[r] > 1 {
            var held = UnsafeMutableBufferPointer(rebasing: lines[Int(bounds[r])..<Int(bounds[r + 1])])
            held.sort { layout.listedBefore($0, $1, ids: placedIds) }
        }
    }
}

/// A value made on another thread while the caller goes on (`Evaluator.finish`); `result()`
/// waits for it.
private final class MadeElsewhere<Value>: @unchecked Sendable {
    private let done = DispatchGroup()
    // Written by the other thread before it leaves the group, read after `wait()`.
    private var value: Value?

    init(_ make: @escaping @Sendable () -> Value) {
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            value = make()
            done.leave()
        }
    }

    func result() -> Value {
        done.wait()
        return value!
    }
}

/// The latest line of every seat-based subscription (`SeatRules`), and the offers they name. A
/// struct, so that keeping a line is one access to it from the evaluator.
private struct SeatBook {
    /// (customer, subscription id) -> index into `subscriptions`.
    var subscriptionKeys = KeyTable()
    var subscriptions: [SubscriptionState] = []
    /// Seat lines without a subscription id: each is its own group (README, "Impact").
    var ungrouped: [SubscriptionState] = []
    /// Offer id and name pairs: they repeat across millions of lines; each is kept once.
    private var offerKeys = KeyTable(ignoresCase: false)
    private(set) var offers: [(id: String?, name: String?)] = []
    private var offerKey = GrowingBytes()
    /// The current batch of `Evaluator.prepare` (0: none yet), and a filter of the hashes of the
    /// subscriptions added since it began: a bit per hash's top bits, so a bit that is set only
    /// means "maybe" and the subscription is looked up.
    private var batch: UInt32 = 0
    private var added = [UInt64](repeating: 0, count: SeatBook.filterWords)
    private static let filterWords = 256  // 16,384 bits for a batch's few thousand lines

    /// Begins a batch: returns its number and forgets what was added before it.
    mutating func startBatch() -> UInt32 {
        batch = batch == .max ? 1 : batch + 1
        for w in added.indices { added[w] = 0 }
        return batch
    }

    private func addedInBatch(_ hash: UInt64) -> Bool {
        let bit = Int(hash >> 50)  // the top 14 bits: 0..<16,384
        return added[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    private mutating func noteAdded(_ hash: UInt64) {
        let bit = Int(hash >> 50)
        added[bit >> 6] |= 1 << UInt64(bit & 63)
    }

    /// Keeps the line if it is its subscription's latest so far (`SeatRules.replacesLatest`). `prepared`: what `Evaluator.prepare` found for the line (`.none`: nothing).
    mutating func keep(_ view: OrderLineView, customer: Int, prepared: Evaluator.PreparedLine) {
        let line = view.row
        guard !line.subscriptionId.isAbsent else {
            ungrouped.append(SubscriptionState(view, customer: customer, offer: offer(view)))
            return
        }
        let id = view.bytes(line.subscriptionId)
        let owner = UInt32(truncatingIfNeeded: customer)
        let known = Int(prepared.subscription)
        // The hash serves only to look up, and then add, a subscription `prepare` did not find.
        let looked = prepared.absentIn != 0
        let hash = known >= 0 ? 0 : looked ? prepared.hash : subscriptionKeys.hash(owner: owner, id)
        // Not known when this batch was prepared, and no subscription with its hash added since:
        // new, without looking it up again.
        let new = looked && prepared.absentIn == batch && !addedInBatch(hash)
        guard let e = known >= 0 ? known : new ? nil : subscriptionKeys.find(owner: owner, id, hash: hash) else {
            _ = subscriptionKeys.insert(owner: owner, id, hash: hash)
            noteAdded(hash)
            var state = SubscriptionState(view, customer: customer, offer: offer(view))
            state.spelling = spelling(of: id, entry: subscriptions.count)
            subscriptions.append(state)
            return
        }
        let current = subscriptions[e]
        guard SeatRules.replacesLatest(created: line.creationDate, lineItem: line.lineItemNumber, latestCreated: current.date,
                                       latestLineItem: current.lineItemNumber,
                                       orderIdOrder: { current.orderId.withBytes { TextOrder.compare(view.bytes(line.orderId), $0) } })
        else { return }
        var state = SubscriptionState(view, customer: customer, offer: offer(view), orderId: current.orderId)
        state.spelling = spelling(of: id, entry: e)
        subscriptions[e] = state
    }

    /// Keeps a subscriptions row unless its subscription is already kept (the first row wins):
    /// false for a repeated one. Every row is kept, with 0 seats when it holds none, so that a
    /// repeat is found whatever the first one held.
    mutating func keepFirst(_ view: SubscriptionRowView, customer: Int, seats: Int) -> Bool {
        let id = view.bytes(view.row.subscriptionId)
        let owner = UInt32(truncatingIfNeeded: customer)
        let hash = subscriptionKeys.hash(owner: owner, id)
        guard subscriptionKeys.find(owner: owner, id, hash: hash) == nil else { return false }
        _ = subscriptionKeys.insert(owner: owner, id, hash: hash)
        var state = SubscriptionState(customer: customer, offer: offer(view.bytes(view.row.offerId), view.bytes(view.row.offerName),
                                                                       id: view.string(view.row.offerId), name: view.string(view.row.offerName)),
                                      seats: seats)
        state.spelling = spelling(of: id, entry: subscriptions.count)
        subscriptions.append(state)
        return true
    }

    /// The subscription id as the line writes it, when that is not its key's lower-case bytes.
    private func spelling(of id: UnsafeRawBufferPointer, entry: Int) -> String? {
        let same = subscriptionKeys.withKey(entry) { key in sameBytes(UnsafeRawBufferPointer(key), id) }
        return same ? nil : String(decoding: id.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// The interned offer id and name of a line.
    private mutating func offer(_ view: OrderLineView) -> Int32 {
        offer(view.bytes(view.row.offerId), view.bytes(view.row.offerName),
              id: view.string(view.row.offerId), name: view.string(view.row.offerName))
    }

    /// The interned offer of these id and name bytes; `id` and `name` are made only for a new one.
    private mutating func offer(_ idBytes: UnsafeRawBufferPointer, _ nameBytes: UnsafeRawBufferPointer,
                                id: @autoclosure () -> String?, name: @autoclosure () -> String?) -> Int32 {
        offerKey.removeAll()
        offerKey.append(idBytes)
        offerKey.append(0xFF)  // never in UTF-8: ("ab", "c") and ("a", "bc") stay apart
        offerKey.append(nameBytes)
        return offerKey.withUnsafeBytes { key in
            let hash = offerKeys.hash(key)
            if let e = offerKeys.find(key, hash: hash) { return Int32(e) }
            let e = offerKeys.insert(key, hash: hash)
            offers.append((id(), name()))
            return Int32(e)
        }
    }
}

/// The kept seat lines after the evaluation: subscriptions (entry numbers of their keys) first,
/// then the lines without a subscription id. Fields are read in place: a copy of a state would
/// retain its texts.
private struct SeatLines {
    let subscriptions: UnsafeBufferPointer<SubscriptionState>
    let ungrouped: UnsafeBufferPointer<SubscriptionState>
    let keys: KeyTable

    private var groupedCount: Int32 { Int32(truncatingIfNeeded: subscriptions.count) }

    /// The number of kept lines: lines 0..<count, the grouped ones first.
    var count: Int32 { Int32(truncatingIfNeeded: subscriptions.count + ungrouped.count) }

    func seats(_ n: Int32) -> Int {
        n < groupedCount ? subscriptions[Int(n)].seats : ungrouped[Int(n - groupedCount)].seats
    }

    func customer(_ n: Int32) -> Int32 {
        n < groupedCount ? subscriptions[Int(n)].customer : ungrouped[Int(n - groupedCount)].customer
    }

    func offer(_ n: Int32) -> Int32 {
        n < groupedCount ? subscriptions[Int(n)].offer : ungrouped[Int(n - groupedCount)].offer
    }

    /// The length of `withId`'s bytes (0 without an id): a spelling differs from the key only in
    /// ASCII case, so it is the key's length.
    func idCount(_ n: Int32) -> Int { n < groupedCount ? keys.keyCount(Int(n)) : 0 }

    /// The subscription id as the latest line wrote it; `nil` for a line without one.
    func withId<R>(_ n: Int32, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard n < groupedCount else { return body(nil) }
        if var spelling = subscriptions[Int(n)].spelling { return spelling.withUTF8 { body($0) } }
        return keys.withKey(Int(n)) { body($0) }
    }
}

/// Every customer's seat-based subscriptions in report order, compact: what an outcome needs of
/// them, read front to back as the reports go through the customers.
private struct ReportSeatLines: Sendable {
    private(set) var lines: [SeatLineText] = []
    private(set) var ids: [UInt8] = []
    /// The lines of the customer at position p: lines[starts[p]..<starts[p + 1]].
    private(set) var starts: [Int32] = [0]

    init() {}

    init(lines: [SeatLineText], ids: [UInt8], starts: [Int32]) {
        self.lines = lines
        self.ids = ids
        self.starts = starts
    }
}

/// An array's elements copied once to memory of their own, for the report threads to read.
///
/// Reading a shared array from several threads at once changes its reference count from all of
/// them, and that contention cost more than the reading itself. Nothing here is counted.
private final class Frozen<T>: @unchecked Sendable {
    private let memory: UnsafeMutableBufferPointer<T>

    init(_ array: [T]) {
        memory = .allocate(capacity: array.count)
        _ = memory.initialize(from: array)
    }

    var items: UnsafeBufferPointer<T> { UnsafeBufferPointer(memory) }

    deinit {
        memory.deinitialize()
        memory.deallocate()
    }
}

/// The outcomes of a finished evaluation, made one at a time from its state (`CustomerOutcomes`).
///
/// Everything is in report order and frozen (`Frozen`): the report threads read it at once.
/// Offer texts are bytes too, so every outcome gets Strings of its own.
private final class EvaluatedOutcomes: OutcomeSource, @unchecked Sendable {
    private let judge: Judge
    private let storage: [AnyObject]
    private let customers: UnsafeBufferPointer<CustomerState>
    private let texts: UnsafeBufferPointer<UInt8>
    private let briefs: UnsafeBufferPointer<OutcomeBrief>
    private let lines: UnsafeBufferPointer<SeatLineText>
    private let ids: UnsafeBufferPointer<UInt8>
    private let starts: UnsafeBufferPointer<Int32>
    private let offers: UnsafeBufferPointer<OfferText>
    private let offerBytes: UnsafeBufferPointer<UInt8>

    /// Takes each array over one at a time (copied, then let go), so the peak stays near one copy.
    init(judge: Judge, customers: consuming [CustomerState], texts: consuming CustomerTexts, briefs: consuming [OutcomeBrief],
         lines: consuming ReportSeatLines, offers: [(id: String?, name: String?)]) {
        self.judge = judge
        var kept: [AnyObject] = []
        func freeze<T>(_ array: [T]) -> UnsafeBufferPointer<T> {
            let frozen = Frozen(array)
            kept.append(frozen)
            return frozen.items
        }
        self.customers = freeze(customers)
        customers = []
        self.texts = freeze(texts.bytes)
        texts = CustomerTexts()
        self.briefs = freeze(briefs)
        briefs = []
        self.lines = freeze(lines.lines)
        self.ids = freeze(lines.ids)
        self.starts = freeze(lines.starts)
        lines = ReportSeatLines()
        var bytes: [UInt8] = []
        var refs: [OfferText] = []
        for (id, name) in offers {
            let start = bytes.count
            bytes += Array((id ?? "").utf8)
            bytes += Array((name ?? "").utf8)
            refs.append(OfferText(idStart: start, idCount: id.map { Int32($0.utf8.count) } ?? -1,
                                  nameCount: name.map { Int32($0.utf8.count) } ?? -1))
        }
        self.offers = freeze(refs)
        offerBytes = freeze(bytes)
        storage = kept
    }

    var count: Int { customers.count }

    func brief(_ position: Int) -> OutcomeBrief { briefs[position] }

    func customerId(_ position: Int) -> String { CustomerTexts.customerId(customers[position].texts, in: texts) }

    func customerId(_ position: Int, equals id: String) -> Bool {
        CustomerTexts.customerId(customers[position].texts, in: texts, equals: id)
    }

    func companyName(_ position: Int) -> String { CustomerTexts.companyName(customers[position].texts, in: texts) }

    func withView<R>(_ position: Int, _ body: (OutcomeView) -> R) -> R {
        // Fields are read through a pointer: a copy of the state would retain its newest record.
        let c = customers.baseAddress! + position
        let brief = briefs[position]
        let text = CustomerTexts.spans(c.pointee.texts, in: texts)
        let lineRange = Int(starts[position])..<Int(starts[position + 1])
        return body(OutcomeView(
            customerId: text.id, companyName: text.name, domain: text.domain,
            cloud: c.pointee.cloud, status: brief.status, reasons: judge.reasons(c, brief.status),
            confirmedOn: brief.status == .confirmed ? c.pointee.valid.newestOnOrBeforeAsOf : nil,
            newOrders: brief.newOrders, seatChanges: brief.seatChanges,
            daysToCutover: judge.daysToCutover(brief),
            seats: brief.seats,
            subscriptions: SeatSubscriptionViews(lines: UnsafeBufferPointer(rebasing: lines[lineRange]), ids: ids,
                                                 offers: offers, offerBytes: offerBytes)))
    }

    func outcome(_ position: Int) -> CustomerOutcome {
        withView(position) { CustomerOutcome($0, newestRecord: customers[position].newest?.record?.record) }
    }
}

// MARK: - State

private struct NewestRecord: Sendable {
    var date: DayDate?
    var defects: DefectBits
    /// The record itself, kept only when it has defects.
    var record: KeptRecord?
}

/// A record kept for the reports, by reference: a customer's state stays small whether it has one or not.
private final class KeptRecord: Sendable {
    let record: ConfirmationRecord
    init(_ record: ConfirmationRecord) { self.record = record }
}

/// What the evaluation keeps of a customer: compact, as a million are kept (its texts are in `CustomerTexts`).
private struct CustomerState: Sendable {
    var texts: CustomerTexts.Ref
    var cloud: Cloud
    var valid = ValidConfirmations()
    var newest: NewestRecord?

    init(texts: CustomerTexts.Ref, cloud: Cloud) {
        self.texts = texts
        self.cloud = cloud
    }
}

/// The id, company name and domain of every customer, one after another in one byte buffer: Strings
/// are made only when a report asks for them, so a million customers cost no million allocations.
private struct CustomerTexts: Sendable {
    struct Ref: Sendable {
        var start: Int
        var idCount: Int32
        var nameCount: Int32
        /// -1: no domain.
        var domainCount: Int32
    }
    private(set) var bytes: [UInt8] = []
    /// How many customers' texts `bytes` holds.
    private var count = 0

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// The average length of a customer's texts so far (0 without customers).
    var averageCount: Int { count == 0 ? 0 : (bytes.count + count - 1) / count }

    /// Makes room for the texts of `more` customers as long as those so far.
    mutating func reserveCapacity(more: Int) { bytes.reserveCapacity(bytes.count + more * averageCount) }

    mutating func append(_ row: CustomerRowView) -> Ref {
        func add(_ span: PackedText.Span) -> Int32 {
            guard !span.isAbsent else { return -1 }
            bytes.append(contentsOf: row.bytes(span).bindMemory(to: UInt8.self))
            return span.count
        }
        let start = bytes.count
        count += 1
        // An empty id or name (a row made in code; the mapper rejects them) is empty, not absent.
        return Ref(start: start, idCount: max(add(row.row.customerId), 0), nameCount: max(add(row.row.companyName), 0),
                   domainCount: add(row.row.domain))
    }

    /// Loads the start of a customer's texts, for a read ahead: the value is only to keep the load.
    func readAhead(_ r: Ref) -> UInt64 { bytes.withUnsafeBufferPointer { r.start < $0.count ? UInt64($0[r.start]) : 0 } }

    /// Copies a customer's texts from `other`.
    mutating func append(_ other: CustomerTexts, _ r: Ref) -> Ref {
        let length = Int(r.idCount) + Int(r.nameCount) + Int(max(r.domainCount, 0))
        var copy = r
        copy.start = bytes.count
        count += 1
        other.bytes.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[r.start..<(r.start + length)])) }
        return copy
    }

    func customerId(_ r: Ref) -> String { bytes.withUnsafeBufferPointer { Self.customerId(r, in: $0) } }
    func companyName(_ r: Ref) -> String { bytes.withUnsafeBufferPointer { Self.companyName(r, in: $0) } }

    /// The texts of `r` in `bytes` (this buffer's bytes, frozen by the outcomes).
    static func customerId(_ r: Ref, in bytes: UnsafeBufferPointer<UInt8>) -> String { string(spans(r, in: bytes).id)! }
    static func companyName(_ r: Ref, in bytes: UnsafeBufferPointer<UInt8>) -> String { string(spans(r, in: bytes).name)! }

    /// Where the id, company name and domain (`nil`: none) of `r` are in `bytes`.
    static func spans(_ r: Ref, in bytes: UnsafeBufferPointer<UInt8>)
        -> (id: UnsafeBufferPointer<UInt8>, name: UnsafeBufferPointer<UInt8>, domain: UnsafeBufferPointer<UInt8>?) {
        (span(bytes, r.start, r.idCount)!, span(bytes, r.start + Int(r.idCount), r.nameCount)!,
         span(bytes, r.start + Int(r.idCount) + Int(r.nameCount), r.domainCount))
    }
    static func customerId(_ r: Ref, in bytes: UnsafeBufferPointer<UInt8>, equals id: String) -> Bool {
        var id = id
        return id.withUTF8 { $0.elementsEqual(spans(r, in: bytes).id) }
    }
}

/// The latest seat line of one subscription so far, without its key (compact: millions are kept).
private struct SubscriptionState: @unchecked Sendable {
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
        let line = view.row
        self.customer = Int32(truncatingIfNeeded: customer)
        self.offer = offer
        date = line.creationDate
        lineItemNumber = line.lineItemNumber
        quantity = line.quantity
        isCancel = line.transaction == .cancel
        let bytes = view.bytes(line.orderId)
        if let orderId, orderId.withBytes({ sameBytes($0, bytes) }) {
            self.orderId = orderId
        } else {
            self.orderId = CompactText(bytes)
        }
    }

    /// A subscription of a subscriptions export, holding `seats` (0: none that count).
    init(customer: Int, offer: Int32, seats: Int) {
        self.customer = Int32(truncatingIfNeeded: customer)
        self.offer = offer
        date = DayDate(daysSinceEpoch: 0)
        lineItemNumber = 0
        quantity = seats
        isCancel = false
        orderId = CompactText(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    var seats: Int { SeatRules.seatsHeld(quantity: quantity, cancelled: isCancel) }
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

/// A set of clouds as bits: asked for every customer and many order lines, so no hashing.
struct CloudSet: Sendable {
    private var bits: UInt8 = 0

    init(_ clouds: some Sequence<Cloud>) {
        for cloud in clouds { bits |= CloudSet.bit(cloud) }
    }

    func contains(_ cloud: Cloud) -> Bool { bits & CloudSet.bit(cloud) != 0 }

    private static func bit(_ cloud: Cloud) -> UInt8 {
        switch cloud {
        case .public: 1
        case .germany: 2
        case .china: 4
        case .usgovernment: 8
        }
    }
}
