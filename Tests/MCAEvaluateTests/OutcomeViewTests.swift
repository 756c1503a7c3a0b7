@testable import MCAEvaluate
import MCAModel
import Testing

private func d(_ s: String) -> DayDate { DayDate(iso: s)! }

@Suite struct OutcomeViewTests {
    /// Five customers: confirmed, invalid with four defects, out of scope (with a valid record), unconfirmed with two
    /// subscriptions (one without an id), and unconfirmed with a valid record after the as-of date.
    private func finished(asOf: String = "2018-10-30") -> CustomerOutcomes {
        let e = Evaluator(policy: .default, asOf: d(asOf), runDate: d("2019-02-01"))
        let customers = [
            CustomerRow(customerId: "a-1", companyName: "Contoso", domain: "contoso.example"),
            CustomerRow(customerId: "B-2", companyName: "Fabrikam \"Quoted\" Café"),
            CustomerRow(customerId: "c-3", companyName: "Gemeinde Müller", cloud: .germany),
            CustomerRow(customerId: "D-4", companyName: "O'Brien & Søn, Ltd.", domain: "obrien.example"),
            CustomerRow(customerId: "e-5", companyName: "Élan Vital"),
        ]
        for c in customers { #expect(e.add(c) == nil) }
        let valid = ConfirmationRecord(firstName: "Jane", lastName: "Doe", email: "jane@contoso.com",
                                       dateAgreed: .date(d("2018-10-01")))
        #expect(e.add(AgreementRow(customerId: "A-1", record: valid)) == nil)
        #expect(e.add(AgreementRow(customerId: "C-3", record: valid)) == nil)  // valid, but out of scope
        let defective = ConfirmationRecord(firstName: nil, lastName: "Ngô", email: "not-an-address", phoneNumber: "+33 1 23",
                                           dateAgreed: .date(d("2099-01-01")))
        #expect(e.add(AgreementRow(customerId: "b-2", record: defective)) == nil)
        var later = valid
        later.dateAgreed = .date(d("2018-11-05"))
        #expect(e.add(AgreementRow(customerId: "E-5", record: later)) == nil)
        for (customer, sub, qty) in [("D-4", "sub-z", 7), ("d-4", nil, 3), ("b-2", "S-1", 2), ("A-1", "s-9", 4)] {
            #expect(e.add(OrderLine(orderId: "o", customerId: customer, creationDate: d("2018-10-01"), offerId: "CFQ7",
                                    offerName: "Microsoft 365 E3", subscriptionId: sub, quantity: qty,
                                    billingType: .license)) == nil)
        }
        return e.finishedInMemory().customers
    }

    @Test func aViewShowsWhatTheOutcomeHolds() {
        for asOf in ["2018-10-30", "2019-01-15"] {
            let outcomes = finished(asOf: asOf)
            #expect(outcomes.count == 5)
            let values = CustomerOutcomes(Array(outcomes))
            for i in outcomes.indices {
                let expected = outcomes[i]
                // Made from the evaluation's state (where `outcomes[i]` is made from the same view, so
                // this checks the dispatch only), and from an outcome held as a value (a round trip).
                #expect(outcomes.withView(i) { CustomerOutcome($0, newestRecord: expected.newestRecord) } == expected)
                #expect(values.withView(i) { CustomerOutcome($0, newestRecord: expected.newestRecord) } == expected)
                #expect(outcomes.withView(i) { $0.reasons.count } == expected.reasons.count)
                #expect(outcomes.withView(i) { $0.seats } == expected.seats)
            }
        }
    }

    @Test func theViewsHoldTheExpectedValues() {
        let outcomes = finished()
        #expect(outcomes.map(\.status) == [.confirmed, .invalid, .outOfScope, .unconfirmed, .unconfirmed])
        outcomes.withView(1) { v in
            #expect(string(v.companyName) == "Fabrikam \"Quoted\" Café")
            #expect(v.domain == nil)
            #expect(Array(v.reasons) == ["MISSING_FIRST_NAME", "INVALID_EMAIL", "INVALID_PHONE", "FUTURE_DATE"])
            #expect(v.newOrders == .blockedAtCutover && v.daysToCutover == 8)
            #expect(string(v.subscriptions[0].subscriptionId) == "S-1")
        }
        outcomes.withView(3) { v in
            #expect(Array(v.reasons) == ["NO_CONFIRMATION"])
            #expect(v.subscriptions.map { string($0.subscriptionId) } == ["sub-z", nil])
            #expect(v.subscriptions.map { string($0.offerName) } == ["Microsoft 365 E3", "Microsoft 365 E3"])
            #expect(v.seats == 10)
        }
        outcomes.withView(4) { v in
            #expect(Array(v.reasons) == ["ACCEPTED_AFTER_AS_OF"])
            #expect(v.subscriptions.isEmpty && v.seatChanges == .none)
        }
        outcomes.withView(2) { v in
            #expect(Array(v.reasons) == ["CLOUD_NOT_SUPPORTED"])
            #expect(v.confirmedOn == nil && v.newOrders == .allowed)
        }
        #expect(outcomes.withView(0) { $0.reasons.count } == 0)
        #expect(outcomes.withView(0) { $0.confirmedOn } == d("2018-10-01"))
    }

    @Test func defectBitsListInTheOrderOfAllCases() {
        for (k, defect) in Defect.allCases.enumerated() {
            #expect(defect.ordinal == k)
            #expect(Defect(ordinal: k) == defect)
        }
        let all = Array(ReasonList(defects: DefectBits(Defect.allCases.reversed())))
        #expect(all == Defect.allCases.map(\.rawValue))
        #expect(Array(ReasonList(defects: DefectBits([.stale, .missingEmail]))) == ["MISSING_EMAIL", "STALE"])
        #expect(ReasonList(defects: DefectBits([])).count == 0)
    }
}
