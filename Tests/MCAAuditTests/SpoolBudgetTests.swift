@testable import MCAAudit
import MCAModel
import MCAStorage
import Testing

@Suite struct SpoolBudgetTests {
    @Test func theBudgetIsAPositiveNumberOfBytesElseTheDefaultWithTheValueToWarnOf() {
        #expect(AuditRunner.spoolBudget([:]) == (SpoolSettings.defaultBudget, nil))
        #expect(AuditRunner.spoolBudget(["MCA_AUDIT_SPOOL_BUDGET": "1048576"]) == (1_048_576, nil))
        #expect(AuditRunner.spoolBudget(["MCA_AUDIT_SPOOL_BUDGET": "1"]) == (1, nil))
        for bad in ["0", "-5", "8M", "", " 64", "1e6", "99999999999999999999999"] {
            #expect(AuditRunner.spoolBudget(["MCA_AUDIT_SPOOL_BUDGET": bad]) == (SpoolSettings.defaultBudget, bad), "\(bad)")
        }
    }
}
