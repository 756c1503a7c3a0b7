/// What the run history keeps of one customer in one run, and what `changes` compares.
public struct CustomerSnapshot: Sendable, Equatable {
    public var status: CustomerStatus
    /// As in `CustomerOutcome.reasons`.
    public var reasons: [String]
    public var newOrders: Impact
    public var seatChanges: Impact
    /// Total seats of the seat-based subscriptions.
    public var seats: Int
    /// Order lines of this customer that are violations (README, "Impact").
    public var violations: Int

    public init(status: CustomerStatus, reasons: [String], newOrders: Impact, seatChanges: Impact,
                seats: Int, violations: Int) {
        self.status = status
        self.reasons = reasons
        self.newOrders = newOrders
        self.seatChanges = seatChanges
        self.seats = seats
        self.violations = violations
    }

    /// 0 allowed (or no seats), 1 blocked at the cutover, 2 blocked: the worse of newOrders and seatChanges.
    public var blockLevel: Int {
        func level(_ impact: Impact) -> Int {
            switch impact {
            case .allowed, .none: return 0
            case .blockedAtCutover: return 1
            case .blocked: return 2
            }
        }
        return max(level(newOrders), level(seatChanges))
    }
}

/// One customer in a list of `RunChanges`: its state in the previous run and in this one.
public struct CustomerChange: Sendable, Equatable {
    public var customerId: String
    public var companyName: String
    /// `nil` when the customer was not in the previous run.
    public var before: CustomerSnapshot?
    public var after: CustomerSnapshot

    public init(customerId: String, companyName: String, before: CustomerSnapshot?, after: CustomerSnapshot) {
        self.customerId = customerId
        self.companyName = companyName
        self.before = before
        self.after = after
    }
}

/// What changed since the previous complete run with an earlier as-of date (report.json `changes`).
///
/// A customer may be in several lists (a blocked customer that confirms is newly confirmed and
/// resolved). Customers that left the export are in no list. Each list is in customer order.
public struct RunChanges: Sendable, Equatable {
    /// The as-of date of the run compared against; `nil` when there is none (every list is then empty).
    public var previousAsOf: DayDate?
    public var previousRunDate: DayDate?
    /// Blocked now at a worse level than before: allowed → blocked at the cutover or blocked, or
    /// blocked at the cutover → blocked (newOrders or seatChanges); includes new customers that are blocked.
    public var newlyBlocked: [CustomerChange]
    /// CONFIRMED now and not before (including new customers).
    public var newlyConfirmed: [CustomerChange]
    /// INVALID now and not before (including new customers).
    public var newlyInvalid: [CustomerChange]
    /// Blocked (or blocked at the cutover) before, neither now.
    public var resolved: [CustomerChange]
    /// More order-line violations now than before (before: 0 for a new customer).
    public var newViolations: [CustomerChange]

    public init(previousAsOf: DayDate? = nil, previousRunDate: DayDate? = nil, newlyBlocked: [CustomerChange] = [],
                newlyConfirmed: [CustomerChange] = [], newlyInvalid: [CustomerChange] = [],
                resolved: [CustomerChange] = [], newViolations: [CustomerChange] = []) {
        self.previousAsOf = previousAsOf
        self.previousRunDate = previousRunDate
        self.newlyBlocked = newlyBlocked
        self.newlyConfirmed = newlyConfirmed
        self.newlyInvalid = newlyInvalid
        self.resolved = resolved
        self.newViolations = newViolations
    }

    /// The lists with their report.json key, in report order.
    public var lists: [(name: String, changes: [CustomerChange])] {
        [("newlyBlocked", newlyBlocked), ("newlyConfirmed", newlyConfirmed), ("newlyInvalid", newlyInvalid),
         ("resolved", resolved), ("newViolations", newViolations)]
    }

    /// Whether every list is empty.
    public var isEmpty: Bool { lists.allSatisfy { $0.changes.isEmpty } }
}

/// The counts of one run, one point of report.json `trend`.
public struct TrendPoint: Sendable, Equatable {
    public var asOf: DayDate
    public var runDate: DayDate
    public var summary: Summary

    public init(asOf: DayDate, runDate: DayDate, summary: Summary) {
        self.asOf = asOf
        self.runDate = runDate
        self.summary = summary
    }
}
