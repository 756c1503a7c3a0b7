/// What an order and its line items are, beyond the text `OrderRows` writes: the subscription
/// ledger and the reconciliation layout read it, so neither has to parse what was written.
struct OrderFacts {
    enum Status {
        case completed, pending, cancelled, failed

        /// Cancelled and failed orders change no subscription (README, "Impact").
        var isLive: Bool { self == .completed || self == .pending }
    }

    /// The customer's index, or `nil` for a customer no customers row has (`unknownCustomer` then
    /// numbers it, as `RecordFactory.appendUnknownCustomerId` does).
    var customer: Int?
    var unknownCustomer = 0
    /// Whether the order id was written (a few orders lack one on purpose).
    var hasOrderId = true
    /// The order id's value: it is written as 16 lower-case hex digits, so comparing the values
    /// compares the ids as text.
    var orderKey: UInt64 = 0
    /// The creation date written, in seconds since 1970-01-01 UTC; `nil` when it is unreadable.
    var instant: Int?
    var status = Status.completed
    /// One entry per line item, in line order.
    var lines: [LineFacts] = []

    /// The UTC day of `instant`, in days since 1970-01-01.
    var day: Int? { instant.map { $0 >= 0 ? $0 / 86_400 : ($0 - 86_399) / 86_400 } }
}

/// One line item of an order.
struct LineFacts {
    /// Which of its customer's subscriptions the line is about (`RecordFactory.subscriptionCount`).
    var slot: Int
    /// The subscription's identity hash (its id is written from it).
    var subscription: UInt64
    /// Index into `Vocabulary.offers`.
    var offer: Int
    var action: LineAction
    /// The quantity written, or `nil` when an invalid quantity was written instead.
    var quantity: Int?
    /// Whether the subscription id was written (a few lines lack one on purpose).
    var hasSubscriptionId: Bool
}

/// What a line item does, as the generator decided it (before it is spelled for a layout).
enum LineAction {
    case new, renew, addQuantity, removeQuantity, cancel, convert
    /// Written `New`, as the REST Order resource spells a line that buys.
    case purchase
    /// Written without a transaction type (which reads as `new`).
    case unspecified

    /// A cancellation ends the subscription: its seats drop to 0 (README, "Impact").
    var endsSubscription: Bool { self == .cancel }
}
