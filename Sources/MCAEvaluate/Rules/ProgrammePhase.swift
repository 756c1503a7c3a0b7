import MCAModel

extension Phase {
    /// The phase of the as-of date D (README, "Impact"): before the policy's `availableFrom` no
    /// partner could confirm yet; from it until the day before `mandatoryFrom` (the cutover)
    /// confirming is optional; from the cutover on it is mandatory.
    public init(asOf: DayDate, policy: Policy) {
        if asOf < policy.availableFrom {
            self = .preRollout
        } else if asOf < policy.mandatoryFrom {
            self = .optional
        } else {
            self = .mandatory
        }
    }
}
