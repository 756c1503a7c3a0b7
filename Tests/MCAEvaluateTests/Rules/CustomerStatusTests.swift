@testable import MCAEvaluate
import MCAModel
import Testing

/// `Rules/CustomerStatus.swift` against the README's Statuses table, row by row.
@Suite struct CustomerStatusTests {
    private func d(_ s: String) -> DayDate { DayDate(iso: s)! }
    private let asOf = DayDate(iso: "2018-11-20")!

    private func valid(_ dates: String...) -> ValidConfirmations {
        var v = ValidConfirmations()
        for date in dates { v.add(d(date), asOf: asOf) }
        return v
    }

    @Test func validConfirmationsKeepTheEarliestAndTheNewestOnOrBeforeD() {
        let v = valid("2018-10-01", "2018-09-01", "2018-11-20", "2018-12-01")
        #expect(v.earliest == d("2018-09-01"))
        #expect(v.newestOnOrBeforeAsOf == d("2018-11-20"))
        #expect(v.anyAfterAsOf)
        #expect(valid().earliest == nil && valid().newestOnOrBeforeAsOf == nil && !valid().anyAfterAsOf)
    }

    @Test func outOfScopeWinsOverEverything() {
        #expect(CustomerStatusRule.status(inScope: false, valid: valid("2018-10-01"), hasRecord: true) == .outOfScope)
        let reasons = Array(CustomerStatusRule.reasons(.outOfScope, valid: valid(), newestDefects: DefectBits()))
        #expect(reasons == ["CLOUD_NOT_SUPPORTED"])
    }

    @Test func confirmedByAValidRecordOnOrBeforeD() {
        #expect(CustomerStatusRule.status(inScope: true, valid: valid("2018-11-20"), hasRecord: true) == .confirmed)
        #expect(Array(CustomerStatusRule.reasons(.confirmed, valid: valid("2018-11-20"), newestDefects: DefectBits())).isEmpty)
    }

    @Test func unconfirmedWhenEveryValidRecordIsAfterD() {
        let v = valid("2018-11-21")
        #expect(CustomerStatusRule.status(inScope: true, valid: v, hasRecord: true) == .unconfirmed)
        #expect(Array(CustomerStatusRule.reasons(.unconfirmed, valid: v, newestDefects: DefectBits())) == ["ACCEPTED_AFTER_AS_OF"])
    }

    @Test func invalidWhenRecordsExistButNoneIsValid() {
        let defects = DefectBits([.invalidEmail, .missingFirstName])
        #expect(CustomerStatusRule.status(inScope: true, valid: valid(), hasRecord: true) == .invalid)
        // Listed in the order of the README's defect table, whatever order they were found in.
        #expect(Array(CustomerStatusRule.reasons(.invalid, valid: valid(), newestDefects: defects)) == ["MISSING_FIRST_NAME", "INVALID_EMAIL"])
    }

    @Test func unconfirmedWithoutAnyRecord() {
        #expect(CustomerStatusRule.status(inScope: true, valid: valid(), hasRecord: false) == .unconfirmed)
        #expect(Array(CustomerStatusRule.reasons(.unconfirmed, valid: valid(), newestDefects: DefectBits())) == ["NO_CONFIRMATION"])
    }

    @Test func theNewestRecordIsTheLatestDatedUndatedOnesOldestTiesToTheLaterOne() {
        #expect(CustomerStatusRule.replacesNewest(d("2018-10-02"), newest: d("2018-10-01")))
        #expect(!CustomerStatusRule.replacesNewest(d("2018-09-30"), newest: d("2018-10-01")))
        #expect(CustomerStatusRule.replacesNewest(d("2018-10-01"), newest: d("2018-10-01")))
        #expect(!CustomerStatusRule.replacesNewest(nil, newest: d("2018-10-01")))
        #expect(CustomerStatusRule.replacesNewest(d("2018-10-01"), newest: nil))
        #expect(CustomerStatusRule.replacesNewest(nil, newest: nil))
    }
}
