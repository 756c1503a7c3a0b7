import MCAModel

/// The run-history parts of `report.html` (docs/operations.md, "Run history"): what changed since the previous run, and the
/// trend of the counts over the past runs. Both are left out when the run keeps no history.
extension HTMLReport {
    static func writeChanges(_ context: ReportContext, to file: ReportFile) throws {
        guard let changes = context.result.changes else { return }
        try file.append { t in
            t.append("<section id=\"changes\" aria-labelledby=\"changes-title\">\n<h2 id=\"changes-title\">Changes since the previous run</h2>\n")
            guard let previous = changes.previousAsOf else {
                return t.append("<p class=\"note\">This is the first run in the history: nothing to compare with.</p>\n")
            }
            t.append("<p class=\"note\">Compared with the run as of ")
            t.append(previous)
            if let runDate = changes.previousRunDate {
                t.append(" (run date ")
                t.append(runDate)
                t.append(")")
            }
            t.append(".</p>\n<ul class=\"counts\">\n")
            for list in changes.lists {
                t.append(list.changes.isEmpty || list.name == "newlyConfirmed" || list.name == "resolved" ? "<li>" : "<li class=\"bad\">")
                t.append("<span class=\"n\">")
                t.append(list.changes.count)
                t.append("</span> ")
                t.appendHTML(changeLabel(list.name))
                t.append("</li>\n")
            }
            t.append("</ul>\n")
        }
        guard changes.previousAsOf != nil else { return try file.append("</section>\n") }
        for list in changes.lists where !list.changes.isEmpty {
            let rows = list.changes
            let ranked = (rows.indices.prefix(rowLimit).map { RankedRow(size: 0, index: $0) }, rows.count)
            try writeDataTable(
                caption: changeLabel(list.name).prefix(1).uppercased() + changeLabel(list.name).dropFirst(), rows: ranked,
                columns: [
                    HTMLColumn("Customer ID") { rows[$0.index].customerId },
                    HTMLColumn("Company") { rows[$0.index].companyName },
                    HTMLColumn("Before") { rows[$0.index].before.map(describe) ?? "not in the previous run" },
                    HTMLColumn("Now") { describe(rows[$0.index].after) },
                    HTMLColumn("Seats", numeric: true) { String(rows[$0.index].after.seats) },
                    HTMLColumn("Violations", numeric: true) { String(rows[$0.index].after.violations) },
                ],
                moreIn: "report.json", to: file)
        }
        try file.append("</section>\n")
    }

    static func writeTrend(_ context: ReportContext, to file: ReportFile) throws {
        guard let trend = context.result.trend, !trend.isEmpty else { return }
        try file.append { t in
            t.append("<section id=\"trend\" aria-labelledby=\"trend-title\">\n<h2 id=\"trend-title\">Trend</h2>\n")
            t.append("<p class=\"note\">The counts of this run and the runs before it, by as-of date.</p>\n")
            appendTrendChart(trend, to: &t)
        }
        // Newest first in the table, so a long history shows its recent runs.
        let ranked = (trend.indices.reversed().prefix(rowLimit).map { RankedRow(size: 0, index: $0) }, trend.count)
        try writeDataTable(
            caption: "Counts by run", rows: ranked,
            columns: [
                HTMLColumn("As of") { trend[$0.index].asOf.iso },
                HTMLColumn("Run date") { trend[$0.index].runDate.iso },
                HTMLColumn("Customers", numeric: true) { String(trend[$0.index].summary.customers) },
                HTMLColumn("Confirmed", numeric: true) { String(trend[$0.index].summary.count(.confirmed)) },
                HTMLColumn("Unconfirmed", numeric: true) { String(trend[$0.index].summary.count(.unconfirmed)) },
                HTMLColumn("Invalid", numeric: true) { String(trend[$0.index].summary.count(.invalid)) },
                HTMLColumn("Blocked new orders", numeric: true) { String(trend[$0.index].summary.blockedNewOrders) },
                HTMLColumn("Blocked seat changes", numeric: true) { String(trend[$0.index].summary.blockedSeatChanges) },
                HTMLColumn("Seats affected", numeric: true) { String(trend[$0.index].summary.seatsAffected) },
                HTMLColumn("Violations", numeric: true) { String(trend[$0.index].summary.violations) },
            ],
            moreIn: "report.json", to: file)
        try file.append("</section>\n")
    }

    static func changeLabel(_ listName: String) -> String {
        switch listName {
        case "newlyBlocked": return "newly blocked"
        case "newlyConfirmed": return "newly confirmed"
        case "newlyInvalid": return "newly invalid"
        case "resolved": return "no longer blocked"
        case "newViolations": return "with new violations"
        default: return listName
        }
    }

    private static func describe(_ snapshot: CustomerSnapshot) -> String {
        "\(snapshot.status.rawValue), new orders \(snapshot.newOrders.rawValue)"
    }

    /// Lines of the main counts across runs, in integer coordinates so the bytes never vary.
    private static func appendTrendChart(_ trend: [TrendPoint], to t: inout TextBuffer) {
        let series: [(name: String, css: String, value: (Summary) -> Int)] = [
            ("Unconfirmed", "s-unconfirmed", { $0.count(.unconfirmed) }),
            ("Invalid", "s-invalid", { $0.count(.invalid) }),
            ("Blocked new orders", "s-blocked", { $0.blockedNewOrders }),
            ("Violations", "s-violations", { $0.violations }),
        ]
        let width = 640, height = 200, left = 48, right = 16, top = 12, bottom = 28
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maximum = max(1, trend.map { point in series.map { $0.value(point.summary) }.max() ?? 0 }.max() ?? 0)
        func x(_ i: Int) -> Int { trend.count == 1 ? left + plotWidth / 2 : left + i * plotWidth / (trend.count - 1) }
        func y(_ v: Int) -> Int { top + plotHeight - v * plotHeight / maximum }

        t.append("<figure class=\"chart\">\n<svg role=\"img\" aria-labelledby=\"trend-chart-title\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">\n")
        t.append("<title id=\"trend-chart-title\">Unconfirmed, invalid, blocked customers and violations by run</title>\n")
        t.append("<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - right)\" y2=\"\(top + plotHeight)\" class=\"axis\"></line>\n")
        t.append("<text x=\"\(left - 6)\" y=\"\(top + 4)\" class=\"tick\" text-anchor=\"end\">\(maximum)</text>\n")
        t.append("<text x=\"\(left - 6)\" y=\"\(top + plotHeight)\" class=\"tick\" text-anchor=\"end\">0</text>\n")
        t.append("<text x=\"\(x(0))\" y=\"\(height - 8)\" class=\"tick\" text-anchor=\"middle\">")
        t.append(trend[0].asOf)
        t.append("</text>\n")
        if trend.count > 1 {
            t.append("<text x=\"\(x(trend.count - 1))\" y=\"\(height - 8)\" class=\"tick\" text-anchor=\"end\">")
            t.append(trend[trend.count - 1].asOf)
            t.append("</text>\n")
        }
        for s in series {
            t.append("<polyline class=\"line \(s.css)\" points=\"")
            for (i, point) in trend.enumerated() {
                if i > 0 { t.append(" ") }
                t.append(x(i))
                t.append(",")
                t.append(y(s.value(point.summary)))
            }
            t.append("\"><title>")
            t.appendHTML(s.name)
            t.append("</title></polyline>\n")
        }
        t.append("</svg>\n<figcaption>")
        for (i, s) in series.enumerated() {
            if i > 0 { t.append(" · ") }
            t.append("<span class=\"key \(s.css)\"></span>")
            t.appendHTML(s.name)
        }
        t.append("</figcaption>\n</figure>\n")
    }
}
