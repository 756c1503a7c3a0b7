import Foundation
import MCAEvaluate
import MCAModel
import Testing
@testable import MCAReport

@Suite struct SummaryMarkdownTests {
    @Test func summaryOfTheSample() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.text("summary.md") == """
        # MCA confirmation audit as of 2018-11-07 (MANDATORY)

        Run date 2018-11-08 (Europe/Paris). The cutover (2018-11-07) is the as-of date. Agreement type MicrosoftCloudAgreement.

        - Customers: 6 (1 confirmed, 3 unconfirmed, 1 invalid, 1 out of scope)
        - Blocked from new orders: 4
        - Blocked from seat changes: 2
        - Seats affected: 37
        - Order violations: 1
        - Rejected rows: 1
        - Warnings: 1
        - Agreement rows of another type (ignored): 2

        ## Blocked customers by seats

        | Customer | Company | Status | New orders | Seat changes | Seats |
        | --- | --- | --- | --- | --- | ---: |
        | c-002 | Fabrikam "Quoted" Café | UNCONFIRMED | BLOCKED | BLOCKED | 30 |
        | c-003 | =HYPERLINK("evil.example","Click") | INVALID | BLOCKED | BLOCKED | 7 |
        | c-005 | -Northwind \\*Traders\\* \\[x\\](y) \\| a\\_b | UNCONFIRMED | BLOCKED | NONE | 0 |
        | c-006 | \\<script\\>alert(1)\\</script\\> | UNCONFIRMED | BLOCKED | NONE | 0 |

        """)
    }

    @Test func aNightlyRunSaysWhatChangedAndTheTrend() throws {
        let (folder, _) = try writeReports(SampleAudit.historyResult())
        defer { folder.cleanUp() }
        let text = try folder.text("summary.md")
        #expect(text.contains("- Agreement rows of another type (ignored): 2\n\nSince the previous run (as of 2018-11-06): 1 newly blocked, 1 newly confirmed, 0 newly invalid, 0 no longer blocked, 1 with new violations.\n\nBlocked from new orders, last 3 runs: 5 → 4 → 4 (violations: 0 → 2 → 1).\n\n## Blocked customers by seats\n"))

        var first = SampleAudit.historyResult()
        first.changes = RunChanges()
        first.trend = Array(first.trend?.suffix(1) ?? [])
        let (again, _) = try writeReports(first)
        defer { again.cleanUp() }
        let firstText = try again.text("summary.md")
        #expect(firstText.contains("\n\nFirst run in the history: nothing to compare with.\n\n## Blocked"))
        #expect(!firstText.contains("last 1 runs"))
    }

    @Test func beforeTheCutoverItCountsTheDaysLeft() throws {
        let (folder, _) = try writeReports(SampleAudit.optionalPhaseResult())
        defer { folder.cleanUp() }
        let text = try folder.text("summary.md")
        #expect(text.hasPrefix("# MCA confirmation audit as of 2018-10-01 (OPTIONAL)\n\nRun date 2018-10-01 (Europe/Paris). 37 days to the cutover (2018-11-07)."))
        #expect(text.contains("\n- Blocked from new orders at the cutover: 4\n"))
        #expect(text.contains("\n| c-002 | Fabrikam \"Quoted\" Café | UNCONFIRMED | BLOCKED_AT_CUTOVER | BLOCKED_AT_CUTOVER | 30 |\n"))
    }

    @Test func afterTheCutoverItCountsTheDaysSince() throws {
        var result = SampleAudit.result()
        result.asOf = SampleAudit.date("2018-12-01")
        let (folder, _) = try writeReports(result)
        defer { folder.cleanUp() }
        #expect(try folder.text("summary.md").contains(" 24 days since the cutover (2018-11-07). "))
    }

    @Test func onlyTheTopTenBlockedCustomersAreListed() throws {
        var result = SampleAudit.result()
        result.customers = CustomerOutcomes((1...12).map { i in
            CustomerOutcome(customerId: "id-\(i)", companyName: "Company \(i)", domain: nil, cloud: .public,
                            status: .unconfirmed, reasons: ["NO_CONFIRMATION"], confirmedOn: nil, newOrders: .blocked,
                            seatChanges: .blocked, daysToCutover: nil,
                            subscriptions: [SeatSubscription(subscriptionId: "s", offerId: "o", seats: i % 4)],
                            newestRecord: nil)
        })
        let (folder, _) = try writeReports(result)
        defer { folder.cleanUp() }
        let text = try folder.text("summary.md")
        #expect(text.contains("\n## Top 10 of 12 blocked customers by seats\n"))
        let ids = text.components(separatedBy: "\n").filter { $0.hasPrefix("| id-") }.map { $0.components(separatedBy: " | ")[0] }
        // Seats 3, 3, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0; ties in the order of the result.
        #expect(ids == ["| id-3", "| id-7", "| id-11", "| id-2", "| id-6", "| id-10", "| id-1", "| id-5", "| id-9", "| id-4"])
        #expect(text.hasSuffix("\n2 more in blocked-new-orders.csv.\n"))
    }

    @Test func noBlockedCustomerSaysSo() throws {
        var result = SampleAudit.result()
        result.customers = [result.customers[0]]
        let (folder, _) = try writeReports(result)
        defer { folder.cleanUp() }
        #expect(try folder.text("summary.md").hasSuffix("- Agreement rows of another type (ignored): 2\n\nNo customer is blocked.\n"))
    }

    @Test(arguments: [
        ("Contoso", "Contoso"),
        ("[click](https://evil.example)", "\\[click\\](https://evil.example)"),
        ("**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"),
        ("<img src=x>", "\\<img src=x\\>"),
        ("a|b\\c", "a\\|b\\\\c"),
        ("two\nlines\r\n", "two lines  "),
    ])
    func markdownEscaping(input: String, expected: String) {
        #expect(SummaryMarkdown.markdownEscaped(input) == expected)
    }
}
