/// Every subscription the generated order lines create, and what the latest of its lines says:
/// the subscriptions export is written from it once the orders are written, so the snapshot
/// agrees with the orders without holding any order line.
///
/// One fixed-size entry per (customer, subscription slot): memory grows with the number of
/// customers (16 bytes × 6 slots each, 96 MB for a million customers), never with the number of
/// order lines.
///
/// A line counts as the README's "Impact" counts seats from order lines: only accepted lines
/// (a known customer, an order id, a readable date, a valid quantity, a subscription id) of
/// orders that are not cancelled or failed. A subscription's seats are the quantity of its latest
/// line (by UTC day, then order id, then line number; a cancellation sets 0), and it was created
/// on the day of its first line.
struct SubscriptionLedger {
    /// The most subscriptions a customer's orders draw from (`RecordFactory.subscriptionCount`).
    static let slotsPerCustomer = 6

    struct Entry {
        /// The latest line's order id value, day and line number (the order of the README's "Impact").
        var orderKey: UInt64 = 0
        /// Days since 1970-01-01 (UTC) of the first and of the latest line; 0: no line yet.
        var firstDay: UInt16 = 0
        var latestDay: UInt16 = 0
        /// The latest line's quantity (0 when it cancelled the subscription).
        var quantity: UInt16 = 0
        var line: UInt8 = 0
        var flags: UInt8 = 0

        static let live: UInt8 = 1
        static let cancelled: UInt8 = 2

        /// Whether any line created or changed the subscription.
        var exists: Bool { firstDay != 0 }
        /// Whether a line of an order that is not pending touched it (else it is still pending).
        var hasLiveLine: Bool { flags & Entry.live != 0 }
        /// Whether its latest line cancelled it.
        var isCancelled: Bool { flags & Entry.cancelled != 0 }
    }

    let customerCount: Int
    private var entries: [Entry]

    init(customerCount: Int) {
        self.customerCount = customerCount
        entries = Array(repeating: Entry(), count: customerCount * Self.slotsPerCustomer)
    }

    /// The entry of a customer's subscription slot.
    func entry(customer: Int, slot: Int) -> Entry { entries[customer * Self.slotsPerCustomer + slot] }

    /// Takes in the lines of one order.
    mutating func record(_ order: OrderFacts) {
        guard let customer = order.customer, order.hasOrderId, order.status.isLive, let day = order.day else { return }
        let day16 = UInt16(clamping: day)
        for (k, line) in order.lines.enumerated() where line.hasSubscriptionId {
            guard let quantity = line.quantity else { continue }
            let i = customer * Self.slotsPerCustomer + line.slot
            var e = entries[i]
            if !e.exists || day16 < e.firstDay { e.firstDay = day16 }
            if order.status != .pending { e.flags |= Entry.live }
            let later = e.latestDay == 0 || (day16, order.orderKey, UInt8(k)) > (e.latestDay, e.orderKey, e.line)
            if later {
                e.latestDay = day16
                e.orderKey = order.orderKey
                e.line = UInt8(k)
                let cancelled = line.action.endsSubscription
                e.quantity = cancelled ? 0 : UInt16(clamping: quantity)
                e.flags = cancelled ? e.flags | Entry.cancelled : e.flags & ~Entry.cancelled
            }
            entries[i] = e
        }
    }
}
