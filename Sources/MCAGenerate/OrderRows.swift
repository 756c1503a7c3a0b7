/// The orders export, one order (1–3 line items) at a time, exactly as many line items as asked for.
///
/// Each order is for a customer drawn with a skew (some customers order far more than others)
/// and buys from, renews or changes that customer's own subscriptions, so seat counts and
/// subscription histories are consistent across orders. Dates spread over 2018-01 … 2019-06.
/// A small share of rows is bad on purpose: an unknown customer, a missing order id or an
/// unreadable date (the whole order), an invalid quantity (one line).
struct OrderRows {
    private let factory: RecordFactory
    private var rng: SplitMix64
    private var sizes: SplitMix64
    private(set) var orderIndex = 0
    private var unknownOrders = 0

    init(factory: RecordFactory) {
        self.factory = factory
        rng = factory.sequence(.orders)
        sizes = factory.sequence(.orderSizes)
    }

    /// Line items of the next order, from their own stream so the number of orders for a given
    /// number of lines is known before writing (JSON's `totalCount`).
    private static func lineCount(_ sizes: inout SplitMix64, remaining: Int) -> Int {
        let d = sizes.below(100)
        return min(d < 60 ? 1 : d < 88 ? 2 : 3, remaining)
    }

    /// The number of orders that `lines` line items make.
    static func orderCount(factory: RecordFactory, lines: Int) -> Int {
        var sizes = factory.sequence(.orderSizes)
        var remaining = lines, orders = 0
        while remaining > 0 {
            remaining -= lineCount(&sizes, remaining: remaining)
            orders += 1
        }
        return orders
    }

    /// Writes the next order into `order` and what it is into `facts` (for the subscription ledger
    /// and the reconciliation layout). The facts never change what is drawn or written.
    mutating func next(remaining: Int, into order: inout GeneratedRecord, facts: inout OrderFacts) {
        let n = OrderRows.lineCount(&sizes, remaining: remaining)
        order.clear(lineCount: n)
        facts.lines.removeAll(keepingCapacity: true)
        let f = factory
        let v = f.vocabulary
        let index = orderIndex
        orderIndex += 1

        var customer = rng.below(f.customerCount)
        if rng.chance(30) { customer = rng.below(customer + 1) }
        customer = f.existingCustomer(atOrBelow: customer)
        let bad = rng.below(10_000)
        // Partner Center order ids: unique per order; the finaliser is a bijection.
        let orderKey = RecordFactory.mix(f.hash(.orders, 0) ^ UInt64(index))
        facts.orderKey = orderKey
        facts.hasOrderId = !(6..<8).contains(bad)
        if facts.hasOrderId {
            order.set(.orderId) { $0.appendHex(orderKey, digits: 16, uppercase: false) }
        }
        if bad < 4 {
            let u = unknownOrders
            unknownOrders += 1
            facts.customer = nil
            facts.unknownCustomer = u
            order.set(.customerId) { f.appendUnknownCustomerId(u, to: &$0) }
        } else {
            facts.customer = customer
            let upper = rng.chance(70) ? f.idIsUppercase(customer) : !f.idIsUppercase(customer)
            order.set(.customerId) { f.appendCustomerId(customer, uppercase: upper, to: &$0) }
        }
        if bad >= 4 && bad < 6 {
            facts.instant = nil
            order.set(.creationDate, v.invalidOrderDates[rng.below(v.invalidOrderDates.count)])
        } else {
            let day = rng.day(in: Window.orders)
            let style: Int
            switch rng.below(100) {
            case ..<65: style = 0
            case ..<80: style = 1
            case ..<88: style = 2
            case ..<95: style = 4
            default: style = 5
            }
            var instant = 0
            order.set(.creationDate) { instant = f.appendDateTime(day: day, style: style, rng: &rng, to: &$0) }
            facts.instant = instant
        }
        switch rng.below(1000) {
        case ..<920: order.set(.status, "completed"); facts.status = .completed
        case ..<940: facts.status = .completed
        case ..<960: order.set(.status, "pending"); facts.status = .pending
        case ..<980: order.set(.status, "cancelled"); facts.status = .cancelled
        case ..<985: order.set(.status, "Canceled"); facts.status = .cancelled
        default: order.set(.status, "failed"); facts.status = .failed
        }

        let subscriptions = f.subscriptionCount(customer)
        for k in 0..<n {
            let slot = rng.below(subscriptions)
            let subscription = f.hash(.subscriptions, customer, slot)
            let offerIndex = Int(subscription % UInt64(v.offers.count))
            let seatBased = v.offers[offerIndex].seatBased
            order.set(.lineItemNumber, line: k) { $0.appendDecimal(k) }
            order.set(.offerId, line: k, v.offers[offerIndex].id)
            order.set(.offerName, line: k, v.offers[offerIndex].name)
            let hasSubscriptionId = !rng.chance(1)
            if hasSubscriptionId {
                let upper = rng.chance(5)
                order.set(.subscriptionId, line: k) {
                    $0.appendGUID(high: subscription, low: RecordFactory.mix(subscription), uppercase: upper)
                }
            }
            let transaction = rng.below(100)
            let action: LineAction
            if seatBased {
                switch transaction {
                case ..<40: action = .new
                case ..<64: action = .renew
                case ..<79: action = .addQuantity
                case ..<87: action = .removeQuantity
                case ..<91: action = .cancel
                case ..<93: action = .convert
                case ..<95: action = .purchase
                default: action = .unspecified
                }
            } else {
                action = transaction < 85 ? .new : .renew
            }
            switch action {
            case .new: order.set(.transactionType, line: k, "new")
            case .renew: order.set(.transactionType, line: k, "renew")
            case .addQuantity: order.set(.transactionType, line: k, "addQuantity")
            case .removeQuantity: order.set(.transactionType, line: k, "removeQuantity")
            case .cancel: order.set(.transactionType, line: k, "cancel")
            case .convert: order.set(.transactionType, line: k, "convert")
            case .purchase: order.set(.transactionType, line: k, "New")
            case .unspecified: break
            }
            var line = LineFacts(slot: slot, subscription: subscription, offer: offerIndex, action: action,
                                 quantity: nil, hasSubscriptionId: hasSubscriptionId)
            if rng.below(10_000) < 3 {
                order.set(.quantity, line: k, v.invalidQuantities[rng.below(v.invalidQuantities.count)])
            } else {
                let quantity: Int
                if !seatBased {
                    quantity = 1
                } else if (87..<91).contains(transaction) {
                    quantity = 0
                } else {
                    let tier = rng.below(100)
                    quantity = tier < 60 ? 1 + rng.below(10) : tier < 90 ? 11 + rng.below(40) : 51 + rng.below(450)
                }
                order.set(.quantity, line: k) { $0.appendDecimal(quantity) }
                line.quantity = quantity
            }
            facts.lines.append(line)
            let billing = rng.below(100)
            if seatBased {
                if billing < 92 {
                    order.set(.billingType, line: k, "license")
                } else if billing < 97 {
                    order.set(.billingType, line: k, "Seat-Based")
                } else if billing < 99 {
                    order.set(.billingType, line: k, "licenses")
                }
            } else {
                order.set(.billingType, line: k, billing < 95 ? "usage" : "consumption")
            }
            // From the seed and the customer alone: no draw of `rng`, so the other values stay put.
            if let c = facts.customer { f.setReseller(customer: c, slot: slot, line: k, into: &order) }
        }
    }
}
