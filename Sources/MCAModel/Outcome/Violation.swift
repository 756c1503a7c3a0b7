import MCAStorage

/// An order line that broke the rules (README, "Impact").
public struct Violation: Sendable, Equatable {
    public static let code = "ORDER_WITHOUT_CONFIRMATION"
    public var customerId: String
    public var orderId: String
    public var lineItemNumber: Int
    public var creationDate: DayDate
    public var subscriptionId: String?
    public var offerId: String?
    public var quantity: Int
    /// The reseller the line itself names (as the reseller table spells it); `nil` when it names none.
    public var resellerId: String?

    public init(customerId: String, orderId: String, lineItemNumber: Int, creationDate: DayDate,
                subscriptionId: String? = nil, offerId: String? = nil, quantity: Int = 0, resellerId: String? = nil) {
        self.resellerId = resellerId
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
        bytes.spool(resellerId)
    }

    public init(unspooling reader: inout SpoolReader) throws {
        self.init(customerId: try reader.requiredString(), orderId: try reader.requiredString(), lineItemNumber: try reader.int(),
                  creationDate: DayDate(daysSinceEpoch: try reader.int()), subscriptionId: try reader.string(),
                  offerId: try reader.string(), quantity: try reader.int(), resellerId: try reader.string())
    }

    /// The reports' order, on spooled rows: by customer (as the customers are, their ids compared
    /// with A–Z folded to a–z), then creation date, order id and line item number. Rows whose
    /// `spooledKey`s differ are in the order of their keys.
    package static func spooledOrder(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let a = SpooledSortFields(x), b = SpooledSortFields(y)
        if !a.customerId.elementsEqual(b.customerId) { return TextOrder.foldedBefore(a.customerId, b.customerId) }
        if a.creationDate != b.creationDate { return a.creationDate < b.creationDate }
        if !a.orderId.elementsEqual(b.orderId) {
            let order = TextOrder.compare(a.orderId, b.orderId)
            if order != 0 { return order < 0 }
        }
        return a.lineItemNumber < b.lineItemNumber
    }

    /// The first eight folded bytes of a spooled row's customer id (`TextOrder.foldedPrefix`).
    package static func spooledKey(_ row: UnsafeRawBufferPointer) -> UInt64 { TextOrder.foldedPrefix(SpooledSortFields(row).customerId) }
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
