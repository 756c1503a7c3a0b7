import MCAEvaluate
import MCAModel
import Testing

extension Evaluator {
    /// `finish()` with the violations read back into an array. A failure to spool them is
    /// recorded as the test's failure.
    func finishedInMemory() -> (customers: CustomerOutcomes, violations: [Violation], summary: Summary) {
        do {
            let (customers, violations, summary) = try finish()
            let read = Array(violations)
            #expect(violations.failure == nil)
            return (customers, read, summary)
        } catch {
            Issue.record(error)
            return (CustomerOutcomes(), [], Summary())
        }
    }
}
