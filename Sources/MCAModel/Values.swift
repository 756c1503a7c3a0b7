/// The kinds of input file (SPEC 2).
public enum InputKind: String, Sendable, Codable, CaseIterable {
    case customers, agreements, orders
}

/// The formats an input file can be in (SPEC 2).
public enum InputFormat: String, Sendable, Codable, CaseIterable {
    case csv, xml, json

    /// The format named by a path's extension, if it is one of ours.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: String(path[path.index(after: dot)...]).lowercased())
    }
}

/// The Microsoft cloud a customer lives in (SPEC 2.3).
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

/// An order's status (SPEC 2.1). Empty means completed.
public enum OrderStatus: String, Sendable, Codable {
    case completed, pending, cancelled, failed, unknown

    /// Any value not listed maps to `unknown`, which counts as a live order.
    public init(exportValue: String) { self.init(key: normalizedKey(exportValue)) }

    /// From a value already passed through `normalizedKey`.
    public init(key: String) {
        switch key {
        case "", "completed", "complete", "succeeded", "success", "active": self = .completed
        case "pending", "inprogress", "provisioning": self = .pending
        case "cancelled", "canceled": self = .cancelled
        case "failed", "failure": self = .failed
        default: self = .unknown
        }
    }

    /// Cancelled and failed orders never count (SPEC 3.4, 3.5).
    public var isLive: Bool { self != .cancelled && self != .failed }
}

/// Whether an order line is seat-based (SPEC 2.1).
public enum BillingType: String, Sendable, Codable {
    case license, usage, unknown

    public init(exportValue: String) { self.init(key: normalizedKey(exportValue)) }

    /// From a value already passed through `normalizedKey`.
    public init(key: String) {
        switch key {
        case "license", "licence", "licenses", "licences", "seat", "seats", "licensebased", "seatbased": self = .license
        case "usage", "consumption", "usagebased": self = .usage
        default: self = .unknown
        }
    }
}

/// What an order line does (SPEC 2.1). Empty means new; unlisted values are kept as `.other`.
public enum TransactionType: Hashable, Sendable {
    case new, renew, addQuantity, removeQuantity, cancel, convert
    case other(String)

    public init(exportValue: String) { self.init(key: normalizedKey(exportValue)) }

    /// From a value already passed through `normalizedKey`.
    public init(key: String) {
        switch key {
        case "", "new", "purchase": self = .new
        case "renew", "renewal", "autorenew": self = .renew
        case "addquantity": self = .addQuantity
        case "removequantity": self = .removeQuantity
        case "cancel", "cancellation": self = .cancel
        case "convert", "conversion", "upgrade": self = .convert
        case let other: self = .other(other)
        }
    }

    /// New orders and seat changes are what a missing confirmation blocks (SPEC 3.5).
    public var needsConfirmation: Bool {
        switch self {
        case .new, .addQuantity, .removeQuantity: return true
        default: return false
        }
    }
}
