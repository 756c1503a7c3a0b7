/// The orders as a new-commerce billed invoice reconciliation CSV (README, "Real exports"): one
/// row per charge, each an order line item of `OrderRows` (the same customers, subscriptions,
/// dates and quantities as the line-items layout), in the 47 columns Partner Center writes.
///
/// The columns and their meaning are those of Microsoft Learn, "Learn how to read new commerce
/// invoice reconciliation files in Partner Center"
/// (https://learn.microsoft.com/partner-center/billing/modern-invoice-reconciliation-file), in its
/// order; its table names the 8th column `ResellerMpnId` where the file's header says `Tier2MpnId`,
/// and `ProductCategory` (the 47th) is the column added last. Values follow the Partner Center
/// API's sample billed line items: `ChargeType` in the API's spellings (`new`, `addQuantity`,
/// `removeQuantity`, `renew`, `cycleCharge`, `cancelImmediate`, `convert`, `customerCredit`),
/// `OrderDate` in ISO 8601 UTC as the API writes it (no `--date-format` needed), `UnitType` empty
/// for license-based charges and a unit of measure (`1 GB/Month`, `1 Hour`) for Azure meters,
/// `Tier2MpnId` the reseller's MPN ID (`RecordFactory.resellers(_:)`), or for a direct customer
/// `-1`, `0`, empty, or the partner's own `MpnId` (as Partner Center writes a direct sale). `PartnerId` is the partner's own tenant
/// on every row. Amounts follow the documented formulas (license-based:
/// `ROUNDDOWN(EffectiveUnitPrice × PCToBCExchangeRate, 2) × BillableQuantity`; usage-based:
/// `ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice × BillableQuantity, 2) × PCToBCExchangeRate, 2)`), with
/// refunds and credits negative and no tax.
///
/// The bad rows of the line-items layout stay bad: an unknown customer, an empty `OrderId`, an
/// unreadable `OrderDate`, an invalid `Quantity`.
final class ReconciliationLayout {
    /// The header, as the file writes it.
    static let columns: [StaticString] = [
        "PartnerId", "CustomerId", "CustomerName", "CustomerDomainName", "CustomerCountry", "InvoiceNumber", "MpnId",
        "Tier2MpnId", "OrderId", "OrderDate", "ProductId", "SkuId", "AvailabilityId", "SkuName", "ProductName",
        "ChargeType", "UnitPrice", "Quantity", "Subtotal", "TaxTotal", "Total", "Currency",
        "PriceAdjustmentDescription", "PublisherName", "PublisherId", "SubscriptionDescription", "SubscriptionId",
        "ChargeStartDate", "ChargeEndDate", "TermAndBillingCycle", "EffectiveUnitPrice", "UnitType", "AlternateId",
        "BillableQuantity", "BillingFrequency", "PricingCurrency", "PCToBCExchangeRate", "PCToBCExchangeRateDate",
        "MeterDescription", "ReservationOrderId", "CreditReasonCode", "SubscriptionStartDate", "SubscriptionEndDate",
        "ReferenceId", "ProductQualifiers", "PromotionId", "ProductCategory",
    ]

    /// Every `ChargeType` this layout writes: the transaction vocabulary's reconciliation spellings.
    static let chargeTypes: [StaticString] = [
        "new", "addQuantity", "removeQuantity", "renew", "cycleCharge", "cancelImmediate", "convert", "customerCredit",
    ]

    private enum Charge: Int {
        case new, addQuantity, removeQuantity, renew, cycleCharge, cancelImmediate, convert, customerCredit

        /// Money going back to the partner: the amounts are negative.
        var isRefund: Bool { self == .removeQuantity || self == .cancelImmediate || self == .customerCredit }
        /// A change within a billing period: charged for the days left.
        var isProrated: Bool { self == .addQuantity || self == .removeQuantity || self == .cancelImmediate }
    }

    /// An Azure meter a usage-based line is charged on (prices in millionths of a US dollar).
    private struct Meter {
        var product: StaticString, sku: StaticString, description: StaticString, unit: StaticString, price: Int
    }

    private static let meters: [Meter] = [
        Meter(product: "Tables", sku: "Tables - LRS", description: "Tables - LRS Data Stored (GB/Month)",
              unit: "1 GB/Month", price: 45_000),
        Meter(product: "Virtual Machines Dv3 Series", sku: "D2 v3", description: "Virtual Machines Dv3 Series - D2 v3 - EU West",
              unit: "1 Hour", price: 96_000),
        Meter(product: "Bandwidth", sku: "Standard Data Transfer Out",
              description: "Bandwidth - Data Transfer Out (GB) - Zone 1", unit: "1 GB", price: 87_000),
        Meter(product: "Azure App Service", sku: "B1 App", description: "Azure App Service Basic Plan - B1 App",
              unit: "1 Hour", price: 75_000),
        Meter(product: "Storage", sku: "Standard Page Blob - LRS", description: "Standard Page Blob - LRS - Disk Operations",
              unit: "10K", price: 500),
    ]

    /// ISO 3166 codes for `Vocabulary.topLevelDomains`, in its order.
    private static let countries: [StaticString] = ["US", "DE", "FR", "GB", "PL", "IE", "JP", "BR", "CH", "NL"]
    private static let currencies: [(code: StaticString, rate: Int)] = [("USD", 1_000_000), ("EUR", 850_000), ("GBP", 760_000)]

    private let factory: RecordFactory
    private let partnerId: [UInt8]
    private let mpnId: Int
    private let currency: Int
    private var cell: [UInt8] = []

    init(factory: RecordFactory) {
        self.factory = factory
        var id: [UInt8] = []
        id.appendGUID(high: factory.hash(.reconciliation, -1, 0), low: factory.hash(.reconciliation, -1, 1), uppercase: false)
        partnerId = id
        // An index no reseller has: the partner's MPN ID is never one of its resellers'.
        mpnId = factory.resellerMpnId(RecordFactory.maxResellers)
        currency = Int(factory.hash(.reconciliation, -1, 3) % UInt64(Self.currencies.count))
        cell.reserveCapacity(256)
    }

    func begin(into out: inout [UInt8]) { CSVExportFormat.header(Self.columns, into: &out) }

    /// The rows of one order, one per line item.
    func order(_ o: GeneratedRecord, facts: OrderFacts, into out: inout [UInt8]) {
        let f = factory, v = f.vocabulary
        // The customer as the file names it; a customer no customers row has still has a name.
        let index = facts.customer ?? (f.customerCount + facts.unknownCustomer)
        let profile = f.profile(index)
        let day = facts.day
        let month = day.map { civilDate($0) }.map { $0.0 * 12 + $0.1 - 1 } ?? 0
        let rate = rate(month: month)
        let orderSalt = Int(truncatingIfNeeded: facts.orderKey)

        for (k, line) in facts.lines.enumerated() {
            let offer = v.offers[line.offer]
            var rng = f.random(.reconciliation, orderSalt, k)
            let charge = charge(line.action, draw: rng.below(100))
            let meter = offer.seatBased ? nil : Self.meters[rng.below(Self.meters.count)]
            let customer = facts.customer
            let term = customer.map { f.subscriptionTerm(customer: $0, slot: line.slot) } ?? (months: 12, yearlyBilling: false)

            put(&out, first: true) { $0.append(contentsOf: partnerId) }
            put(&out) { c in o.withValue(.customerId) { c.appendLowercased($0) } }
            put(&out) { f.appendCompanyName(profile, to: &$0) }
            put(&out) { f.appendDomain(index, profile, onMicrosoft: true, to: &$0) }
            put(&out) { $0.appendASCII(Self.countries[profile.topLevelDomain % Self.countries.count]) }
            put(&out) {
                $0.append(71)
                $0.appendDecimal(Int(f.hash(.reconciliation, month, 4) % 1_000_000_000), width: 9)
            }
            put(&out) { $0.appendDecimal(mpnId) }
            put(&out) { appendReseller(customer, slot: line.slot, to: &$0) }
            put(&out) { c in o.withValue(.orderId) { c.append(contentsOf: $0) } }
            put(&out) { c in
                if let instant = facts.instant {
                    c.appendISODate(daysSinceEpoch: instant / 86_400)
                    c.append(84)
                    c.appendTime(secondOfDay: instant % 86_400)
                    c.append(46)
                    c.appendDecimal(Int(f.hash(.reconciliation, orderSalt, 50) % 10_000_000), width: 7)
                    c.append(90)
                } else {
                    o.withValue(.creationDate) { c.append(contentsOf: $0) }
                }
            }
            put(&out) { $0.append(contentsOf: offer.id) }
            put(&out) { $0.appendDecimal(1 + Int(f.hash(.reconciliation, line.offer, 5) % 3), width: 4) }
            put(&out) {
                $0.appendASCII(offer.seatBased ? "CFQ7TTC0" : "DZH318Z0")
                $0.appendHex(f.hash(.reconciliation, line.offer, 6), digits: 4, uppercase: true)
            }
            put(&out) { c in if let m = meter { c.appendASCII(m.sku) } else { c.append(contentsOf: offer.name) } }
            put(&out) { c in if let m = meter { c.appendASCII(m.product) } else { c.append(contentsOf: offer.name) } }
            put(&out) { $0.appendASCII(Self.chargeTypes[charge.rawValue]) }

            // Prices in millionths of the pricing currency (USD).
            let unitPrice = meter?.price ?? offer.monthlyPrice * 10_000
            let daysLeft = 1 + rng.below(30)
            var effective: Int
            if let _ = meter {
                effective = unitPrice * 85 / 100  // the partner-earned credit
            } else {
                effective = term.yearlyBilling ? unitPrice * 12 : unitPrice
                if charge.isProrated { effective = effective * daysLeft / 30 }
                if charge == .customerCredit { effective = effective * (10 + rng.below(91)) / 100 }
            }
            let billable: Int?  // in ten-thousandths
            if meter != nil {
                billable = 1 + rng.below(2_000_000)
            } else {
                billable = line.quantity.map { $0 * 10_000 }
            }
            let subtotal: Int? = billable.map { q in
                let cents: Int
                if meter != nil {
                    // ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice × BillableQuantity, 2) × rate, 2)
                    cents = effective * q / 100_000_000 * rate / 1_000_000
                } else {
                    // ROUNDDOWN(EffectiveUnitPrice × rate, 2) × BillableQuantity
                    cents = effective * rate / 10_000_000_000 * (q / 10_000)
                }
                return charge.isRefund ? -cents : cents
            }

            put(&out) { $0.appendFixed(unitPrice, scale: 6) }
            put(&out) { c in o.withValue(.quantity, line: k) { c.append(contentsOf: $0) } }
            put(&out) { c in if let s = subtotal { c.appendCents(s) } }
            put(&out) { c in if subtotal != nil { c.appendCents(0) } }
            put(&out) { c in if let s = subtotal { c.appendCents(s) } }
            put(&out) { $0.appendASCII(Self.currencies[currency].code) }
            put(&out) { c in
                if meter != nil {
                    c.appendASCII("[\"15.0% Partner earned credit for services managed\"]")
                } else if rng.chance(20) {
                    c.appendASCII("[\"Price for given billing period\",\"You are getting a price guarantee for your price.\"]")
                }
            }
            put(&out) { $0.appendASCII("Microsoft Corporation") }
            put(&out) { _ in }
            put(&out) { $0.append(contentsOf: offer.name) }
            put(&out) { c in o.withValue(.subscriptionId, line: k) { c.appendLowercased($0) } }

            // The charge's period, and the subscription's term.
            var period: (start: Int, end: Int)?
            var subscription: (start: Int, end: Int)?
            if let d = day {
                if meter != nil {
                    let (y, m, _) = civilDate(d)
                    let first = daysSinceEpoch(y, m, 1)
                    period = (first, addingMonths(first, 1) - 1)
                } else {
                    period = (d, addingMonths(d, term.yearlyBilling ? 12 : 1) - 1)
                    let start = charge == .new || term.months == 1 ? d : addingMonths(d, -(1 + rng.below(11)))
                    subscription = (start, addingMonths(start, term.months) - 1)
                }
            }
            put(&out) { c in if let p = period { c.appendMidnight(p.start) } }
            put(&out) { c in if let p = period { c.appendMidnight(p.end) } }
            put(&out) { c in
                if meter == nil {
                    c.appendASCII(term.months == 1 ? "One-Month commitment for monthly billing"
                                                   : "One-Year commitment for monthly/yearly billing")
                }
            }
            put(&out) { $0.appendFixed(effective, scale: 6) }
            put(&out) { c in if let m = meter { c.appendASCII(m.unit) } }
            put(&out) { c in
                if facts.hasOrderId { c.appendHex(facts.orderKey >> 16, digits: 12, uppercase: false) }
            }
            put(&out) { c in
                if meter != nil, let q = billable {
                    c.appendFixed(q, scale: 4)
                } else {
                    o.withValue(.quantity, line: k) { c.append(contentsOf: $0) }
                }
            }
            put(&out) { c in if meter == nil { c.appendASCII(term.yearlyBilling ? "Annual" : "Monthly") } }
            put(&out) { $0.appendASCII("USD") }
            put(&out) { $0.appendFixed(rate, scale: 6) }
            put(&out) { c in
                if let d = day {
                    let (y, m, _) = civilDate(d)
                    c.appendMidnight(daysSinceEpoch(y, m, 1))
                }
            }
            put(&out) { c in if let m = meter { c.appendASCII(m.description) } }
            put(&out) { c in
                if meter == nil {
                    c.appendGUID(high: f.hash(.reconciliation, orderSalt, 10 + k), low: f.hash(.reconciliation, orderSalt, 20 + k),
                                 uppercase: false)
                }
            }
            put(&out) { c in
                if charge == .customerCredit {
                    c.appendASCII(meter != nil ? "Azure Consumption Credit" : "Service Level Agreement Credit")
                }
            }
            put(&out) { c in if let s = subscription { c.appendMidnight(s.start) } }
            put(&out) { c in if let s = subscription { c.appendMidnight(s.end) } }
            put(&out) {
                $0.appendGUID(high: f.hash(.reconciliation, orderSalt, 30 + k), low: f.hash(.reconciliation, orderSalt, 40 + k),
                              uppercase: false)
            }
            put(&out) { $0.appendASCII(charge == .convert ? "[\"Trial\"]" : "[]") }
            put(&out) { c in
                if meter == nil, charge == .new, rng.chance(3) {
                    c.appendGUID(high: f.hash(.reconciliation, line.offer, 7), low: f.hash(.reconciliation, line.offer, 8),
                                 uppercase: false)
                }
            }
            put(&out) { $0.appendASCII(meter != nil ? "Azure" : "OnlineServicesNCE") }
            out.append(10)
        }
    }

    /// A line's charge type: renewals of a monthly-billed term are mostly cycle charges; a few are
    /// turned into credits.
    private func charge(_ action: LineAction, draw: Int) -> Charge {
        switch action {
        case .new, .purchase, .unspecified: .new
        case .addQuantity: .addQuantity
        case .removeQuantity: .removeQuantity
        case .cancel: .cancelImmediate
        case .convert: .convert
        case .renew: draw < 70 ? .cycleCharge : draw < 95 ? .renew : .customerCredit
        }
    }

    /// The month's pricing-to-billing currency exchange rate, in millionths.
    private func rate(month: Int) -> Int {
        let base = Self.currencies[currency].rate
        guard base != 1_000_000 else { return base }
        return base - 30_000 + Int(factory.hash(.reconciliation, month, 9) % 60_000)
    }

    /// The reseller on record: the MPN ID of the reseller of the line's subscription; for a direct
    /// customer (fixed per customer) the partner's own MPN ID (~40%), `-1` (~30%), `0` (~10%) or
    /// empty (~20%); for a customer no customers row has, empty.
    private func appendReseller(_ customer: Int?, slot: Int, to out: inout [UInt8]) {
        guard let c = customer else { return }
        if let reseller = factory.resellers(c).reseller(slot: slot) {
            out.appendDecimal(factory.resellerMpnId(reseller))
            return
        }
        switch factory.hash(.resellers, c, 6) % 10 {
        case ..<4: out.appendDecimal(mpnId)
        case ..<7: out.appendASCII("-1")
        case ..<8: out.append(48)
        default: return
        }
    }

    /// Appends one field (after a comma unless it is the row's first), quoted when it holds a
    /// comma, a quote or a line break.
    private func put(_ out: inout [UInt8], first: Bool = false, _ build: (inout [UInt8]) -> Void) {
        if !first { out.append(44) }
        cell.removeAll(keepingCapacity: true)
        build(&cell)
        guard cell.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else {
            out.append(contentsOf: cell)
            return
        }
        out.appendQuotedCSV(cell)
    }
}

extension Array where Element == UInt8 {
    /// A fixed-point value with `scale` decimals, trailing zeros dropped (`23`, `0.045`, `-1.5`).
    mutating func appendFixed(_ value: Int, scale: Int) {
        if value < 0 { append(45) }
        var unit = 1
        for _ in 0..<scale { unit *= 10 }
        let v = Swift.abs(value)
        appendDecimal(v / unit)
        var fraction = v % unit, digits = scale
        guard fraction != 0 else { return }
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        append(46)
        appendDecimal(fraction, width: digits)
    }

    /// ASCII text in lower case (ids: the API writes GUIDs in lower case).
    mutating func appendLowercased(_ text: UnsafeBufferPointer<UInt8>) {
        for b in text { append(b >= 65 && b <= 90 ? b + 32 : b) }
    }

    /// An amount in cents with two decimals (`720.00`, `-3.15`).
    mutating func appendCents(_ cents: Int) {
        if cents < 0 { append(45) }
        let v = Swift.abs(cents)
        appendDecimal(v / 100)
        append(46)
        appendDecimal(v % 100, width: 2)
    }

    /// A day at midnight UTC (`2019-02-01T00:00:00Z`).
    mutating func appendMidnight(_ day: Int) {
        appendISODate(daysSinceEpoch: day)
        appendASCII("T00:00:00Z")
    }
}
