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

    mutating func next(remaining: Int, into order: inout GeneratedRecord) {
        let n = OrderRows.lineCount(&sizes, remaining: remaining)
        order.clear(lineCount: n)
        let f = factory
        let v = f.vocabulary
        let index = orderIndex
        orderIndex += 1

        var customer = rng.below(f.customerCount)
        if rng.chance(30) { customer = rng.below(customer + 1) }
        customer = f.existingCustomer(atOrBelow: customer)
        let bad = rng.below(10_000)
        if !(6..<8).contains(bad) {
            // Partner Center order ids: unique per order; the finaliser is a bijection.
            order.set(.orderId) {
                $0.appendHex(RecordFactory.mix(f.hash(.orders, 0) ^ UInt64(index)), digits: 16, uppercase: false)
            }
        }
        if bad < 4 {
            let u = unknownOrders
            unknownOrders += 1
            order.set(.customerId) { f.appendUnknownCustomerId(u, to: &$0) }
        } else {
            let upper = rng.chance(70) ? f.idIsUppercase(customer) : !f.idIsUppercase(customer)
            order.set(.customerId) { f.appendCustomerId(customer, uppercase: upper, to: &$0) }
        }
        if bad >= 4 && bad < 6 {
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
            order.set(.creationDate) { f.appendDateTime(day: day, style: style, rng: &rng, to: &$0) }
        }
        switch rng.below(1000) {
        case ..<920: order.set(.status, "completed")
        case ..<940: break
        case ..<960: order.set(.status, "pending")
        case ..<980: order.set(.status, "cancelled")
        case ..<985: order.set(.status, "Canceled")
        default: order.set(.status, "failed")
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
            if !rng.chance(1) {
                let upper = rng.chance(5)
                order.set(.subscriptionId, line: k) {
                    $0.appendGUID(high: subscription, low: RecordFactory.mix(subscription), uppercase: upper)
                }
            }
            let transaction = rng.below(100)
            if seatBased {
                switch transaction {
                case ..<40: order.set(.transactionType, line: k, "new")
                case ..<64: order.set(.transactionType, line: k, "renew")
                case ..<79: order.set(.transactionType, line: k, "addQuantity")
                case ..<87: order.set(.transactionType, line: k, "removeQuantity")
                case ..<91: order.set(.transactionType, line: k, "cancel")
                case ..<93: order.set(.transactionType, line: k, "convert")
                case ..<95: order.set(.transactionType, line: k, "Purchase")
                default: break
                }
            } else {
                order.set(.transactionType, line: k, transaction < 85 ? "new" : "renew")
            }
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
            }
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
        }
    }
}
