/// The kinds of input file (docs/inputs.md).
public enum InputKind: String, Sendable, Codable, CaseIterable {
    /// In the order a run reads them: a customer's confirmations are all known before its order
    /// lines are judged, and its subscriptions before its seats are counted.
    case customers, agreements, subscriptions, orders
}

/// The formats an input file can be in (docs/inputs.md).
public enum InputFormat: String, Sendable, Codable, CaseIterable {
    case csv, xml, json

    /// The format named by a path's extension, if it is one of ours.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: String(path[path.index(after: dot)...]).lowercased())
    }
}

/// The Microsoft cloud a customer lives in (docs/inputs.md, "Clouds").
public enum Cloud: String, Sendable, Codable, CaseIterable {
    case `public`, germany, china, usgovernment

    private static let aliases: [String: Cloud] = [
        "": .public, "global": .public, "commercial": .public, "worldwide": .public,
        "azurecloud": .public, "public": .public,
        "germany": .germany, "microsoftcloudgermany": .germany, "azuregermancloud": .germany, "de": .germany,
        "china": .china, "21vianet": .china, "azurechinacloud": .china, "cn": .china,
        "usgovernment": .usgovernment, "usgov": .usgovernment, "gcc": .usgovernment,
        "gcchigh": .usgovernment, "dod": .usgovernment, "azureusgovernment": .usgovernment,
    ]

    /// The cloud for an export's value, or `nil` when the value is not recognised.
    public init?(exportValue: String) {
        guard let c = Cloud.aliases[normalizedKey(exportValue)] else { return nil }
        self = c
    }
}

/// An order's status (docs/inputs.md, "Field names"). Empty means completed.
public enum OrderStatus: String, Sendable, Codable {
    case completed, pending, cancelled, failed, unknown

    /// Any value not listed maps to `unknown`, which counts as a live order.
    public init(exportValue: String) { self.init(key: normalizedKey(exportValue)) }

    /// From a value already passed through `normalizedKey`.
    public init(key: String) { self = OrderStatus.spellings.value(of: key) ?? .unknown }

    /// From an export value's bytes, as `init(exportValue:)`, making no String.
    public init(exportBytes: UnsafeRawBufferPointer) { self = OrderStatus.recognized(exportBytes) ?? .unknown }

    /// The status an export value spells, or `nil` when it is outside the vocabulary (a warning).
    public static func recognized(_ bytes: UnsafeRawBufferPointer) -> OrderStatus? { spellings.value(of: bytes) }

    private static let spellings = KeySpellings<OrderStatus>([
        (.unknown, ["unknown"]),
        (.completed, ["", "completed", "complete", "succeeded", "success", "active"]),
        (.pending, ["pending", "inprogress", "provisioning"]),
        (.cancelled, ["cancelled", "canceled"]),
        (.failed, ["failed", "failure"]),
    ])

    /// Cancelled and failed orders never count (README, "Impact").
    public var isLive: Bool { self != .cancelled && self != .failed }
}

/// Whether an order line is seat-based (docs/inputs.md, "Field names").
public enum BillingType: String, Sendable, Codable {
    case license, usage, unknown

    public init(exportValue: String) { self.init(key: normalizedKey(exportValue)) }

    /// From a value already passed through `normalizedKey`.
    public init(key: String) { self = BillingType.spellings.value(of: key) ?? .unknown }

    /// From an export value's bytes, as `init(exportValue:)`, making no String.
    public init(exportBytes: UnsafeRawBufferPointer) { self = BillingType.spellings.value(of: exportBytes) ?? .unknown }

    private static let spellings = KeySpellings<BillingType>([
        (.license, ["license", "licence", "licenses", "licences", "seat", "seats", "licensebased", "seatbased"]),
        (.usage, ["usage", "consumption", "usagebased"]),
    ])
}

/// What an order line does: the transaction vocabulary of the README ("Transactions"). Empty
/// means new; a value outside the vocabulary is kept as `.other` (not affected by the rules,
/// counted for seats like a renewal) and warned about as UNRECOGNIZED_VALUE.
public enum TransactionType: Hashable, Sendable {
    case new, renew, addQuantity, removeQuantity, cancel, convert, customerCredit
    case other(String)

    public init(exportValue: String) { self.init(key: normalizedKey(exportValue)) }

    /// From a value already passed through `normalizedKey`.
    public init(key: String) { self = TransactionType.spellings.value(of: key) ?? .other(key) }

    /// From an export value's bytes, as `init(exportValue:)`; a String only for an unlisted value.
    public init(exportBytes: UnsafeRawBufferPointer) {
        self = TransactionType.spellings.value(of: exportBytes) ?? .other(normalizedKey(bytes: exportBytes))
    }

    /// Every spelling of each value, normalised: the REST Order resource's and the new-commerce
    /// reconciliation file's `ChargeType`, then the legacy license-based reconciliation file's
    /// charge phrases (`legacyChargePhrases`).
    public static let vocabulary: [(TransactionType, [String])] = [
        (.new, ["", "new"]),
        (.addQuantity, ["addquantity"]),
        (.removeQuantity, ["removequantity"]),
        (.renew, ["renew", "renewal", "cyclecharge"]),
        (.cancel, ["cancel", "cancelimmediate"]),
        (.convert, ["convert", "trialconversion"]),
        (.customerCredit, ["customercredit"]),
    ]

    /// The legacy license-based reconciliation file's `ChargeType` phrases, as written there, and
    /// the value each stands for; the README's table "Legacy charge types" lists them with their source.
    public static let legacyChargePhrases: [(phrase: String, value: TransactionType)] = [
        // A purchase: the first charge of a new subscription.
        ("Activation fee", .new),
        ("Purchase fee", .new),
        ("Prorate fees when purchase", .new),
        ("Prorate fees when activate", .new),
        // The subscription's periodic or renewal charge.
        ("Cycle fee", .renew),
        ("Renew fee", .renew),
        ("Prorate fee when renew", .renew),
        // Charged when the licence count changes: a seat change (its quantity is the new count).
        ("Cycle instance prorate", .addQuantity),
        // Refunds when the licence count changes or a line is offset: the change itself is the
        // charge beside them, so these are credits, neither affected nor a seat count.
        ("Cancel fee", .customerCredit),
        ("Cancel instance prorate", .customerCredit),
        ("Offset a line item", .customerCredit),
        // The subscription ends.
        ("Prorate fees when cancel", .cancel),
        // Converted to another offer or billing plan.
        ("Prorate fees when convert away from current offering", .convert),
        ("Prorate fees when convert to a new offering", .convert),
    ]

    private static let spellings = KeySpellings<TransactionType>(
        vocabulary + legacyChargePhrases.map { ($0.value, [normalizedKey($0.phrase)]) })

    /// The action as one byte, without an unlisted value's text: what a `PackedOrderLine` keeps,
    /// so that it holds no reference and millions of them copy as plain bytes.
    public enum Code: UInt8, Sendable {
        case new, renew, addQuantity, removeQuantity, cancel, convert, customerCredit, other

        /// New orders and seat changes are what a missing confirmation blocks (README, "Order violations").
        public var needsConfirmation: Bool {
            switch self {
            case .new, .addQuantity, .removeQuantity: return true
            default: return false
            }
        }
    }

    public var code: Code {
        switch self {
        case .new: .new
        case .renew: .renew
        case .addQuantity: .addQuantity
        case .removeQuantity: .removeQuantity
        case .cancel: .cancel
        case .convert: .convert
        case .customerCredit: .customerCredit
        case .other: .other
        }
    }

    /// The action of `code`; `otherKey` is the (normalised) text of an `.other` one.
    public init(code: Code, otherKey: @autoclosure () -> String) {
        switch code {
        case .new: self = .new
        case .renew: self = .renew
        case .addQuantity: self = .addQuantity
        case .removeQuantity: self = .removeQuantity
        case .cancel: self = .cancel
        case .convert: self = .convert
        case .customerCredit: self = .customerCredit
        case .other: self = .other(otherKey())
        }
    }

    /// New orders and seat changes are what a missing confirmation blocks (README, "Order violations").
    public var needsConfirmation: Bool { code.needsConfirmation }
}

/// A subscription's status in a subscriptions export (the Partner Center Subscription resource).
/// Empty means active; a value outside the vocabulary reads as active (its seats stay at risk)
/// and is warned about as UNRECOGNIZED_VALUE.
public enum SubscriptionStatus: String, Sendable, Codable, CaseIterable {
    case active, pending, suspended, expired, disabled, deleted, none

    /// The status an export value spells, or `nil` when it is outside the vocabulary.
    public static func recognized(_ bytes: UnsafeRawBufferPointer) -> SubscriptionStatus? { spellings.value(of: bytes) }

    private static let spellings = KeySpellings<SubscriptionStatus>(
        [(.active, ["", "active"])] + allCases.filter { $0 != .active }.map { ($0, [$0.rawValue]) })

    /// Active, pending and suspended subscriptions hold seats a block would freeze.
    public var holdsSeats: Bool { self == .active || self == .pending || self == .suspended }
}

/// The spellings an export may use for each value of a field, matched as `normalizedKey` compares
/// them (ASCII letters and digits, case ignored). Export values are matched from their bytes,
/// folded into two words, so the millions of order lines of a night make no String for them.
struct KeySpellings<Value: Sendable>: Sendable {
    /// A normalised key of at most 16 bytes, in two words.
    private struct Packed: Equatable, Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var count = 0

        /// `nil` when the normalised key is longer than 16 bytes (no spelling is).
        init?(_ bytes: UnsafeRawBufferPointer) {
            // The usual value ("completed", "License") is at most 16 letters and digits: folded
            // eight bytes at a time, with no branch per byte.
            if bytes.count <= 16, let low = Packed.plainWord(bytes, from: 0), let high = Packed.plainWord(bytes, from: 8) {
                self.low = low
                self.high = high
                count = bytes.count
                return
            }
            for c in bytes {
                let folded: UInt8
                switch c {
                case 0x30...0x39, 0x61...0x7A: folded = c
                case 0x41...0x5A: folded = c | 0x20
                default: continue
                }
                guard count < 16 else { return nil }
                if count < 8 { low |= UInt64(folded) << (8 * UInt64(count)) } else { high |= UInt64(folded) << (8 * UInt64(count - 8)) }
                count += 1
            }
        }

        /// `count` (1...8) bytes at `p` as a word, first byte lowest, zero above: two overlapping
        /// loads rather than a call to copy a few bytes.
        @inline(__always) private static func load(_ p: UnsafeRawPointer, count n: Int) -> UInt64 {
            func word<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, at i: Int) -> UInt64 {
                UInt64(T(littleEndian: (p + i).loadUnaligned(as: T.self)))
            }
            switch n {
            case 8: return word(UInt64.self, at: 0)
            case 4...7: return word(UInt32.self, at: 0) | word(UInt32.self, at: n - 4) << (8 * UInt64(n - 4))
            case 2...3: return word(UInt16.self, at: 0) | word(UInt16.self, at: n - 2) << (8 * UInt64(n - 2))
            default: return word(UInt8.self, at: 0)
            }
        }

        /// Up to eight bytes from `offset` as a word (first byte lowest, zero past the end), folded
        /// to lower case; `nil` unless every one of them is an ASCII letter or digit.
        @inline(__always) private static func plainWord(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> UInt64? {
            let n = min(max(bytes.count - offset, 0), 8)
            guard n > 0 else { return 0 }
            let w = Packed.load(bytes.baseAddress! + offset, count: n)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs = 0x80 &* ones
            // Each byte with its high bit set when it lies in lo...hi (bytes below 0x80; no carries).
            func within(_ x: UInt64, _ lo: UInt8, _ hi: UInt8) -> UInt64 {
                (x &+ (0x80 - UInt64(lo)) &* ones) & ~(x &+ (0x7F - UInt64(hi)) &* ones) & highs
            }
            let present: UInt64 = n == 8 ? ~0 : (UInt64(1) << (8 * UInt64(n))) &- 1  // the n bytes read
            let valid = present & highs
            guard w & valid == 0 else { return nil }  // a byte of 0x80 or more
            let folded = w | (within(w, 0x41, 0x5A) >> 2)  // A-Z to a-z
            guard (within(folded, 0x61, 0x7A) | within(folded, 0x30, 0x39)) & valid == valid else { return nil }
            return folded & present
        }
    }
    private let table: [(key: Packed, value: Value)]
    /// Spellings longer than 16 letters and digits (the legacy charge phrases): looked up as Strings.
    private let long: [String: Value]

    init(_ values: [(Value, [String])]) {
        var table: [(key: Packed, value: Value)] = [], long: [String: Value] = [:]
        for (value, spellings) in values {
            for spelling in spellings {
                precondition(normalizedKey(spelling) == spelling, "spelling '\(spelling)' is not a normalised key")
                var s = spelling
                if let key = s.withUTF8({ Packed(UnsafeRawBufferPointer($0)) }) {
                    table.append((key, value))
                } else {
                    long[spelling] = value
                }
            }
        }
        self.table = table
        self.long = long
    }

    /// The value of an export value's bytes, `nil` when none of the spellings.
    func value(of bytes: UnsafeRawBufferPointer) -> Value? {
        guard let key = Packed(bytes) else { return long.isEmpty ? nil : long[normalizedKey(bytes: bytes)] }
        return table.first { $0.key == key }?.value
    }

    /// The value of a key already passed through `normalizedKey`.
    func value(of key: String) -> Value? {
        var key = key
        return key.withUTF8 { value(of: UnsafeRawBufferPointer($0)) }
    }
}
