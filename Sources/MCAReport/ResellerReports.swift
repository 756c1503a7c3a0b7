import MCAModel

/// The results by reseller (README, "Results by reseller") in each report: `resellers.csv` and the
/// By reseller sheet (`ReportList.resellers`), report.json's `resellers`, the By reseller table of
/// report.html and the top resellers of summary.md.
extension ReportTables {
    static func resellers<Cells>(_ rows: [ResellerCounts]) -> ReportTable<Int, Cells> {
        ReportTable(columns: ["resellerId", "customers", "unconfirmed", "invalid", "blockedNewOrders", "blockedSeatChanges",
                              "seatsAffected", "violations"]) { t, i in
            let r = rows[i]
            t.text(r.resellerId)
            t.number(r.customers)
            t.number(r.unconfirmed)
            t.number(r.invalid)
            t.number(r.blockedNewOrders)
            t.number(r.blockedSeatChanges)
            t.number(r.seatsAffected)
            t.number(r.violations)
        }
    }
}

/// Resellers ranked for a capped table: most blocked seats first, then most customers blocked from
/// new orders, then most violations, then in the order of the rows (by id, `direct` last).
func resellersMostBlockedFirst(_ rows: [ResellerCounts], limit: Int) -> (top: [Int], total: Int) {
    topRanked(rows.indices, limit: limit) { a, b in
        let x = rows[a], y = rows[b]
        if x.seatsAffected != y.seatsAffected { return x.seatsAffected > y.seatsAffected }
        if x.blockedNewOrders != y.blockedNewOrders { return x.blockedNewOrders > y.blockedNewOrders }
        if x.violations != y.violations { return x.violations > y.violations }
        return a < b
    }
}

extension ReportJSON {
    /// `"resellers": [...]` of report.json, one reseller per line, then `,\n`.
    static func writeResellers(_ results: ResellerResults, to file: ReportFile) throws {
        try file.append("  \"resellers\": ")
        let rows = results.rows
        try writeArray(count: rows.count, to: file, last: false) { t, i in
            let r = rows[i]
            t.append("{\"resellerId\": ")
            t.appendJSON(r.resellerId)
            t.append(", \"customers\": ")
            t.append(r.customers)
            t.append(", \"unconfirmed\": ")
            t.append(r.unconfirmed)
            t.append(", \"invalid\": ")
            t.append(r.invalid)
            t.append(", \"blockedNewOrders\": ")
            t.append(r.blockedNewOrders)
            t.append(", \"blockedSeatChanges\": ")
            t.append(r.blockedSeatChanges)
            t.append(", \"seatsAffected\": ")
            t.append(r.seatsAffected)
            t.append(", \"violations\": ")
            t.append(r.violations)
            t.append("}")
        }
    }

    /// A customer's `"resellers": [...]` (`[]` for a direct customer), after its other keys.
    static func appendResellers(of position: Int, _ results: ResellerResults, to t: inout TextBuffer) {
        t.append(", \"resellers\": [")
        for (k, r) in results.resellers(at: position).enumerated() {
            if k > 0 { t.append(", ") }
            t.appendJSON(results.ids[Int(r)])
        }
        t.append("]")
    }
}

extension SummaryMarkdown {
    /// How many resellers summary.md lists.
    static let topResellers = 10

    /// The resellers with the most blocked seats, as a Markdown table (nothing without resellers).
    static func resellersSection(_ context: ReportContext) -> String {
        let results = context.result.resellers
        guard !results.ids.isEmpty else { return "" }
        let rows = results.rows
        let (top, total) = resellersMostBlockedFirst(rows, limit: topResellers)
        var text = "\n## " + (total > top.count ? "Top \(top.count) of \(total) resellers by blocked seats" : "Resellers by blocked seats")
        text += "\n\n| Reseller | Customers | Unconfirmed | Invalid | Blocked new orders | Blocked seat changes | Seats affected | Violations |\n"
        text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for i in top {
            let r = rows[i]
            text += "| \(markdownEscaped(r.resellerId)) | \(r.customers) | \(r.unconfirmed) | \(r.invalid) | \(r.blockedNewOrders) | "
                + "\(r.blockedSeatChanges) | \(r.seatsAffected) | \(r.violations) |\n"
        }
        if total > top.count { text += "\n\(total - top.count) more in \(context.fullListName(csv: ReportList.resellers.csvFileName)).\n" }
        return text
    }
}

extension HTMLReport {
    /// The By reseller section: one row per reseller, most blocked seats first, capped at `rowLimit`.
    static func writeResellers(_ context: ReportContext, to file: ReportFile) throws {
        let rows = context.result.resellers.rows
        let (top, total) = resellersMostBlockedFirst(rows, limit: rowLimit)
        try file.append { t in
            t.append("<section id=\"resellers\" aria-labelledby=\"resellers-title\">\n<h2 id=\"resellers-title\">By reseller <span class=\"total\">(")
            t.append(total)
            t.append(")</span></h2>\n<p class=\"note\">")
            t.appendHTML("The customers of each reseller on record (direct: none), most blocked seats first. "
                + "A customer with two resellers counts for both; a violation counts for the reseller its order line names, "
                + "else for its customer's resellers.")
            t.append("</p>\n")
        }
        let shown = (top: top.map { RankedRow(size: rows[$0].seatsAffected, index: $0) }, total: total)
        func n(_ value: KeyPath<ResellerCounts, Int>) -> (RankedRow) -> String? { { String(rows[$0.index][keyPath: value]) } }
        try writeDataTable(caption: "By reseller", rows: shown, columns: [
            HTMLColumn("Reseller") { rows[$0.index].resellerId },
            HTMLColumn("Customers", numeric: true, n(\.customers)),
            HTMLColumn("Unconfirmed", numeric: true, n(\.unconfirmed)),
            HTMLColumn("Invalid", numeric: true, n(\.invalid)),
            HTMLColumn("Blocked new orders", numeric: true, n(\.blockedNewOrders)),
            HTMLColumn("Blocked seat changes", numeric: true, n(\.blockedSeatChanges)),
            HTMLColumn("Seats affected", numeric: true, n(\.seatsAffected)),
            HTMLColumn("Violations", numeric: true, n(\.violations)),
        ], moreIn: context.fullListName(csv: ReportList.resellers.csvFileName), to: file)
        try file.append("</section>\n")
    }
}
