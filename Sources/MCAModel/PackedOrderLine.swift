import MCAStorage
/// The text fields of many order lines in one byte buffer: reading and evaluating an order line
/// (the largest file, millions of rows) makes no String until one is needed for a report.
public struct PackedText: Sendable {
    /// Where a field's UTF-8 bytes are in the buffer; `absent` for a field without a value.
    public struct Span: Sendable, Equatable {
        public var start: Int32
        public var count: Int32
        public static let absent = Span(start: 0, count: -1)
        public var isAbsent: Bool { count < 0 }

        /// The span's bytes within `buffer` (empty when absent).
        @inline(__always)
        public func bytes(in buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            guard count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(rebasing: buffer[Int(start)..<(Int(start) + Int(count))])
        }

        /// The span's text within `buffer`, `nil` when absent.
        public func string(in buffer: UnsafeRawBufferPointer) -> String? {
            guard !isAbsent else { return nil }
            return String(decoding: bytes(in: buffer).bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }

    public private(set) var bytes = GrowingBytes()

    public init() {}

    /// An empty buffer with room for `capacity` bytes.
    public init(capacity: Int) { bytes = GrowingBytes(capacity: capacity) }

    /// Appends a value (trimmed already; `nil` or empty: absent).
    public mutating func append(_ value: UnsafeRawBufferPointer?) -> Span {
        guard let value, !value.isEmpty else { return .absent }
        let start = bytes.count
        bytes.append(value)
        return Span(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: value.count))
    }

    public mutating func append(_ value: String?) -> Span {
        guard var value else { return .absent }
        return value.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with a span's bytes (empty when absent).
    public func withBytes<R>(_ span: Span, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(span.bytes(in: $0)) }
    }

    /// Drops what was appended after `count` bytes (a row that turned out to be rejected).
    public mutating func truncate(to count: Int) { bytes.truncate(to: count) }

    /// Empties the buffer for the next batch, keeping its storage.
    public mutating func removeAll() { bytes.removeAll() }

    /// A buffer past 1 GiB would overflow a span: the reader starts a new batch well before.
    public var isFull: Bool { bytes.count > 1 << 30 }
}

/// An order line whose text fields are spans into a `PackedText` (docs/inputs.md, "Field names").
public struct PackedOrderLine: Sendable {
    public var orderId: PackedText.Span
    public var customerId: PackedText.Span
    public var offerId: PackedText.Span
    public var offerName: PackedText.Span
    public var subscriptionId: PackedText.Span
    public var creationDate: DayDate
    public var status: OrderStatus
    public var lineItemNumber: Int
    public var quantity: Int
    public var billingType: BillingType
    public var transaction: TransactionType.Code
    /// The normalised text of an unlisted transaction type (`transaction == .other`), else absent.
    public var otherTransaction: PackedText.Span
    /// The indirect reseller on record; absent for none (`ResellerId.names`).
    public var resellerId: PackedText.Span

    public init(orderId: PackedText.Span, customerId: PackedText.Span, offerId: PackedText.Span,
                offerName: PackedText.Span, subscriptionId: PackedText.Span, creationDate: DayDate,
                status: OrderStatus, lineItemNumber: Int, quantity: Int, billingType: BillingType,
                transaction: TransactionType.Code, otherTransaction: PackedText.Span = .absent,
                resellerId: PackedText.Span = .absent) {
        self.resellerId = resellerId
        self.orderId = orderId
        self.customerId = customerId
        self.offerId = offerId
        self.offerName = offerName
        self.subscriptionId = subscriptionId
        self.creationDate = creationDate
        self.status = status
        self.lineItemNumber = lineItemNumber
        self.quantity = quantity
        self.billingType = billingType
        self.transaction = transaction
        self.otherTransaction = otherTransaction
    }

    /// Packs an order line's strings.
    public init(_ line: OrderLine, into text: inout PackedText) {
        self.init(orderId: text.append(line.orderId), customerId: text.append(line.customerId),
                  offerId: text.append(line.offerId), offerName: text.append(line.offerName),
                  subscriptionId: text.append(line.subscriptionId), creationDate: line.creationDate,
                  status: line.status, lineItemNumber: line.lineItemNumber, quantity: line.quantity,
                  billingType: line.billingType, transaction: line.transactionType.code,
                  otherTransaction: PackedOrderLine.other(line.transactionType, into: &text),
                  resellerId: text.append(line.resellerId))
    }

    /// Appends the text of an unlisted transaction type; absent for a listed one.
    public static func other(_ type: TransactionType, into text: inout PackedText) -> PackedText.Span {
        guard case .other(let key) = type else { return .absent }
        return text.append(key)
    }
}

/// A packed row (an order line, a customers or agreements row, a confirmation) with the bytes
/// its spans point into; valid while those bytes are.
public struct PackedView<Row> {
    public let row: Row
    public let text: UnsafeRawBufferPointer

    public init(row: Row, text: UnsafeRawBufferPointer) {
        self.row = row
        self.text = text
    }

    /// A field's bytes (empty when absent).
    @inline(__always)
    public func bytes(_ span: PackedText.Span) -> UnsafeRawBufferPointer { span.bytes(in: text) }

    /// A field's text, `nil` when absent.
    public func string(_ span: PackedText.Span) -> String? { span.string(in: text) }
}

public typealias OrderLineView = PackedView<PackedOrderLine>

extension PackedView where Row == PackedOrderLine {
    /// The line with its texts as Strings.
    public var unpacked: OrderLine {
        OrderLine(orderId: string(row.orderId) ?? "", customerId: string(row.customerId) ?? "",
                  creationDate: row.creationDate, status: row.status, lineItemNumber: row.lineItemNumber,
                  offerId: string(row.offerId), offerName: string(row.offerName),
                  subscriptionId: string(row.subscriptionId), quantity: row.quantity,
                  billingType: row.billingType, transactionType: transactionType, resellerId: string(row.resellerId))
    }

    /// The line's transaction type, with the text of an unlisted one.
    public var transactionType: TransactionType {
        TransactionType(code: row.transaction, otherKey: string(row.otherTransaction) ?? "")
    }
}
