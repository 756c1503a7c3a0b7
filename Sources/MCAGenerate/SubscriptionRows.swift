import MCAModel

/// The subscriptions export: a snapshot, as the Partner Center Subscription resource shows them
/// on `Window.snapshot`, of every subscription the order lines created (`SubscriptionLedger`),
/// customer by customer, one row each.
///
/// What the rows hold:
/// - the subscription's offer (license-based, or usage-based for the Azure plans), its current
///   seat count (its latest line's quantity; usage-based: 1) and the day of its first line;
/// - its status: `deleted` when its latest line cancelled it, `pending` when only pending orders
///   touched it, else mostly `active` (some `Active`), ~3% `suspended`, ~2% `expired`, ~0.3%
///   `disabled`;
/// - ~0.1% bad rows: an invalid quantity, a status outside the vocabulary (`Warning`, …), a row
///   for a customer no customers row has, a repeated (customerId, subscriptionId).
struct SubscriptionRows {
    enum Row: Equatable {
        /// A ledger entry (`customer × slotsPerCustomer + slot`).
        case subscription(Int)
        /// The same entry written again (DUPLICATE_SUBSCRIPTION).
        case duplicate(Int)
        /// A subscription of a customer no customers row has (UNKNOWN_CUSTOMER), numbered.
        case unknownCustomer(Int)
    }

    private let ledger: SubscriptionLedger
    private var rng: SplitMix64
    private var cursor = 0
    /// An entry already drawn for, whose row waits behind an unknown customer's.
    private var held: Int?
    private var repeatEntry: Int?
    private var unknownRows = 0

    init(factory: RecordFactory, ledger: SubscriptionLedger) {
        self.ledger = ledger
        rng = factory.sequence(.subscriptionRows)
    }

    /// The number of rows `next()` gives (JSON's `totalCount`), by running the same draws.
    static func rowCount(factory: RecordFactory, ledger: SubscriptionLedger) -> Int {
        var rows = SubscriptionRows(factory: factory, ledger: ledger), n = 0
        while rows.next() != nil { n += 1 }
        return n
    }

    /// The next row, or `nil` after the last.
    mutating func next() -> Row? {
        if let r = repeatEntry {
            repeatEntry = nil
            return .duplicate(r)
        }
        if let h = held {
            held = nil
            return .subscription(h)
        }
        guard let found = nextExisting() else { return nil }
        let draw = rng.below(10_000)
        if draw < 3 {
            held = found
            unknownRows += 1
            return .unknownCustomer(unknownRows - 1)
        }
        if draw < 6 { repeatEntry = found }
        return .subscription(found)
    }

    private mutating func nextExisting() -> Int? {
        let end = ledger.customerCount * SubscriptionLedger.slotsPerCustomer
        while cursor < end {
            let i = cursor
            cursor += 1
            if ledger.entry(customer: i / SubscriptionLedger.slotsPerCustomer,
                            slot: i % SubscriptionLedger.slotsPerCustomer).exists {
                return i
            }
        }
        return nil
    }
}

extension RecordFactory {
    /// A license-based subscription's commitment, fixed per subscription: mostly a year billed
    /// monthly, some a month, some a year billed yearly. The subscriptions export and the
    /// reconciliation layout both use it.
    func subscriptionTerm(customer: Int, slot: Int) -> (months: Int, yearlyBilling: Bool) {
        switch hash(.subscriptionRows, customer, 100 + slot) % 10 {
        case ..<7: (12, false)
        case ..<9: (1, false)
        default: (12, true)
        }
    }

    /// Fills one subscriptions row.
    func fillSubscription(_ row: SubscriptionRows.Row, ledger: SubscriptionLedger, into r: inout GeneratedRecord) {
        switch row {
        case .subscription(let i), .duplicate(let i):
            let customer = i / SubscriptionLedger.slotsPerCustomer, slot = i % SubscriptionLedger.slotsPerCustomer
            fillSubscription(customer: customer, slot: slot, entry: ledger.entry(customer: customer, slot: slot), into: &r)
        case .unknownCustomer(let n):
            fillUnknownCustomerSubscription(n, into: &r)
        }
    }

    private func fillSubscription(customer: Int, slot: Int, entry e: SubscriptionLedger.Entry,
                                  into r: inout GeneratedRecord) {
        let v = vocabulary
        let subscription = hash(.subscriptions, customer, slot)
        let offer = v.offers[Int(subscription % UInt64(v.offers.count))]
        // Per subscription, so a repeated row repeats its values.
        var rng = random(.subscriptionRows, customer, slot)
        // Export scripts and `mca-audit fetch` write the ids as the API does: in lower case.
        r.set(.customerId) { appendCustomerId(customer, uppercase: false, to: &$0) }
        r.set(.subscriptionId) { $0.appendGUID(high: subscription, low: RecordFactory.mix(subscription), uppercase: false) }
        r.set(.offerId, offer.id)
        r.set(.offerName, offer.name)
        if rng.below(10_000) < 3 {
            r.set(.quantity, v.invalidQuantities[rng.below(v.invalidQuantities.count)])
        } else {
            r.set(.quantity) { $0.appendDecimal(offer.seatBased ? Int(e.quantity) : 1) }
        }
        setBilling(seatBased: offer.seatBased, into: &r)

        let draw = rng.below(10_000)
        let status: StaticString
        var expired = false
        if e.isCancelled {
            status = "deleted"
        } else if !e.hasLiveLine {
            status = "pending"
        } else {
            switch draw {
            case ..<300: status = "suspended"
            case ..<500: status = "expired"; expired = true
            case ..<530: status = "disabled"
            case ..<533: status = Self.unrecognizedStatuses[draw - 530]
            case ..<1500: status = "Active"
            default: status = "active"
            }
        }
        r.set(.status, status)

        let created = Int(e.firstDay)
        let second = rng.below(86_400)
        r.set(.creationDate) {
            $0.appendISODate(daysSinceEpoch: created)
            $0.append(84)
            $0.appendTime(secondOfDay: second)
            $0.append(90)
        }
        r.set(.effectiveStartDate) { appendMidnight(created, to: &$0) }
        if offer.seatBased {
            let term = subscriptionTerm(customer: customer, slot: slot)
            // The end of the term that holds the snapshot day (an expired one: the term before it).
            var start = created
            while addingMonths(start, term.months) <= Window.snapshot { start = addingMonths(start, term.months) }
            if expired && start > created { start = addingMonths(start, -term.months) }
            let end = addingMonths(start, term.months) - 1
            r.set(.commitmentEndDate) { appendMidnight(end, to: &$0) }
            r.set(.billingCycle, term.yearlyBilling ? "annual" : "monthly")
        } else {
            r.set(.billingCycle, "none")
        }
        r.set(.autoRenewEnabled, !expired && rng.chance(90) ? "true" : "false")
        setReseller(customer: customer, slot: slot, into: &r)
    }

    /// A subscription of a customer no customers row has (a former customer's, still exported).
    private func fillUnknownCustomerSubscription(_ n: Int, into r: inout GeneratedRecord) {
        let v = vocabulary
        var rng = random(.subscriptionRows, n, -1)
        let subscription = rng.next()
        let offer = v.offers[Int(subscription % UInt64(v.offers.count))]
        r.set(.customerId) { appendUnknownCustomerId(n, to: &$0) }
        r.set(.subscriptionId) { $0.appendGUID(high: subscription, low: RecordFactory.mix(subscription), uppercase: false) }
        r.set(.offerId, offer.id)
        r.set(.offerName, offer.name)
        let quantity = offer.seatBased ? 1 + rng.below(25) : 1
        r.set(.quantity) { $0.appendDecimal(quantity) }
        setBilling(seatBased: offer.seatBased, into: &r)
        r.set(.status, "active")
        let day = rng.day(in: Window.orders)
        r.set(.creationDate) {
            $0.appendISODate(daysSinceEpoch: day)
            $0.appendASCII("T09:30:00Z")
        }
        r.set(.effectiveStartDate) { appendMidnight(day, to: &$0) }
        r.set(.billingCycle, offer.seatBased ? "monthly" : "none")
        r.set(.autoRenewEnabled, "true")
    }

    /// Statuses outside the vocabulary (UNRECOGNIZED_VALUE; read as active).
    private static let unrecognizedStatuses: [StaticString] = ["Warning", "InGracePeriod", "Locked"]

    /// `billingType` as the README's "Inputs" spells it, and the REST resource's `unitType`.
    private func setBilling(seatBased: Bool, into r: inout GeneratedRecord) {
        r.set(.billingType, seatBased ? "license" : "usage")
        r.set(.unitType, seatBased ? "Licenses" : "Usage-based")
    }

    private func appendMidnight(_ day: Int, to out: inout [UInt8]) {
        out.appendISODate(daysSinceEpoch: day)
        out.appendASCII("T00:00:00Z")
    }
}

/// The day `months` calendar months after (or before) `day`, the day of the month kept where the
/// month has it, else its last day (days since 1970-01-01).
func addingMonths(_ day: Int, _ months: Int) -> Int {
    let (y, m, d) = civilDate(day)
    let total = y * 12 + (m - 1) + months
    let year = total / 12, month = total % 12 + 1
    var dayOfMonth = d
    while dayOfMonth > 28, DayDate(year: year, month: month, day: dayOfMonth) == nil { dayOfMonth -= 1 }
    return daysSinceEpoch(year, month, dayOfMonth)
}
