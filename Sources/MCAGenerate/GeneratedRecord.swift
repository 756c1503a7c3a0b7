/// Every field a generated export carries, across the four kinds (the fields of the README's
/// "Inputs" that the generator fills, and a few more that only the REST Subscription resource has).
enum Column: Int, CaseIterable {
    case customerId, companyName, domain, cloud
    case firstName, lastName, email, phoneNumber, dateAgreed, agreementType, templateId, recordedByRole
    case orderId, creationDate, status
    case lineItemNumber, offerId, offerName, subscriptionId, quantity, billingType, transactionType
    /// The Subscription resource's own members (JSON only): `unitType`, `effectiveStartDate`,
    /// `commitmentEndDate`, `autoRenewEnabled`, `billingCycle`.
    case unitType, effectiveStartDate, commitmentEndDate, autoRenewEnabled, billingCycle
    /// The reseller on record: an order line's `partnerIdOnRecord`, a subscription's `partnerId`
    /// (an MPN ID, or `-1`/`0` for none).
    case resellerId

    /// Whether the generator only ever puts letters, digits and `-+:./` (and inner spaces) in this
    /// field, so no format needs to escape or quote it and the writers skip the scan. A debug
    /// build checks it for every value written.
    var isPlain: Bool {
        switch self {
        case .customerId, .orderId, .creationDate, .status, .lineItemNumber, .offerId, .subscriptionId, .quantity,
             .billingType, .transactionType, .agreementType, .templateId, .unitType, .effectiveStartDate,
             .commitmentEndDate, .autoRenewEnabled, .billingCycle, .resellerId:
            true
        default:
            false
        }
    }
}

/// No byte a format would escape or quote: `,` `"` `&` `<` `>` `\`, control characters, or a
/// leading or trailing space.
func isPlainText(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
    if v.first == 32 || v.last == 32 { return false }
    return !v.contains { $0 < 32 || $0 == 44 || $0 == 34 || $0 == 38 || $0 == 60 || $0 == 62 || $0 == 92 }
}

/// One generated record: its field values as raw (unescaped) UTF-8 in one reusable arena.
///
/// The generator fills a record, a format renders it, and the record is cleared for the next
/// one, so once the arena has grown no record costs an allocation. A field that was never set is
/// absent: XML and JSON omit it, CSV leaves its column empty.
///
/// An order is one record too: its own fields (`line` -1) and those of its line items
/// (`line` 0, 1, 2) live in the same arena, so rendering an order copies no record.
struct GeneratedRecord {
    static let maxLines = 3
    private static let columns = Column.allCases.count

    private(set) var bytes: [UInt8] = []
    /// Start and end of each field of each part (the record, then each line item); start -1: absent.
    private var spans = [Int](repeating: -1, count: 2 * columns * (1 + maxLines))
    /// Line items of an order (0 for customers and agreements).
    private(set) var lineCount = 0

    init() { bytes.reserveCapacity(1024) }

    mutating func clear(lineCount n: Int = 0) {
        bytes.removeAll(keepingCapacity: true)
        let used = 2 * Self.columns * (1 + max(n, lineCount))
        spans.withUnsafeMutableBufferPointer { s in
            var i = 0
            while i < used {
                s[i] = -1
                i += 2
            }
        }
        lineCount = n
    }

    @inline(__always)
    private static func slot(_ column: Column, _ line: Int) -> Int { 2 * ((line + 1) * columns + column.rawValue) }

    /// Sets a field (of line item `line`, or of the record itself) to the bytes `build` appends.
    @inline(__always)
    mutating func set(_ column: Column, line: Int = -1, _ build: (inout [UInt8]) -> Void) {
        let start = bytes.count
        build(&bytes)
        let i = Self.slot(column, line)
        spans[i] = start
        spans[i + 1] = bytes.count
    }

    mutating func set(_ column: Column, line: Int = -1, _ value: [UInt8]) {
        value.withUnsafeBufferPointer { v in set(column, line: line) { $0.append(contentsOf: v) } }
    }

    mutating func set(_ column: Column, line: Int = -1, _ value: StaticString) {
        set(column, line: line) { $0.appendASCII(value) }
    }

    @inline(__always)
    func has(_ column: Column, line: Int = -1) -> Bool { spans[Self.slot(column, line)] >= 0 }

    /// The byte range of a field in `bytes`, or `nil` when it is absent.
    @inline(__always)
    func range(_ column: Column, line: Int = -1) -> Range<Int>? {
        let i = Self.slot(column, line)
        let s = spans[i]
        return s < 0 ? nil : s..<spans[i + 1]
    }

    /// Calls `body` with the field's bytes; nothing when the field is absent.
    @inline(__always)
    func withValue(_ column: Column, line: Int = -1, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let range = range(column, line: line) else { return }
        bytes.withUnsafeBufferPointer { all in
            let v = UnsafeBufferPointer(rebasing: all[range])
            assert(!column.isPlain || isPlainText(v), "\(column) is declared plain but holds '\(String(decoding: v, as: UTF8.self))'")
            body(v)
        }
    }
}
