import Foundation
import MCAEvaluate
import MCAModel
import Testing

private func d(_ s: String) -> DayDate { DayDate(iso: s)! }

/// The rules of the results by reseller (ResellerTally.swift), on plain values.
@Suite struct ResellerTallyTests {
    @Test func aCustomersResellersAreDistinctAndSorted() {
        #expect(ResellerTally.customerResellers([3, 1, 3, 1, 2]) == [1, 2, 3])
        #expect(ResellerTally.customerResellers([Int32]()).isEmpty)
    }

    @Test func aViolationCountsForItsOwnLinesResellerElseItsCustomers() {
        #expect(ResellerTally.creditedResellers(line: 2, customer: [1, 2]) == [2])
        #expect(ResellerTally.creditedResellers(line: nil, customer: [1, 2]) == [1, 2])
        #expect(ResellerTally.creditedResellers(line: nil, customer: [Int32]()).isEmpty)
    }

    @Test func aCustomerWithTwoResellersCountsWithAllItsSeatsForBoth() {
        var counts = [ResellerCounts(resellerId: "A"), ResellerCounts(resellerId: "B"), ResellerCounts(resellerId: "direct")]
        let blocked = OutcomeBrief(status: .invalid, newOrders: .blocked, seatChanges: .blocked, seats: 12)
        ResellerTally.count(blocked, resellers: [0, 1], direct: 2, into: &counts)
        let confirmed = OutcomeBrief(status: .confirmed, newOrders: .allowed, seatChanges: .allowed, seats: 7)
        ResellerTally.count(confirmed, resellers: [Int32](), direct: 2, into: &counts)
        ResellerTally.countViolations(2, line: nil, customer: [0, 1], direct: 2, into: &counts)
        ResellerTally.countViolations(1, line: 1, customer: [0, 1], direct: 2, into: &counts)
        #expect(counts[0] == ResellerCounts(resellerId: "A", customers: 1, invalid: 1, blockedNewOrders: 1, blockedSeatChanges: 1,
                                            seatsAffected: 12, violations: 2))
        #expect(counts[1] == ResellerCounts(resellerId: "B", customers: 1, invalid: 1, blockedNewOrders: 1, blockedSeatChanges: 1,
                                            seatsAffected: 12, violations: 3))
        #expect(counts[2] == ResellerCounts(resellerId: "direct", customers: 1))
    }

    @Test(arguments: [
        ("4812345", "", true), ("-1", "", false), ("0", "", false), ("", "", false), ("00", "", true),
        ("1234567", "1234567", false), ("ABC-9", "abc-9", false), ("4812345", "1234567", true),
    ])
    func whatNamesAReseller(id: String, ownMpnId: String, names: Bool) {
        #expect(ResellerId.names(id, ownMpnId: ownMpnId) == names)
    }
}

/// The evaluator's resellers: every accepted row counts, ids compare case-insensitively, and the
/// counts per reseller are exact.
@Suite struct EvaluatorResellerTests {
    func line(_ customer: String, _ order: String, _ date: String, reseller: String?, sub: String = "s", qty: Int = 5,
              status: OrderStatus = .completed, tx: TransactionType = .new) -> OrderLine {
        OrderLine(orderId: order, customerId: customer, creationDate: d(date), status: status, offerId: "OFFER",
                  subscriptionId: customer + sub, quantity: qty, billingType: .license, transactionType: tx, resellerId: reseller)
    }

    @Test func countsPerResellerWithTwoResellersOwnLineResellersAndDirectCustomers() throws {
        let e = Evaluator(policy: .default, asOf: d("2018-11-30"), runDate: d("2018-12-01"))
        for id in ["C1", "C2", "C3", "C4"] { #expect(e.add(CustomerRow(customerId: id, companyName: "Co " + id)) == nil) }
        // C4 is confirmed; the others are not.
        let valid = ConfirmationRecord(firstName: "Jane", lastName: "Doe", email: "jane@contoso.com", dateAgreed: .date(d("2018-09-01")))
        #expect(e.add(AgreementRow(customerId: "C4", record: valid)) == nil)
        // C1: two resellers ("R-1" also spelled "r-1"); a violation naming R-2 and one naming none.
        #expect(e.add(line("C1", "o1", "2018-06-01", reseller: "R-1", qty: 10)) == nil)
        #expect(e.add(line("C1", "o2", "2018-11-10", reseller: "R-2", sub: "t", qty: 3)) == nil)
        #expect(e.add(line("C1", "o3", "2018-11-12", reseller: nil, sub: "u", qty: 2)) == nil)
        #expect(e.add(line("C1", "o4", "2018-01-01", reseller: "r-1", status: .cancelled)) == nil)
        // C2: direct, one violation.
        #expect(e.add(line("C2", "o5", "2018-11-15", reseller: nil, qty: 4)) == nil)
        // C3: R-2 only through an order line dated after the as-of date (whatever their dates).
        #expect(e.add(line("C3", "o6", "2018-12-20", reseller: "R-2", qty: 6)) == nil)
        // C4: R-1, confirmed: no violation.
        #expect(e.add(line("C4", "o7", "2018-11-20", reseller: "R-1", qty: 8)) == nil)
        // A line of an unknown customer is rejected and names no reseller.
        #expect(e.add(line("C9", "o8", "2018-11-20", reseller: "R-9")) != nil)
        let (customers, violations, _) = e.finishedInMemory()
        let resellers = try #require(e.resellers)

        #expect(resellers.ids == ["R-1", "R-2"])
        #expect(customers.indices.map { resellers.resellerIds(at: $0) } == [["R-1", "R-2"], [], ["R-2"], ["R-1"]])
        #expect(violations.map { "\($0.orderId):\($0.resellerId ?? "-")" } == ["o2:R-2", "o3:-", "o5:-"])
        #expect(resellers.rows == [
            // C1 (blocked, 10 + 3 + 2 seats) and C4 (confirmed, 8 seats); o3 (no reseller of its own).
            ResellerCounts(resellerId: "R-1", customers: 2, unconfirmed: 1, blockedNewOrders: 1, blockedSeatChanges: 1,
                           seatsAffected: 15, violations: 1),
            // C1 and C3 (no seats as of the as-of date: new orders blocked only); o2 and o3.
            ResellerCounts(resellerId: "R-2", customers: 2, unconfirmed: 2, blockedNewOrders: 2, blockedSeatChanges: 1,
                           seatsAffected: 15, violations: 2),
            ResellerCounts(resellerId: "direct", customers: 1, unconfirmed: 1, blockedNewOrders: 1, blockedSeatChanges: 1,
                           seatsAffected: 4, violations: 1),
        ])
    }

    @Test func subscriptionsRowsNameResellersToo() throws {
        let e = Evaluator(policy: .default, asOf: d("2018-11-30"), runDate: d("2018-12-01"), seatsSource: .subscriptions)
        #expect(e.add(CustomerRow(customerId: "C1", companyName: "One")) == nil)
        #expect(e.add(CustomerRow(customerId: "C2", companyName: "Two")) == nil)
        #expect(e.add(SubscriptionRow(subscriptionId: "s1", customerId: "C1", quantity: 3, status: .deleted, resellerId: "4812345")) == nil)
        // The repeated row is rejected: its reseller does not count.
        #expect(e.add(SubscriptionRow(subscriptionId: "s1", customerId: "c1", quantity: 3, resellerId: "999")) != nil)
        #expect(e.add(SubscriptionRow(subscriptionId: "s2", customerId: "C2", quantity: 4)) == nil)
        let (customers, _, _) = e.finishedInMemory()
        let resellers = try #require(e.resellers)
        #expect(customers.indices.map { resellers.resellerIds(at: $0) } == [["4812345"], []])
        #expect(resellers.rows.map(\.resellerId) == ["4812345", "direct"])
        #expect(resellers.rows.map(\.seatsAffected) == [0, 4])
    }
}
