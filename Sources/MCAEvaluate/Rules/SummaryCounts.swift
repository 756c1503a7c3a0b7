import MCAModel

/// The customer counts of report.json's `summary` (README, "Reports"): customers by status; those
/// blocked (now or at the cutover) from new orders; those blocked from seat changes, and the seats
/// of their seat-based subscriptions.
struct SummaryCounts {
    private static let statuses = CustomerStatus.allCases
    /// By position in `CustomerStatus.allCases`: a dictionary update per customer would cost a hash.
    private var byStatus = [Int](repeating: 0, count: SummaryCounts.statuses.count)
    private var blockedNewOrders = 0
    private var blockedSeatChanges = 0
    private var seatsAffected = 0

    mutating func count(_ customer: OutcomeBrief) {
        byStatus[SummaryCounts.statuses.firstIndex(of: customer.status)!] += 1
        if customer.newOrders.isBlocking { blockedNewOrders += 1 }
        if customer.seatChanges.isBlocking {
            blockedSeatChanges += 1
            seatsAffected += customer.seats
        }
    }

    /// Adds the counts to `summary`.
    func add(to summary: inout Summary) {
        for (k, status) in SummaryCounts.statuses.enumerated() where byStatus[k] > 0 { summary.byStatus[status, default: 0] += byStatus[k] }
        summary.blockedNewOrders += blockedNewOrders
        summary.blockedSeatChanges += blockedSeatChanges
        summary.seatsAffected += seatsAffected
    }
}
