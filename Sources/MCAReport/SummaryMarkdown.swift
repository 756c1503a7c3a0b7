import MCAModel

/// `summary.md`: a short summary to paste into an e-mail or a chat.
enum SummaryMarkdown {
    static let fileName = "summary.md"
    static let topCount = 10

    static func write(_ context: ReportContext, to file: ReportFile) throws {
        let result = context.result
        let summary = result.summary
        try file.append { t in
            t.append("# MCA confirmation audit as of \(result.asOf.iso) (\(result.phase.rawValue))\n\n")
            t.append("Run date \(result.runDate.iso) (\(markdownEscaped(result.timeZone))). ")
            t.append("\(context.cutoverSentence). Agreement type \(markdownEscaped(result.policy.agreementType)).\n\n")
            for notice in result.notices {
                t.append("> **\(notice.code.rawValue)**: \(markdownEscaped(notice.message))\n\n")
            }
            let byStatus = CustomerStatus.allCases.map { "\(summary.count($0)) \(statusLabel($0))" }.joined(separator: ", ")
            t.append("- Customers: \(summary.customers) (\(byStatus))\n")
            t.append("- Blocked from new orders\(atCutover(context)): \(summary.blockedNewOrders)\n")
            t.append("- Blocked from seat changes\(atCutover(context)): \(summary.blockedSeatChanges)\n")
            t.append("- Seats affected: \(summary.seatsAffected)\n")
            t.append("- Order violations: \(summary.violations)\n")
            t.append("- Rejected rows: \(summary.rowsRejected)\n")
            t.append("- Warnings: \(summary.warnings)\n")
            if summary.otherAgreementTypes > 0 {
                t.append("- Agreement rows of another type (ignored): \(summary.otherAgreementTypes)\n")
            }
            if let changes = result.changes { t.append("\n" + changesSentence(changes) + "\n") }
            if let trend = result.trend, trend.count > 1 {
                let recent = trend.suffix(trendLength)
                t.append("\nBlocked from new orders, last \(recent.count) runs: ")
                t.append(recent.map { String($0.summary.blockedNewOrders) }.joined(separator: " → "))
                t.append(" (violations: ")
                t.append(recent.map { String($0.summary.violations) }.joined(separator: " → "))
                t.append(").\n")
            }
            t.append(resellersSection(context))
        }

        let customers = result.customers
        let blocked = customers.indices.lazy
            .filter { customers.brief($0).isBlocking }
            .map { RankedRow(size: customers.brief($0).seats, index: $0) }
        let (top, total) = topRanked(blocked, limit: topCount, by: RankedRow.largestFirst)
        guard !top.isEmpty else {
            try file.append("\nNo customer is blocked.\n")
            return
        }
        let heading = total > top.count ? "Top \(top.count) of \(total) blocked customers by seats" : "Blocked customers by seats"
        try file.append("\n## \(heading)\n\n| Customer | Company | Status | New orders | Seat changes | Seats |\n| --- | --- | --- | --- | --- | ---: |\n")
        for row in top {
            let c = customers[row.index]
            try file.append("| \(markdownEscaped(c.customerId)) | \(markdownEscaped(c.companyName)) | \(c.status.rawValue) | \(c.newOrders.rawValue) | \(c.seatChanges.rawValue) | \(row.size) |\n")
        }
        if total > top.count {
            try file.append("\n\(total - top.count) more in \(context.fullListName(csv: CSVReports.blockedNewOrdersFile)).\n")
        }
    }

    /// How many runs the trend line shows.
    static let trendLength = 7

    static func changesSentence(_ changes: RunChanges) -> String {
        guard let previous = changes.previousAsOf else { return "First run in the history: nothing to compare with." }
        let counts = changes.lists.map { "\($0.changes.count) \(HTMLReport.changeLabel($0.name))" }.joined(separator: ", ")
        return "Since the previous run (as of \(previous.iso)): \(counts)."
    }

    private static func atCutover(_ context: ReportContext) -> String {
        context.result.phase == .mandatory ? "" : " at the cutover"
    }

    static func statusLabel(_ status: CustomerStatus) -> String {
        switch status {
        case .confirmed: return "confirmed"
        case .unconfirmed: return "unconfirmed"
        case .invalid: return "invalid"
        case .outOfScope: return "out of scope"
        }
    }

    /// Text that Markdown shows as written: the characters that start emphasis, links, HTML, code
    /// or table cells are backslash-escaped, and line breaks become spaces so a row stays one row.
    static func markdownEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|":
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(scalar)
            case "\r", "\n", "\u{2028}", "\u{2029}":
                out.unicodeScalars.append(" ")
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
