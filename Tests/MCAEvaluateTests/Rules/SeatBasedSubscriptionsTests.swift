@testable import MCAEvaluate
import MCAModel
import Testing

/// `Rules/SeatBasedSubscriptions.swift` against the README's Impact section (seat-based subscriptions).
@Suite struct SeatBasedSubscriptionsTests {
    private func d(_ s: String) -> DayDate { DayDate(iso: s)! }
    private let asOf = DayDate(iso: "2018-11-30")!

    private func seats(_ row: SubscriptionRow) -> Int {
        var text = PackedText()
        return SeatRules.seats(of: PackedSubscriptionRow(row, into: &text), asOf: asOf)
    }

    private func isSeatLine(_ line: OrderLine) -> Bool {
        var text = PackedText()
        return SeatRules.isSeatLine(PackedOrderLine(line, into: &text), asOf: asOf)
    }

    private func subscription(billing: BillingType = .license, status: SubscriptionStatus = .active, created: String? = "2018-10-01",
                              quantity: Int = 7) -> SubscriptionRow {
        SubscriptionRow(subscriptionId: "S-1", customerId: "C-1", offerId: "O", offerName: nil, quantity: quantity, billingType: billing,
                        status: status, creationDate: created.map { d($0) })
    }

    private func line(billing: BillingType = .license, status: OrderStatus = .completed, created: String = "2018-10-01",
                      tx: TransactionType = .new) -> OrderLine {
        OrderLine(orderId: "o1", customerId: "C-1", creationDate: d(created), status: status, lineItemNumber: 0, offerId: "O",
                  subscriptionId: "S-1", quantity: 3, billingType: billing, transactionType: tx)
    }

    @Test func aSubscriptionsRowHoldsItsQuantityWhenLicenseBasedLiveAndNotFuture() {
        #expect(seats(subscription()) == 7)
        #expect(seats(subscription(created: nil)) == 7)
        #expect(seats(subscription(status: .suspended)) == 7)
        #expect(seats(subscription(status: .pending)) == 7)
        #expect(seats(subscription(billing: .usage)) == 0)
        #expect(seats(subscription(status: .deleted)) == 0)
        #expect(seats(subscription(status: .expired)) == 0)
        #expect(seats(subscription(created: "2018-12-01")) == 0)
    }

    @Test func aSeatLineIsLicenseBasedLiveNotFutureAndNotACredit() {
        #expect(isSeatLine(line()))
        #expect(isSeatLine(line(created: "2018-11-30")))
        #expect(!isSeatLine(line(created: "2018-12-01")))
        #expect(!isSeatLine(line(billing: .usage)))
        #expect(!isSeatLine(line(status: .cancelled)))
        #expect(!isSeatLine(line(tx: .customerCredit)))
        #expect(isSeatLine(line(tx: .cancel)))
    }

    @Test func theLatestLineWinsByDateThenOrderIdThenLineItemThenInputOrder() {
        func replaces(_ created: String, _ item: Int, orderIdOrder: Int) -> Bool {
            SeatRules.replacesLatest(created: d(created), lineItem: item, latestCreated: d("2018-10-10"), latestLineItem: 2,
                                     orderIdOrder: { orderIdOrder })
        }
        #expect(replaces("2018-10-11", 0, orderIdOrder: -1))
        #expect(!replaces("2018-10-09", 9, orderIdOrder: 1))
        #expect(replaces("2018-10-10", 0, orderIdOrder: 1))
        #expect(!replaces("2018-10-10", 9, orderIdOrder: -1))
        #expect(replaces("2018-10-10", 3, orderIdOrder: 0))
        #expect(replaces("2018-10-10", 2, orderIdOrder: 0))
        #expect(!replaces("2018-10-10", 1, orderIdOrder: 0))
    }

    @Test func aCancellationHoldsNoSeats() {
        #expect(SeatRules.seatsHeld(quantity: 5, cancelled: false) == 5)
        #expect(SeatRules.seatsHeld(quantity: 5, cancelled: true) == 0)
    }
}
