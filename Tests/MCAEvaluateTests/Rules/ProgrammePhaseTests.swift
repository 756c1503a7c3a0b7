import MCAEvaluate
import MCAModel
import Testing

/// `Rules/ProgrammePhase.swift` against the README's Impact table (phase of D).
@Suite struct ProgrammePhaseTests {
    private func d(_ s: String) -> DayDate { DayDate(iso: s)! }

    @Test func theDayBeforeEachDateIsStillTheEarlierPhase() {
        let policy = Policy.default  // availableFrom 2018-08-07, mandatoryFrom 2018-11-07
        #expect(Phase(asOf: d("2018-08-06"), policy: policy) == .preRollout)
        #expect(Phase(asOf: d("2018-08-07"), policy: policy) == .optional)
        #expect(Phase(asOf: d("2018-11-06"), policy: policy) == .optional)
        #expect(Phase(asOf: d("2018-11-07"), policy: policy) == .mandatory)
        #expect(Phase(asOf: d("2026-12-05"), policy: policy) == .mandatory)
    }

    @Test func followsThePolicysDates() {
        var policy = Policy.default
        policy.mandatoryFrom = d("2019-01-01")
        #expect(Phase(asOf: d("2018-12-31"), policy: policy) == .optional)
        #expect(Phase(asOf: d("2019-01-01"), policy: policy) == .mandatory)
    }
}
