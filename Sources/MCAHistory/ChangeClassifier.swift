import MCAModel

extension RunChanges {
    /// Files one customer into every list whose definition it meets (see `RunChanges`); a customer
    /// whose state did not change in any way that matters is in none.
    public mutating func record(_ change: CustomerChange) {
        let before = change.before
        let after = change.after
        if after.blockLevel > (before?.blockLevel ?? 0) { newlyBlocked.append(change) }
        if after.status == .confirmed, before?.status != .confirmed { newlyConfirmed.append(change) }
        if after.status == .invalid, before?.status != .invalid { newlyInvalid.append(change) }
        if let before, before.blockLevel > 0, after.blockLevel == 0 { resolved.append(change) }
        if after.violations > (before?.violations ?? 0) { newViolations.append(change) }
    }

    /// Puts every list in the order of report.json `customers` (customer id, ASCII case ignored).
    public mutating func sortInCustomerOrder() {
        func sorted(_ list: [CustomerChange]) -> [CustomerChange] {
            // Byte order of the keys, as the evaluation sorts customers; ties (ids differing only in case) by id.
            list.map { (key: Array(customerKey($0.customerId).utf8), change: $0) }
                .sorted { a, b in
                    a.key != b.key ? a.key.lexicographicallyPrecedes(b.key)
                        : Array(a.change.customerId.utf8).lexicographicallyPrecedes(Array(b.change.customerId.utf8))
                }
                .map(\.change)
        }
        newlyBlocked = sorted(newlyBlocked)
        newlyConfirmed = sorted(newlyConfirmed)
        newlyInvalid = sorted(newlyInvalid)
        resolved = sorted(resolved)
        newViolations = sorted(newViolations)
    }
}

extension CustomerSnapshot {
    /// The state of an evaluated customer with its number of order-line violations.
    public init(_ outcome: CustomerOutcome, violations: Int) {
        self.init(status: outcome.status, reasons: outcome.reasons, newOrders: outcome.newOrders,
                  seatChanges: outcome.seatChanges, seats: outcome.seats, violations: violations)
    }
}
