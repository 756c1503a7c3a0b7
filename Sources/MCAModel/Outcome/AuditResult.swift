import MCAStorage

/// What one input file contributed (README, "Reports", manifest and report.json `inputs`).
public struct InputSummary: Sendable, Equatable {
    public var kind: InputKind
    public var path: String
    public var format: InputFormat
    public var sha256: String
    public var rowsRead: Int
    public var rowsAccepted: Int
    public var rowsRejected: Int
    public var warnings: Int

    public init(kind: InputKind, path: String, format: InputFormat, sha256: String = "", rowsRead: Int = 0,
                rowsAccepted: Int = 0, rowsRejected: Int = 0, warnings: Int = 0) {
        self.kind = kind
        self.path = path
        self.format = format
        self.sha256 = sha256
        self.rowsRead = rowsRead
        self.rowsAccepted = rowsAccepted
        self.rowsRejected = rowsRejected
        self.warnings = warnings
    }
}

/// The counts of report.json `summary` (README, "Reports").
public struct Summary: Sendable, Equatable {
    public var customers = 0
    public var byStatus: [CustomerStatus: Int] = [:]
    public var blockedNewOrders = 0
    public var blockedSeatChanges = 0
    public var seatsAffected = 0
    public var violations = 0
    public var rowsRejected = 0
    public var warnings = 0
    /// Agreement rows of another type, accepted and ignored (docs/inputs.md, "Data quality").
    public var otherAgreementTypes = 0
    /// Customers listed in `fetch-failures.csv` (`NOT_FETCHED`); `nil` unless the audit read a fetch (`--fetched`).
    public var notFetched: Int?

    public init() {}

    public func count(_ status: CustomerStatus) -> Int { byStatus[status, default: 0] }
}

/// Everything one audit found: the input of every report writer.
public struct AuditResult: Sendable {
    public var asOf: DayDate
    public var runDate: DayDate
    public var timeZone: String
    public var phase: Phase
    public var policy: Policy
    public var summary: Summary
    /// Sorted by customerId, compared case-insensitively.
    public var customers: CustomerOutcomes
    /// Sorted by customerId, creationDate, orderId, lineItemNumber (`Violation.spooledOrder`).
    public var violations: Spooled<Violation>
    /// Rejected rows and warnings, in input order.
    public var dataQuality: Spooled<Finding>
    public var inputs: [InputSummary]
    /// Where the seat counts come from.
    public var seatsSource: SeatsSource
    /// What a reader should know about the run as a whole (no subscriptions export, a date layout hint, …).
    public var notices: [Notice]
    /// What changed since the previous run; `nil` when the run keeps no history (`--no-history`).
    public var changes: RunChanges?
    /// This run and the runs before it, oldest first; `nil` when the run keeps no history.
    public var trend: [TrendPoint]?
    /// Each customer's resellers and the counts per reseller (`ResellerResults`).
    public var resellers: ResellerResults

    /// - Parameter resellers: `nil`: every customer is direct.
    public init(asOf: DayDate, runDate: DayDate, timeZone: String = "UTC", phase: Phase, policy: Policy,
                summary: Summary, customers: CustomerOutcomes, violations: Spooled<Violation>, dataQuality: Spooled<Finding>,
                inputs: [InputSummary], seatsSource: SeatsSource = .orderLines, notices: [Notice] = [],
                changes: RunChanges? = nil, trend: [TrendPoint]? = nil, resellers: ResellerResults? = nil) {
        self.resellers = resellers ?? ResellerResults(allDirect: customers, violations: violations.count)
        self.seatsSource = seatsSource
        self.notices = notices
        self.asOf = asOf
        self.runDate = runDate
        self.timeZone = timeZone
        self.phase = phase
        self.policy = policy
        self.summary = summary
        self.customers = customers
        self.violations = violations
        self.dataQuality = dataQuality
        self.inputs = inputs
        self.changes = changes
        self.trend = trend
    }
}
