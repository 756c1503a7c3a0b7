import MCAEvaluate
import MCAModel
import Testing

/// `Rules/Impact.swift` against the README's Impact table.
@Suite struct ImpactTests {
    @Test(arguments: [CustomerStatus.unconfirmed, .invalid])
    func unconfirmedAndInvalidAreBlockedFromTheCutoverOn(status: CustomerStatus) {
        #expect(ImpactRule.impacts(status, phase: .mandatory, hasSeatSubscriptions: true) == (.blocked, .blocked))
        #expect(ImpactRule.impacts(status, phase: .optional, hasSeatSubscriptions: true) == (.blockedAtCutover, .blockedAtCutover))
        #expect(ImpactRule.impacts(status, phase: .preRollout, hasSeatSubscriptions: true) == (.blockedAtCutover, .blockedAtCutover))
        #expect(ImpactRule.impacts(status, phase: .mandatory, hasSeatSubscriptions: false) == (.blocked, Impact.none))
    }

    @Test(arguments: [CustomerStatus.confirmed, .outOfScope])
    func confirmedAndOutOfScopeAreAllowed(status: CustomerStatus) {
        #expect(ImpactRule.impacts(status, phase: .mandatory, hasSeatSubscriptions: true) == (.allowed, .allowed))
        #expect(ImpactRule.impacts(status, phase: .optional, hasSeatSubscriptions: false) == (.allowed, Impact.none))
    }

    @Test func daysToCutoverOnlyForBlockedAtCutover() {
        let policy = Policy.default
        let asOf = DayDate(iso: "2018-11-01")!
        #expect(ImpactRule.daysToCutover(newOrders: .blockedAtCutover, asOf: asOf, policy: policy) == 6)
        #expect(ImpactRule.daysToCutover(newOrders: .blocked, asOf: asOf, policy: policy) == nil)
        #expect(ImpactRule.daysToCutover(newOrders: .allowed, asOf: asOf, policy: policy) == nil)
    }
}
