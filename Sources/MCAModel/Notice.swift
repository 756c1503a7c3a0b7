/// Where a run's seat counts come from (README, "Impact").
public enum SeatsSource: String, Sendable, Codable {
    /// The subscriptions export: each subscription's quantity as it stands.
    case subscriptions
    /// No subscriptions export: each subscription's latest license-based order line (an approximation).
    case orderLines
}

/// Something a reader of the reports should know about the run as a whole (not one row): listed
/// once in report.json, summary.md, at the top of report.html and on stderr.
public struct Notice: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// No subscriptions export: seats are derived from order lines.
        case seatsFromOrderLines = "SEATS_FROM_ORDER_LINES"
        /// No subscriptions export and no order line says license or usage: no seat can be found.
        case noBillingType = "NO_BILLING_TYPE"
        /// Dates of a file's column could not be read but look like a layout `--date-format` would read.
        case dateLayoutHint = "DATE_LAYOUT_HINT"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
