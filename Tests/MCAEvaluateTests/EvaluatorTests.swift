import Foundation
@testable import MCAEvaluate
import MCAModel
import MCAStorage
import MCATestSupport
import Testing

private func d(_ s: String) -> DayDate { DayDate(iso: s)! }

private func record(_ date: String?, first: String? = "Jane", last: String? = "Doe", email: String? = "jane@contoso.com",
                    phone: String? = nil, role: String? = nil, template: String? = nil, type: String? = nil,
                    rawDate: String? = nil) -> ConfirmationRecord {
    let field: DateField = rawDate.map { .invalid($0) } ?? date.map { .date(d($0)) } ?? .missing
    return ConfirmationRecord(firstName: first, lastName: last, email: email, phoneNumber: phone, dateAgreed: field,
                              agreementType: type, templateId: template, recordedByRole: role)
}

/// Evaluates one customer with the given records and lines.
private func evaluate(asOf: String = "2018-11-20", runDate: String = "2018-11-21", policy: Policy = .default,
                      cloud: Cloud = .public, embedded: ConfirmationRecord? = nil, records: [ConfirmationRecord] = [],
                      lines: [OrderLine] = []) -> (CustomerOutcome, [Violation], Summary) {
    let e = Evaluator(policy: policy, asOf: d(asOf), runDate: d(runDate))
    #expect(e.add(CustomerRow(customerId: "C-1", companyName: "Contoso", cloud: cloud, embedded: embedded)) == nil)
    for r in records { #expect(e.add(AgreementRow(customerId: "c-1", record: r)) == nil) }
    for l in lines { #expect(e.add(l) == nil) }
    let (customers, violations, summary) = e.finishedInMemory()
    return (customers[0], violations, summary)
}

private func line(_ date: String, order: String = "o1", item: Int = 0, sub: String? = "sub-1", qty: Int = 5,
                  billing: BillingType = .license, tx: TransactionType = .new, status: OrderStatus = .completed) -> OrderLine {
    OrderLine(orderId: order, customerId: "C-1", creationDate: d(date), status: status, lineItemNumber: item,
              offerId: "OFFER", subscriptionId: sub, quantity: qty, billingType: billing, transactionType: tx)
}

@Suite struct EvaluatorStatusTests {
    @Test func confirmedTakesTheNewestValidDateOnOrBeforeAsOf() {
        let (o, _, _) = evaluate(records: [record("2018-09-01"), record("2018-10-15"), record("2018-11-25")])
        #expect(o.status == .confirmed)
        #expect(o.reasons.isEmpty)
        #expect(o.confirmedOn == d("2018-10-15"))
        #expect(o.newOrders == .allowed)
    }

    @Test func validOnlyAfterAsOfIsUnconfirmed() {
        let (o, _, _) = evaluate(asOf: "2018-11-10", records: [record("2018-11-15")])
        #expect(o.status == .unconfirmed)
        #expect(o.reasons == ["ACCEPTED_AFTER_AS_OF"])
    }

    @Test func noRecordIsUnconfirmed() {
        let (o, _, _) = evaluate()
        #expect(o.status == .unconfirmed)
        #expect(o.reasons == ["NO_CONFIRMATION"])
        #expect(o.newOrders == .blocked)
        #expect(o.seatChanges == .none)
    }

    @Test(arguments: [
        (record("2018-09-01", first: nil), ["MISSING_FIRST_NAME"]),
        (record("2018-09-01", last: nil), ["MISSING_LAST_NAME"]),
        (record("2018-09-01", email: nil), ["MISSING_EMAIL"]),
        (record("2018-09-01", email: "jane.contoso.com"), ["INVALID_EMAIL"]),
        (record("2018-09-01", email: "jane@contoso"), ["INVALID_EMAIL"]),
        (record("2018-09-01", email: "@contoso.com"), ["INVALID_EMAIL"]),
        (record("2018-09-01", email: "ja ne@contoso.com"), ["INVALID_EMAIL"]),
        (record("2018-09-01", email: "a@b@contoso.com"), ["INVALID_EMAIL"]),
        (record("2018-09-01", email: String(repeating: "a", count: 250) + "@x.com"), ["INVALID_EMAIL"]),
        (record("2018-09-01", phone: "12345"), ["INVALID_PHONE"]),
        (record("2018-09-01", phone: "+33 (1) 23-45.67.89 0"), []),
        (record("2018-09-01", phone: "555-CALL-NOW"), ["INVALID_PHONE"]),
        (record("2018-09-01", phone: "1+23456789"), ["INVALID_PHONE"]),
        // Records are checked as bytes: non-ASCII digits, spaces and addresses as the String rules say.
        (record("2018-09-01", phone: "+٣٣ 1 23 45 67 89"), ["INVALID_PHONE"]),
        (record("2018-09-01", phone: "+33\u{00A0}1 23 45 67 89"), ["INVALID_PHONE"]),
        (record("2018-09-01", email: "jüri.ääsmäe@contoso.example"), []),
        (record("2018-09-01", email: "jüri\u{00A0}x@contoso.example"), ["INVALID_EMAIL"]),
        (record("2018-09-01", email: "jüri@contoso"), ["INVALID_EMAIL"]),
        (record("2018-09-01", first: "Zoë", last: "O'Brien-Ñúñez"), []),
        (record(nil), ["MISSING_DATE"]),
        (record(nil, rawDate: "8/7/2018"), ["INVALID_DATE"]),
        (record("2018-11-22"), ["FUTURE_DATE"]),
        (record("2018-09-01", role: "HelpdeskAgent"), ["UNAUTHORIZED_ROLE"]),
        (record("2018-09-01", role: "admin agent"), []),
        (record("2018-09-01", role: "SALES-AGENT"), []),
        (record("2018-09-01", role: "AdminAgent2"), ["UNAUTHORIZED_ROLE"]),
        (record("2018-09-01", role: "Admin"), ["UNAUTHORIZED_ROLE"]),
        (record("2018-09-01", role: "Admín Agent"), ["UNAUTHORIZED_ROLE"]),
        (record(nil, first: nil, last: nil, email: "x"), ["MISSING_FIRST_NAME", "MISSING_LAST_NAME", "INVALID_EMAIL", "MISSING_DATE"]),
    ] as [(ConfirmationRecord, [String])])
    func eachDefect(r: ConfirmationRecord, defects: [String]) {
        let (o, _, _) = evaluate(records: [r])
        if defects.isEmpty {
            #expect(o.status == .confirmed)
        } else {
            #expect(o.status == .invalid)
            #expect(o.reasons == defects)
        }
    }

    @Test func templateAndStaleComeFromThePolicy() {
        var p = Policy.default
        p.acceptedTemplateIds = ["117A488C-2A5E-4D8E-8E7D-5D5B1B0D5D3E"]
        p.acceptedOnOrAfter = d("2018-10-01")
        let (a, _, _) = evaluate(policy: p, records: [record("2018-10-02", template: "117a488c-2a5e-4d8e-8e7d-5d5b1b0d5d3e")])
        #expect(a.status == .confirmed)
        let (b, _, _) = evaluate(policy: p, records: [record("2018-10-02", template: "other")])
        #expect(b.reasons == ["TEMPLATE_NOT_ACCEPTED"])
        let (c, _, _) = evaluate(policy: p, records: [record("2018-09-30", template: "117A488C-2A5E-4D8E-8E7D-5D5B1B0D5D3E")])
        #expect(c.reasons == ["STALE"])
        let (e, _, _) = evaluate(policy: p, records: [record("2018-10-02")])
        #expect(e.reasons == ["TEMPLATE_NOT_ACCEPTED"])
    }

    @Test func invalidReportsTheNewestRecordsDefectsTiesLastWins() {
        // Newest by date: the 10-20 record (missing last name) although an older one has other defects.
        let (o, _, _) = evaluate(records: [record("2018-10-20", last: nil), record("2018-09-01", email: nil)])
        #expect(o.reasons == ["MISSING_LAST_NAME"])
        // Same date: the later record wins.
        let (t, _, _) = evaluate(embedded: record("2018-10-20", first: nil), records: [record("2018-10-20", email: "bad")])
        #expect(t.reasons == ["INVALID_EMAIL"])
        #expect(t.newestRecord?.email == "bad")
        // Undated records count as oldest.
        let (u, _, _) = evaluate(records: [record("2018-10-01", first: nil), record(nil)])
        #expect(u.reasons == ["MISSING_FIRST_NAME"])
    }

    @Test func otherAgreementTypesAreIgnoredAndCounted() {
        let (o, _, s) = evaluate(records: [record("2018-09-01", type: "MicrosoftCustomerAgreement"),
                                           record("2018-09-02", type: "Microsoft Cloud Agreement")])
        #expect(o.status == .confirmed)
        #expect(o.confirmedOn == d("2018-09-02"))
        #expect(s.otherAgreementTypes == 1)
        let (mca, _, _) = evaluate(policy: { var p = Policy.default; p.agreementType = "MicrosoftCustomerAgreement"; return p }(),
                                   records: [record("2018-09-01")])
        #expect(mca.status == .confirmed)  // empty type = the policy's type
    }

    @Test(arguments: [Cloud.germany, .china, .usgovernment])
    func nationalCloudsAreOutOfScope(cloud: Cloud) {
        let (o, v, _) = evaluate(cloud: cloud, lines: [line("2018-11-10")])
        #expect(o.status == .outOfScope)
        #expect(o.reasons == ["CLOUD_NOT_SUPPORTED"])
        #expect(o.newOrders == .allowed)
        #expect(o.seatChanges == .allowed)
        #expect(o.subscriptions.map(\.seats) == [5])
        #expect(v.isEmpty)
    }
}

@Suite struct EvaluatorPhaseTests {
    @Test(arguments: [
        ("2018-08-06", Phase.preRollout, Impact.blockedAtCutover, 93 as Int?),
        ("2018-08-07", .optional, .blockedAtCutover, 92),
        ("2018-11-06", .optional, .blockedAtCutover, 1),
        ("2018-11-07", .mandatory, .blocked, nil),
        ("2019-06-01", .mandatory, .blocked, nil),
    ])
    func phaseBoundaries(asOf: String, phase: Phase, impact: Impact, days: Int?) {
        let e = Evaluator(policy: .default, asOf: d(asOf), runDate: d("2019-06-01"))
        #expect(e.phase == phase)
        let (o, _, _) = evaluate(asOf: asOf, runDate: "2019-06-01", lines: [line("2018-08-01")])
        #expect(o.newOrders == impact)
        #expect(o.seatChanges == impact)
        #expect(o.daysToCutover == days)
    }
}

@Suite struct EvaluatorSeatTests {
    @Test func latestKeptLineGivesTheSeats() {
        let (o, _, s) = evaluate(lines: [
            line("2018-09-01", order: "a", qty: 10),
            line("2018-10-01", order: "b", qty: 12, tx: .addQuantity),
            line("2018-10-05", order: "c", qty: 99, status: .cancelled),  // cancelled order: not kept
            line("2018-10-06", order: "d", qty: 77, status: .failed),
            line("2018-11-30", order: "e", qty: 50),  // after as-of
            line("2018-09-15", order: "f", sub: "SUB-2", qty: 3, tx: .renew),
            line("2018-09-15", order: "g", sub: "sub-3", qty: 8, billing: .usage),
            line("2018-09-20", order: "h", sub: nil, qty: 4),
            line("2018-09-21", order: "i", sub: nil, qty: 6),
        ])
        #expect(o.subscriptions.map(\.subscriptionId) == ["sub-1", "SUB-2", nil, nil])
        #expect(o.subscriptions.map(\.seats) == [12, 3, 4, 6])
        #expect(o.seatChanges == .blocked)
        #expect(s.blockedSeatChanges == 1)
        #expect(s.seatsAffected == 25)
    }

    @Test func cancelSetsSeatsToZeroAndZeroIsNotListed() {
        let (o, _, s) = evaluate(lines: [line("2018-09-01", order: "a", qty: 10), line("2018-10-01", order: "b", qty: 10, tx: .cancel)])
        #expect(o.subscriptions.isEmpty)
        #expect(o.seatChanges == .none)
        #expect(s.blockedSeatChanges == 0)
    }

    @Test func tiesByOrderIdThenLineItemNumber() {
        let (o, _, _) = evaluate(lines: [line("2018-10-01", order: "b", item: 0, qty: 2),
                                         line("2018-10-01", order: "b", item: 1, qty: 3),
                                         line("2018-10-01", order: "a", item: 5, qty: 9)])
        #expect(o.subscriptions.map(\.seats) == [3])
    }
}

@Suite struct EvaluatorViolationTests {
    @Test func ordersAfterTheCutoverWithoutAPriorValidRecord() {
        let (_, v, s) = evaluate(records: [record("2018-11-12")], lines: [
            line("2018-11-06", order: "before-cutover"),
            line("2018-11-07", order: "at-cutover"),
            line("2018-11-10", order: "add", tx: .addQuantity),
            line("2018-11-10", order: "renewal", tx: .renew),
            line("2018-11-10", order: "cancel", tx: .cancel),
            line("2018-11-10", order: "cancelled", status: .cancelled),
            line("2018-11-11", order: "remove", tx: .removeQuantity, status: .pending),
            line("2018-11-12", order: "same-day-as-record"),
            line("2018-11-21", order: "after-as-of"),
        ])
        #expect(v.map(\.orderId) == ["at-cutover", "add", "remove"])
        #expect(s.violations == 3)
        #expect(v.first?.creationDate == d("2018-11-07"))
    }

    @Test func anInvalidRecordDoesNotCover() {
        let (_, v, _) = evaluate(records: [record("2018-09-01", email: nil)], lines: [line("2018-11-10")])
        #expect(v.count == 1)
    }

    @Test func unknownCustomerAndDuplicateAreRejected() {
        let e = Evaluator(policy: .default, asOf: d("2018-11-20"), runDate: d("2018-11-20"))
        #expect(e.add(CustomerRow(customerId: "A", companyName: "First")) == nil)
        #expect(e.add(CustomerRow(customerId: "a", companyName: "Second"))?.code == .duplicateCustomer)
        #expect(e.add(AgreementRow(customerId: "zzz", record: nil))?.code == .unknownCustomer)
        #expect(e.add(OrderLine(orderId: "o", customerId: "zzz", creationDate: d("2018-11-01")))?.code == .unknownCustomer)
        let (c, _, _) = e.finishedInMemory()
        #expect(c.map(\.companyName) == ["First"])
    }
}

@Suite struct EvaluatorSeatOrderTests {
    @Test func orderIdsCompareAsStringsWhetherASCIIOrNot() {
        // "B" sorts before "a" (byte order); "é" after "z".
        let (o, _, _) = evaluate(lines: [line("2018-10-01", order: "a", qty: 2), line("2018-10-01", order: "B", qty: 3)])
        #expect(o.subscriptions.map(\.seats) == [2])
        let (p, _, _) = evaluate(lines: [line("2018-10-01", order: "commandé", qty: 4), line("2018-10-01", order: "commandz", qty: 5)])
        #expect(p.subscriptions.map(\.seats) == [4])
        let (q, _, _) = evaluate(lines: [line("2018-10-01", order: "abc", qty: 6), line("2018-10-01", order: "ab", qty: 7)])
        #expect(q.subscriptions.map(\.seats) == [6])
    }

    /// Ids tie in their first eight bytes, one is a prefix of another, one holds UTF-8: listed by
    /// their bytes with ASCII case folded (`bytesSortBefore`), lines without an id last.
    @Test func aCustomersSubscriptionsAreListedByIdIgnoringASCIICase() {
        let ids = ["sub-0001-b", "SUB-0001-A", "SUB-0001-Z", "sub-0001", "sub-00010", "sub-000é", "sub-000z", "A", "Sub-0001-aa",
                   "3f2504e0-4f89-11d3-9a0c-0305e82c3302", "3F2504E0-4F89-11D3-9A0C-0305E82C3301"]
        let lines = ids.enumerated().map { k, id in line("2018-10-01", order: "o\(k)", sub: id, qty: k + 1) }
            + [line("2018-10-01", order: "none", sub: nil, qty: 99)]
        let (o, _, _) = evaluate(lines: lines)
        let folded = { (id: String) in Array(id.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        let expected = ids.sorted { folded($0).lexicographicallyPrecedes(folded($1)) } as [String?] + [nil]
        #expect(o.subscriptions.map(\.subscriptionId) == expected)
        #expect(expected.prefix(3) == ["3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3302", "A"])
    }

    @Test func theLatestLineSpellsTheSubscriptionId() {
        let (o, _, _) = evaluate(lines: [line("2018-10-01", order: "a", sub: "sub-1", qty: 2),
                                         line("2018-10-02", order: "b", sub: "SUB-1", qty: 3)])
        #expect(o.subscriptions.map(\.subscriptionId) == ["SUB-1"])
        #expect(o.subscriptions.map(\.seats) == [3])
        let (p, _, _) = evaluate(lines: [line("2018-10-02", order: "b", sub: "SUB-1", qty: 3),
                                         line("2018-10-01", order: "a", sub: "sub-1", qty: 2)])
        #expect(p.subscriptions.map(\.subscriptionId) == ["SUB-1"])
    }

    @Test func offersAreKeptAsWrittenPerSubscription() {
        let e = Evaluator(policy: .default, asOf: d("2018-11-20"), runDate: d("2018-11-21"))
        #expect(e.add(CustomerRow(customerId: "C-1", companyName: "Contoso")) == nil)
        for (sub, offer, name) in [("s1", "CFQ7", "Microsoft 365 E3"), ("s2", "cfq7", "microsoft 365 e3"), ("s3", "CFQ7", nil)] {
            #expect(e.add(OrderLine(orderId: "o", customerId: "c-1", creationDate: d("2018-10-01"), offerId: offer,
                                    offerName: name, subscriptionId: sub, quantity: 1, billingType: .license)) == nil)
        }
        let o = e.finishedInMemory().customers[0]
        #expect(o.subscriptions.map(\.offerId) == ["CFQ7", "cfq7", "CFQ7"])
        #expect(o.subscriptions.map(\.offerName) == ["Microsoft 365 E3", "microsoft 365 e3", nil])
    }
}

@Suite struct EvaluatedOutcomesTests {
    /// Four customers given out of order, ids in mixed case and with accents, one in a national cloud.
    private func finished() -> (CustomerOutcomes, Summary) {
        let e = Evaluator(policy: .default, asOf: d("2018-11-20"), runDate: d("2018-11-21"))
        let customers = [
            CustomerRow(customerId: "D-4", companyName: "O'Brien & Søn, Ltd.", domain: "obrien.example"),
            CustomerRow(customerId: "b-2", companyName: "Fabrikam \"Quoted\" Café"),
            CustomerRow(customerId: "C-3", companyName: "Gemeinde Müller", cloud: .germany),
            CustomerRow(customerId: "a-1", companyName: "Contoso", domain: "contoso.example"),
        ]
        for c in customers { #expect(e.add(c) == nil) }
        // a-1: valid; b-2: both records have defects; C-3 out of scope; D-4 none.
        #expect(e.add(AgreementRow(customerId: "A-1", record: record("2018-10-01"))) == nil)
        #expect(e.add(AgreementRow(customerId: "B-2", record: record("2018-09-01", first: nil))) == nil)
        #expect(e.add(AgreementRow(customerId: "b-2", record: record("2018-10-02", email: "not-an-address"))) == nil)
        for (customer, sub, qty) in [("D-4", "sub-z", 7), ("d-4", "SUB-A", 3), ("b-2", "s-1", 2), ("A-1", "s-9", 4)] {
            #expect(e.add(OrderLine(orderId: "o", customerId: customer, creationDate: d("2018-10-01"), offerId: "CFQ7",
                                    subscriptionId: sub, quantity: qty, billingType: .license)) == nil)
        }
        let (outcomes, _, summary) = e.finishedInMemory()
        return (outcomes, summary)
    }

    @Test func outcomesComeInIdOrderWithTheirTextsAsWritten() {
        let (outcomes, summary) = finished()
        #expect(outcomes.count == 4)
        #expect(outcomes.map(\.customerId) == ["a-1", "b-2", "C-3", "D-4"])
        #expect(outcomes.map(\.companyName) == ["Contoso", "Fabrikam \"Quoted\" Café", "Gemeinde Müller", "O'Brien & Søn, Ltd."])
        #expect(outcomes.map(\.domain) == ["contoso.example", nil, nil, "obrien.example"])
        #expect(outcomes.map(\.status) == [.confirmed, .invalid, .outOfScope, .unconfirmed])
        #expect(outcomes[3].subscriptions.map(\.subscriptionId) == ["SUB-A", "sub-z"])
        #expect(outcomes[3].seats == 10)
        #expect(summary.seatsAffected == 12)
        #expect(summary.blockedSeatChanges == 2)
    }

    @Test func briefsAndTextAccessorsAgreeWithTheOutcomes() {
        let (outcomes, _) = finished()
        for i in outcomes.indices {
            let o = outcomes[i]
            #expect(outcomes.brief(i) == OutcomeBrief(o))
            #expect(outcomes.customerId(i) == o.customerId)
            #expect(outcomes.companyName(i) == o.companyName)
        }
        #expect(outcomes.brief(1) == OutcomeBrief(status: .invalid, newOrders: .blocked, seatChanges: .blocked, seats: 2))
        #expect(outcomes.brief(1).isBlocking)
        #expect(!outcomes.brief(0).isBlocking)
    }

    @Test func onlyADefectiveNewestRecordIsKept() {
        let (outcomes, _) = finished()
        #expect(outcomes[0].newestRecord == nil)  // valid: not shown anywhere, not kept
        #expect(outcomes[1].newestRecord?.email == "not-an-address")
        #expect(outcomes[1].reasons == ["INVALID_EMAIL"])
    }

    @Test func changingAnOutcomeTurnsTheCollectionIntoValues() {
        var (outcomes, _) = finished()
        let before = Array(outcomes)
        outcomes.modify { $0[2].companyName = "Renamed" }
        #expect(outcomes[2].companyName == "Renamed")
        #expect(outcomes.companyName(2) == "Renamed")
        #expect(outcomes.count == 4)
        #expect(Array(outcomes[0..<2]) == Array(before[0..<2]))
        outcomes.modify { $0.removeAll() }
        #expect(outcomes.isEmpty)
        // Made on demand or held as values, the same outcomes compare equal; a changed one does not.
        #expect(finished().0 == CustomerOutcomes(before))
        var renamed = before
        renamed[1].companyName = "Other"
        #expect(finished().0 != CustomerOutcomes(renamed))
    }
}

@Suite struct EvaluatorCapacityHintTests {
    /// Customers with accents and apostrophes, several seat-based subscriptions each (ids in mixed
    /// case), a repeated customer and lines for an unknown one.
    private func feed(_ e: Evaluator, hints: Bool) -> [RowIssue?] {
        var issues: [RowIssue?] = []
        let names = ["Société Générale d'Études", "O'Brien & Sons, Ltd", "Ünïcode GmbH", "Contoso"]
        for c in 0..<40 {
            if hints, c == 3 { e.expect(10_000, moreRowsOf: .customers) }
            if hints, c == 7 { e.expect(-5, moreRowsOf: .customers) }
            // Far more than memory could hold (a file whose first rows are short): room is made for what fits.
            if hints, c == 10 { e.expect(Int(Int32.max), moreRowsOf: .customers) }
            let record = c % 3 == 0 ? nil : ConfirmationRecord(firstName: "Zoë", lastName: "D'Arcy", email: "zoe\(c)@contoso.com",
                                                               phoneNumber: nil, dateAgreed: .date(d("2018-10-0\(c % 9 + 1)")),
                                                               agreementType: nil, templateId: nil, recordedByRole: nil)
            issues.append(e.add(CustomerRow(customerId: "CUST-\(c)", companyName: names[c % names.count], cloud: .public, embedded: record)))
        }
        issues.append(e.add(CustomerRow(customerId: "cust-5", companyName: "Duplicate", cloud: .public, embedded: nil)))
        if hints { e.expect(1_000_000, moreRowsOf: .agreements) }
        for n in 0..<600 {
            // Before any order line, a hint for order lines has no rate to go by.
            if hints, n == 0 { e.expect(50_000, moreRowsOf: .orders) }
            if hints, n == 100 { e.expect(250_000, moreRowsOf: .orders) }
            if hints, n == 400 { e.expect(3, moreRowsOf: .orders) }
            if hints, n == 500 { e.expect(Int.max, moreRowsOf: .orders) }
            let customer = n % 41 == 40 ? "UNKNOWN" : "cust-\(n % 40)"
            let sub = n % 7 == 0 ? nil : (n % 2 == 0 ? "SUB-\(n % 23)" : "sub-\(n % 23)")
            issues.append(e.add(OrderLine(orderId: "O-\(n / 3)", customerId: customer, creationDate: d(n % 2 == 0 ? "2018-11-10" : "2018-12-02"),
                                          status: .completed, lineItemNumber: n % 3, offerId: "OFFER-\(n % 4)", subscriptionId: sub,
                                          quantity: n % 17, billingType: n % 5 == 0 ? .usage : .license,
                                          transactionType: n % 9 == 0 ? .renew : .new)))
        }
        return issues
    }

    @Test func aHintAsLargeAsAnIntIsBounded() {
        let e = Evaluator(policy: .default, asOf: d("2019-01-15"), runDate: d("2019-01-15"))
        #expect(e.add(CustomerRow(customerId: "C-1", companyName: "L'Oréal", cloud: .public, embedded: nil)) == nil)
        e.expect(Int.max, moreRowsOf: .customers)
        // Every line so far a new subscription: the rate is at its highest.
        for n in 0..<10 {
            #expect(e.add(OrderLine(orderId: "O-\(n)", customerId: "c-1", creationDate: d("2018-11-10"), status: .completed,
                                    lineItemNumber: 1, offerId: "OFFER", subscriptionId: "SUB-\(n)", quantity: n + 1,
                                    billingType: .license, transactionType: .new)) == nil)
        }
        e.expect(Int.max, moreRowsOf: .orders)
        #expect(e.add(OrderLine(orderId: "O-10", customerId: "C-1", creationDate: d("2018-11-11"), status: .completed,
                                lineItemNumber: 1, offerId: "OFFER", subscriptionId: "sub-3", quantity: 40,
                                billingType: .license, transactionType: .new)) == nil)
        let (customers, _, _) = e.finishedInMemory()
        #expect(customers.count == 1)
        #expect(customers[0].subscriptions.map(\.seats) == [1, 2, 3, 40, 5, 6, 7, 8, 9, 10])
    }

    @Test func hintsOfAnySizeChangeNoOutcome() {
        let plain = Evaluator(policy: .default, asOf: d("2019-01-15"), runDate: d("2019-01-15"))
        let hinted = Evaluator(policy: .default, asOf: d("2019-01-15"), runDate: d("2019-01-15"))
        let plainIssues = feed(plain, hints: false), hintedIssues = feed(hinted, hints: true)
        #expect(plainIssues.map { $0?.code } == hintedIssues.map { $0?.code })
        #expect(plainIssues.compactMap { $0 }.count == 1 + 14)  // the duplicate and the unknown customer's lines
        let (a, av, asum) = plain.finishedInMemory(), (b, bv, bsum) = hinted.finishedInMemory()
        #expect(a.count == 40)
        #expect(Array(a) == Array(b))
        #expect(av == bv)
        #expect(!av.isEmpty)
        #expect(asum == bsum)
        #expect(a.contains { $0.companyName == "O'Brien & Sons, Ltd" && !$0.subscriptions.isEmpty })
    }
}

@Suite struct EvaluatorPreparedBatchTests {
    private func line(_ n: Int, customer: String = "C-1", sub: String, date: String, qty: Int) -> OrderLine {
        OrderLine(orderId: "O-\(n)", customerId: customer, creationDate: d(date), status: .completed, lineItemNumber: n,
                  offerId: "CFQ7TTC0LH18", subscriptionId: sub, quantity: qty, billingType: .license, transactionType: .new)
    }

    /// Feeds `batches` of lines as the ingestion does: each batch prepared, then its lines added with
    /// what was prepared for them; `interleaved`: each batch is prepared and its first line added,
    /// and only then the other lines of every batch (so what was prepared for them is out of date).
    private func seats(_ batches: [[OrderLine]], interleaved: Bool = false) -> [String: Int] {
        let e = Evaluator(policy: .default, asOf: d("2019-01-15"), runDate: d("2019-01-15"))
        #expect(e.add(CustomerRow(customerId: "C-1", companyName: "Société Générale d'Études", cloud: .public, embedded: nil)) == nil)
        #expect(e.add(CustomerRow(customerId: "c-2", companyName: "O'Brien & Sons, Ltd", cloud: .public, embedded: nil)) == nil)
        var texts = batches.map { _ in PackedText() }
        let packed = batches.indices.map { b in batches[b].map { PackedOrderLine($0, into: &texts[b]) } }
        func run(_ b: Int, _ body: ([OrderLineView], [Int?]) -> Void) {
            texts[b].bytes.withUnsafeBytes { text in
                let views = packed[b].map { OrderLineView(row: $0, text: text) }
                body(views, e.resolve(views.map { $0.bytes($0.row.customerId) }))
            }
        }
        if interleaved {
            var prepared: [[Evaluator.PreparedLine]] = []
            for b in batches.indices {
                run(b) { lines, customers in
                    prepared.append(e.prepare(lines, customers: customers))
                    #expect(e.add(lines[0], customer: customers[0], prepared: prepared[b][0]) == nil)
                }
            }
            for b in batches.indices {
                run(b) { lines, customers in
                    for k in lines.indices.dropFirst() { #expect(e.add(lines[k], customer: customers[k], prepared: prepared[b][k]) == nil) }
                }
            }
        } else {
            for b in batches.indices {
                run(b) { lines, _ in #expect(e.add(orderLines: lines).allSatisfy { $0 == nil }) }
            }
        }
        var result: [String: Int] = [:]
        for c in e.finishedInMemory().customers { for s in c.subscriptions { result["\(c.customerId)/\(s.subscriptionId ?? "-")", default: 0] += s.seats } }
        return result
    }

    @Test func aSubscriptionNewInABatchIsAddedOnceHoweverOftenTheBatchNamesIt() {
        let batch = [line(1, sub: "SUB-A", date: "2018-10-01", qty: 5), line(2, sub: "sub-a", date: "2018-12-01", qty: 7),
                     line(3, customer: "C-2", sub: "SUB-A", date: "2018-10-02", qty: 3), line(4, sub: "SUB-B", date: "2018-10-03", qty: 2),
                     line(5, sub: "Sub-A", date: "2018-11-01", qty: 9)]
        // One subscription per (customer, id ignoring case), with its latest line's seats.
        let expected = ["C-1/sub-a": 7, "C-1/SUB-B": 2, "c-2/SUB-A": 3]
        #expect(seats([batch]) == expected)
        // Split across batches, and with every batch prepared before any line is added (what
        // `prepare` found for a batch is out of date once a later one is prepared).
        #expect(seats([Array(batch[0..<2]), Array(batch[2...])]) == expected)
        #expect(seats([Array(batch[0..<2]), Array(batch[2...])], interleaved: true) == expected)
        #expect(seats([Array(batch[0..<1]), Array(batch[1..<3]), Array(batch[3...])], interleaved: true) == expected)
        // Many new subscriptions in one batch (the filter of those added says "maybe" for some).
        let many = (0..<3000).map { line($0, sub: "S-\($0 % 1500)", date: $0 < 1500 ? "2018-10-01" : "2018-12-01", qty: $0) }
        let counted = seats([many])
        #expect(counted.count == 1500)
        #expect(counted["C-1/S-0"] == 1500)
        #expect(counted["C-1/S-1499"] == 2999)
    }
}

@Suite struct EvaluatorSpooledViolationTests {
    /// The reports' order as the evaluator had it before the violations were spooled: customers
    /// as sorted (ids with A–Z folded, byte by byte), then creation date, order id as Strings
    /// compare, line item number; equal rows in the order their lines came.
    private func reportOrder(_ x: Violation, _ y: Violation) -> Bool {
        func folded(_ s: String) -> [UInt8] { s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        let a = folded(x.customerId), b = folded(y.customerId)
        if a != b { return a.lexicographicallyPrecedes(b) }
        if x.creationDate != y.creationDate { return x.creationDate < y.creationDate }
        if x.orderId != y.orderId { return x.orderId < y.orderId }
        return x.lineItemNumber < y.lineItemNumber
    }

    /// 1,500 violations of 14 customers whose ids differ in case, accents and punctuation, with order
    /// ids beyond ASCII (é composed and decomposed, which are equal as text) and repeated lines.
    private func violations(budget: Int, in folder: TemporaryFolder) -> (made: [Violation], inOrder: [Violation]) {
        // The last two share their first eight letters but for case, and sort the other way
        // round if case is not folded.
        let ids = ["b-2", "A-10", "a-1", "Zeta", "zeta-2", "_under", "Éclair", "eclair", "O'Brien", "ÖSTER", "a", "B_",
                   "customer-alpha", "CUSTOMER-Beta"]
        let e = Evaluator(policy: .default, asOf: d("2018-11-30"), runDate: d("2018-12-01"),
                          spool: SpoolSettings(directory: folder.url.path, budget: budget))
        for id in ids { #expect(e.add(CustomerRow(customerId: id, companyName: "Company \(id)")) == nil) }
        var made: [Violation] = []
        for i in 0..<1500 {
            let id = ids[i % ids.count]
            let orderIds = ["o-\(i % 13)", "ordé-\(i % 3)", "orde\u{301}-\(i % 3)", "Ord-\(i % 7)", "ord-10"]
            let orderId = orderIds[i % orderIds.count]
            let date = DayDate(daysSinceEpoch: d("2018-11-07").daysSinceEpoch + (i * 7) % 20)
            // Every third customer reference in upper case: customers are matched ignoring case.
            #expect(e.add(OrderLine(orderId: orderId, customerId: i % 3 == 0 ? id.uppercased() : id, creationDate: date,
                                    status: .completed, lineItemNumber: i % 4, offerId: "CFQ7TTC0LF8Q",
                                    subscriptionId: "sub-\(i)", quantity: i, billingType: .license,
                                    transactionType: .new)) == nil)
            made.append(Violation(customerId: id, orderId: orderId, lineItemNumber: i % 4, creationDate: date,
                                  subscriptionId: "sub-\(i)", offerId: "CFQ7TTC0LF8Q", quantity: i))
        }
        let (_, v, summary) = e.finishedInMemory()
        #expect(summary.violations == 1500)
        return (made, v)
    }

    @Test func violationsAreInReportOrderWhetherKeptOrWrittenOut() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var results: [[Violation]] = []
        for budget in [1, 2000, 50_000, 1 << 30] {
            let (made, inOrder) = violations(budget: budget, in: folder)
            let expected = made.sorted(by: reportOrder)
            #expect(inOrder.count == expected.count)
            let difference = zip(inOrder, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(difference == nil, "budget \(budget)")
            results.append(inOrder)
        }
        #expect(Set(results.map { $0.map(\.quantity) }).count == 1)
        // Different bytes, the same text: their lines are ordered by line item number, as equal order ids.
        let accented = results[0].filter { $0.orderId == "ordé-1" && $0.customerId == "a" }
        #expect(Set(accented.map { Array($0.orderId.utf8) }).count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }
}
