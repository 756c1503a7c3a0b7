import MCAEvaluate
import MCAModel
import Testing

/// `Rules/OrderViolation.swift` against the README's violation rule.
@Suite struct OrderViolationTests {
    private func d(_ s: String) -> DayDate { DayDate(iso: s)! }
    private let policy = Policy.default  // cutover 2018-11-07
    private let asOf = DayDate(iso: "2018-11-30")!

    @Test func onlyNewAddAndRemoveQuantityNeedAConfirmation() {
        let needing: [TransactionType.Code] = [.new, .addQuantity, .removeQuantity]
        let notNeeding: [TransactionType.Code] = [.renew, .cancel, .convert, .customerCredit, .other]
        for t in needing { #expect(OrderViolationRule.neededConfirmation(t, created: d("2018-11-10"), policy: policy, asOf: asOf)) }
        for t in notNeeding { #expect(!OrderViolationRule.neededConfirmation(t, created: d("2018-11-10"), policy: policy, asOf: asOf)) }
    }

    @Test func betweenTheCutoverAndDBothIncluded() {
        #expect(!OrderViolationRule.neededConfirmation(.new, created: d("2018-11-06"), policy: policy, asOf: asOf))
        #expect(OrderViolationRule.neededConfirmation(.new, created: d("2018-11-07"), policy: policy, asOf: asOf))
        #expect(OrderViolationRule.neededConfirmation(.new, created: d("2018-11-30"), policy: policy, asOf: asOf))
        #expect(!OrderViolationRule.neededConfirmation(.new, created: d("2018-12-01"), policy: policy, asOf: asOf))
    }

    @Test func aValidRecordOnOrBeforeTheLineClearsIt() {
        var valid = ValidConfirmations()
        #expect(OrderViolationRule.isViolation(created: d("2018-11-10"), customerInScope: true, valid: valid))
        valid.add(d("2018-11-10"), asOf: asOf)
        #expect(!OrderViolationRule.isViolation(created: d("2018-11-10"), customerInScope: true, valid: valid))
        #expect(OrderViolationRule.isViolation(created: d("2018-11-09"), customerInScope: true, valid: valid))
    }

    @Test func outOfScopeCustomersBreakNoRule() {
        #expect(!OrderViolationRule.isViolation(created: d("2018-11-10"), customerInScope: false, valid: ValidConfirmations()))
    }
}
