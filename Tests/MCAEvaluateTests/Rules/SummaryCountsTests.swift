@testable import MCAEvaluate
import MCAModel
import Testing

/// `Rules/SummaryCounts.swift` against the README's description of report.json's summary.
@Suite struct SummaryCountsTests {
    @Test func blockedCountsAndSeatsAffected() {
        var counts = SummaryCounts()
        counts.count(OutcomeBrief(status: .unconfirmed, newOrders: .blocked, seatChanges: .blocked, seats: 10))
        counts.count(OutcomeBrief(status: .invalid, newOrders: .blockedAtCutover, seatChanges: .none, seats: 0))
        counts.count(OutcomeBrief(status: .confirmed, newOrders: .allowed, seatChanges: .allowed, seats: 25))
        counts.count(OutcomeBrief(status: .unconfirmed, newOrders: .blockedAtCutover, seatChanges: .blockedAtCutover, seats: 4))
        var summary = Summary()
        summary.blockedNewOrders = 1  // counts are added to what is there
        counts.add(to: &summary)
        #expect(summary.byStatus == [.unconfirmed: 2, .invalid: 1, .confirmed: 1])
        #expect(summary.blockedNewOrders == 4)
        #expect(summary.blockedSeatChanges == 2)
        #expect(summary.seatsAffected == 14)
    }
}
