import MCAEvaluate
import MCAModel
import Testing

private func d(_ s: String) -> DayDate { DayDate(iso: s)! }

/// Seats from a subscriptions export (README, "Impact"): the snapshot alone gives them.
@Suite struct SubscriptionSeatsTests {
    private func sub(_ id: String, _ qty: Int, customer: String = "C-1", billing: BillingType = .license,
                     status: SubscriptionStatus = .active, created: String? = nil) -> SubscriptionRow {
        SubscriptionRow(subscriptionId: id, customerId: customer, offerId: "OFFER-\(id)", quantity: qty, billingType: billing,
                        status: status, creationDate: created.map(d))
    }

    private func evaluator() -> Evaluator {
        let e = Evaluator(policy: .default, asOf: d("2022-03-31"), runDate: d("2022-04-04"), seatsSource: .subscriptions)
        #expect(e.add(CustomerRow(customerId: "C-1", companyName: "Fabrikam")) == nil)
        #expect(e.add(CustomerRow(customerId: "C-2", companyName: "Contoso")) == nil)
        return e
    }

    @Test func onlyLicenseBasedSubscriptionsHoldingSeatsAsOfTheDateCount() {
        let e = evaluator()
        let rows = [
            sub("s-active", 10), sub("s-suspended", 5, status: .suspended), sub("s-pending", 4, status: .pending, created: "2022-03-20"),
            sub("s-deleted", 3, status: .deleted), sub("s-expired", 7, status: .expired), sub("s-disabled", 2, status: .disabled),
            sub("s-none", 6, status: .none), sub("s-usage", 1, billing: .usage), sub("s-unknown-billing", 9, billing: .unknown),
            sub("s-later", 8, created: "2022-04-15"), sub("s-empty", 0), sub("S-on-the-day", 1, created: "2022-03-31"),
        ]
        for r in rows { #expect(e.add(r) == nil) }
        // Order lines play no part in seats now; they still make violations.
        #expect(e.add(OrderLine(orderId: "o-1", customerId: "c-1", creationDate: d("2022-02-01"), subscriptionId: "s-active",
                                quantity: 99, billingType: .license)) == nil)
        let (customers, violations, summary) = e.finishedInMemory()
        #expect(customers[0].subscriptions.map { "\($0.subscriptionId ?? "-"):\($0.seats)" } ==
            ["s-active:10", "S-on-the-day:1", "s-pending:4", "s-suspended:5"])
        #expect(customers[0].seatChanges == .blocked)
        #expect(customers[1].seatChanges == .none)
        #expect(summary.seatsAffected == 20)
        #expect(violations.map(\.orderId) == ["o-1"])
    }

    @Test func theFirstRowOfASubscriptionWinsAndAnUnknownCustomerIsRejected() {
        let e = evaluator()
        #expect(e.add(sub("s-1", 10)) == nil)
        // The same subscription id of another customer is another subscription.
        #expect(e.add(sub("s-1", 3, customer: "c-2")) == nil)
        let again = e.add(sub("S-1", 40, customer: "c-1"))
        #expect(again?.code == .duplicateSubscription)
        #expect(again?.message == "subscription 'S-1' of customer 'c-1' appears again; the first row is kept")
        // A repeat of a row that holds no seats is a repeat too.
        #expect(e.add(sub("s-2", 5, status: .deleted)) == nil)
        #expect(e.add(sub("s-2", 5))?.code == .duplicateSubscription)
        let unknown = e.add(sub("s-9", 1, customer: "nobody"))
        #expect(unknown == RowIssue(.unknownCustomer, "subscription 's-9' is for customer 'nobody', who is not in the customers export"))
        let (customers, _, _) = e.finishedInMemory()
        #expect(customers[0].subscriptions.map(\.seats) == [10])
        #expect(customers[1].subscriptions.map(\.seats) == [3])
    }

    @Test func withoutASubscriptionsExportACustomerCreditIsNoSeatLine() {
        let e = Evaluator(policy: .default, asOf: d("2022-03-31"), runDate: d("2022-04-04"))
        #expect(e.add(CustomerRow(customerId: "C-1", companyName: "Fabrikam")) == nil)
        for (date, qty, tx) in [("2022-02-01", 10, TransactionType.new), ("2022-03-02", 3, .customerCredit)] {
            #expect(e.add(OrderLine(orderId: "o-\(date)", customerId: "C-1", creationDate: d(date), subscriptionId: "s-1",
                                    quantity: qty, billingType: .license, transactionType: tx)) == nil)
        }
        #expect(e.orderLinesHaveBillingType)
        let (customers, _, _) = e.finishedInMemory()
        #expect(customers[0].subscriptions.map(\.seats) == [10])
    }
}
