import MCAEvaluate
import MCAModel
import Testing

/// `Rules/ConfirmationDefects.swift` against the README's table of record defects, one row each.
@Suite struct ConfirmationDefectsTests {
    private func d(_ s: String) -> DayDate { DayDate(iso: s)! }

    private func defects(first: String? = "Jane", last: String? = "Doe", email: String? = "jane@contoso.com", phone: String? = nil,
                         date: DateField = .date(DayDate(iso: "2018-10-01")!), role: String? = nil, template: String? = nil,
                         policy: Policy = .default) -> [String] {
        let record = ConfirmationRecord(firstName: first, lastName: last, email: email, phoneNumber: phone, dateAgreed: date,
                                        agreementType: nil, templateId: template, recordedByRole: role)
        return ConfirmationRules(policy: policy, runDate: d("2018-11-21")).defects(of: record).map(\.rawValue)
    }

    @Test func aCompleteRecordHasNone() {
        #expect(defects().isEmpty)
        #expect(defects(phone: "+1 (425) 555-0100", role: "AdminAgent").isEmpty)
    }

    @Test func missingFields() {
        #expect(defects(first: nil) == ["MISSING_FIRST_NAME"])
        #expect(defects(last: nil) == ["MISSING_LAST_NAME"])
        #expect(defects(email: nil) == ["MISSING_EMAIL"])
        #expect(defects(date: .missing) == ["MISSING_DATE"])
        #expect(defects(date: .invalid("31/31/2018")) == ["INVALID_DATE"])
    }

    @Test func emailRule() {
        for bad in ["jane", "jane@@contoso.com", "@contoso.com", "jane@contoso", "jane doe@contoso.com",
                    String(repeating: "a", count: 250) + "@x.co"] {
            #expect(defects(email: bad) == ["INVALID_EMAIL"], "\(bad)")
        }
        #expect(ConfirmationRules.isValidEmail("jöhn@exämple.de"))
    }

    @Test func phoneRule() {
        #expect(defects(phone: "12345") == ["INVALID_PHONE"])
        #expect(defects(phone: "123456").isEmpty)
        #expect(defects(phone: String(repeating: "1", count: 21)) == ["INVALID_PHONE"])
        #expect(defects(phone: "1-800-CONTOSO") == ["INVALID_PHONE"])
        #expect(defects(phone: "44+1234567") == ["INVALID_PHONE"])
    }

    @Test func futureDateIsAfterTheRunDate() {
        #expect(defects(date: .date(d("2018-11-21"))).isEmpty)
        #expect(defects(date: .date(d("2018-11-22"))) == ["FUTURE_DATE"])
    }

    @Test func roleTemplateAndStaleFollowThePolicy() {
        #expect(defects(role: "Helpdesk agent") == ["UNAUTHORIZED_ROLE"])
        #expect(defects(role: "sales agent").isEmpty)
        var policy = Policy.default
        policy.acceptedTemplateIds = ["TPL-2"]
        policy.acceptedOnOrAfter = d("2018-10-15")
        #expect(defects(template: "tpl-2", policy: policy) == ["STALE"])
        #expect(defects(date: .date(d("2018-10-15")), template: "TPL-1", policy: policy) == ["TEMPLATE_NOT_ACCEPTED"])
    }

    @Test func severalDefectsAreListedInTableOrder() {
        #expect(defects(first: nil, email: "bad", phone: "1", date: .date(d("2019-01-01")), role: "reader")
                == ["MISSING_FIRST_NAME", "INVALID_EMAIL", "INVALID_PHONE", "FUTURE_DATE", "UNAUTHORIZED_ROLE"])
    }
}
