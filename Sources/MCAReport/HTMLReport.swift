import MCAModel

/// One column of an HTML table: its title and how a row fills it.
struct HTMLColumn<Row> {
    let title: String
    let numeric: Bool
    let value: (Row) -> String?

    init(_ title: String, numeric: Bool = false, _ value: @escaping (Row) -> String?) {
        self.title = title
        self.numeric = numeric
        self.value = value
    }
}

/// `report.html`: one self-contained page (inline CSS, JS and SVG, no URL at all) that works
/// without JavaScript; the script only adds sorting and filtering to the tables.
enum HTMLReport {
    static let fileName = "report.html"
    /// Most rows one table shows; the CSV files hold the rest (README, "Reports").
    static let rowLimit = 5_000

    static func write(_ context: ReportContext, to file: ReportFile) throws {
        try writeHead(context, to: file)
        try writeSummary(context, to: file)
        try writeChanges(context, to: file)
        try writeTrend(context, to: file)
        try writeResellers(context, to: file)
        try writeBlockedNewOrders(context, to: file)
        try writeBlockedSeatChanges(context, to: file)
        try writeInvalidConfirmations(context, to: file)
        try writeViolations(context, to: file)
        try writeDataQuality(context, to: file)
        try writeInputs(context, to: file)
        try file.append { t in
            t.append("</main>\n<footer><p>Written by mca-audit ")
            t.appendHTML(context.options.toolVersion)
            t.append(context.options.redact ? ". Contact e-mail addresses and phone numbers are masked." : ".")
            t.append(" The CSV files and report.json next to this page hold every row.</p></footer>\n<script>\n")
            t.append(HTMLAssets.script)
            t.append("</script>\n</body>\n</html>\n")
        }
    }

    private static func writeBlockedNewOrders(_ context: ReportContext, to file: ReportFile) throws {
        let result = context.result
        let customers = context.result.customers
        let blocked = customers.indices.lazy
            .filter { customers.brief($0).newOrders.isBlocking }
            .map { RankedRow(size: customers.brief($0).seats, index: $0) }
        let shown = ranked(blocked)
        let outcome = outcomes(of: shown.top, in: customers)
        try writeTable(
            id: "blocked-new-orders", title: "Customers blocked from new orders",
            note: result.phase == .mandatory ? "Unconfirmed or invalid customers: new orders are blocked."
                : "Unconfirmed or invalid customers: new orders will be blocked at the cutover unless they confirm.",
            csv: CSVReports.blockedNewOrdersFile, context: context, rows: shown, to: file,
            columns: [
                HTMLColumn("Customer ID") { outcome($0).customerId },
                HTMLColumn("Company") { outcome($0).companyName },
                HTMLColumn("Cloud") { outcome($0).cloud.rawValue },
                HTMLColumn("Status") { outcome($0).status.rawValue },
                HTMLColumn("Reasons") { outcome($0).reasons.joined(separator: ", ") },
                HTMLColumn("New orders") { outcome($0).newOrders.rawValue },
                HTMLColumn("Days to cutover", numeric: true) { outcome($0).daysToCutover.map(String.init) },
                HTMLColumn("Seats", numeric: true) { String($0.size) },
            ])
    }

    private static func writeBlockedSeatChanges(_ context: ReportContext, to file: ReportFile) throws {
        let result = context.result
        let customers = context.result.customers
        let shown = ranked(blockedSubscriptionRows(customers))
        let outcome = outcomes(of: shown.top, in: customers)
        func sub(_ row: RankedRow) -> SeatSubscription { outcome(row).subscriptions[row.subIndex] }
        try writeTable(
            id: "blocked-seat-changes", title: "Seat-based subscriptions blocked from seat changes",
            note: "The seat count of these subscriptions cannot be changed"
                + (result.phase == .mandatory ? "." : " after the cutover unless the customer confirms."),
            csv: CSVReports.blockedSeatChangesFile, context: context, rows: shown, to: file,
            columns: [
                HTMLColumn("Customer ID") { outcome($0).customerId },
                HTMLColumn("Company") { outcome($0).companyName },
                HTMLColumn("Status") { outcome($0).status.rawValue },
                HTMLColumn("Seat changes") { outcome($0).seatChanges.rawValue },
                HTMLColumn("Subscription ID") { sub($0).subscriptionId },
                HTMLColumn("Offer ID") { sub($0).offerId },
                HTMLColumn("Offer") { sub($0).offerName },
                HTMLColumn("Seats", numeric: true) { String(sub($0).seats) },
            ])
    }

    private static func writeInvalidConfirmations(_ context: ReportContext, to file: ReportFile) throws {
        let customers = context.result.customers
        let redactor = context.redactor
        let invalid = customers.indices.lazy
            .filter { customers.brief($0).status == .invalid }
            .map { RankedRow(size: customers.brief($0).seats, index: $0) }
        let shown = ranked(invalid)
        let outcome = outcomes(of: shown.top, in: customers)
        func record(_ row: RankedRow) -> ConfirmationRecord? { outcome(row).newestRecord }
        try writeTable(
            id: "invalid-confirmations", title: "Invalid confirmations",
            note: "Customers whose newest confirmation on record has defects, with the contact it names.",
            csv: CSVReports.invalidConfirmationsFile, context: context, rows: shown, to: file,
            columns: [
                HTMLColumn("Customer ID") { outcome($0).customerId },
                HTMLColumn("Company") { outcome($0).companyName },
                HTMLColumn("Defects") { outcome($0).reasons.joined(separator: ", ") },
                HTMLColumn("First name") { record($0)?.firstName },
                HTMLColumn("Last name") { record($0)?.lastName },
                HTMLColumn("E-mail") { redactor.email(record($0)?.email) },
                HTMLColumn("Phone") { redactor.phone(record($0)?.phoneNumber) },
                HTMLColumn("Date agreed") { record($0)?.dateAgreed.reportText },
                HTMLColumn("Recorded by") { record($0)?.recordedByRole },
                HTMLColumn("Seats", numeric: true) { String($0.size) },
            ])
    }

    private static func writeViolations(_ context: ReportContext, to file: ReportFile) throws {
        let customers = context.result.customers
        let violations = context.result.violations
        // One read of the spooled violations: the rows shown (at most `rowLimit`) are kept as they go by.
        let top = topRanked(violations.enumerated().lazy.map { (row: RankedRow(size: $0.element.quantity, index: $0.offset), violation: $0.element) },
                            limit: rowLimit) { RankedRow.largestFirst($0.row, $1.row) }
        let shownViolations = (top: top.top.map(\.row), total: top.total)
        var shown: [Int: Violation] = [:], companies: [Int: String] = [:]
        for kept in top.top { shown[kept.row.index] = kept.violation }
        // The lookup walks the customers in violation order; the table is in quantity order.
        let lookup = CompanyLookup(customers)
        for (index, violation) in shown.sorted(by: { $0.key < $1.key }) {
            companies[index] = lookup.companyName(of: violation.customerId)
        }
        // Every row shown is in `shown`: both come from `top`.
        let violation = { [shown] (row: RankedRow) in shown[row.index]! }
        try writeTable(
            id: "order-violations", title: "Orders placed without a confirmation",
            note: "Order lines created on or after the cutover for a customer without a valid confirmation (largest quantity first).",
            csv: CSVReports.orderViolationsFile, context: context, rows: shownViolations, to: file,
            columns: [
                HTMLColumn("Customer ID") { violation($0).customerId },
                HTMLColumn("Company") { [companies] in companies[$0.index] },
                HTMLColumn("Order ID") { violation($0).orderId },
                HTMLColumn("Line", numeric: true) { String(violation($0).lineItemNumber) },
                HTMLColumn("Created") { violation($0).creationDate.iso },
                HTMLColumn("Subscription ID") { violation($0).subscriptionId },
                HTMLColumn("Offer ID") { violation($0).offerId },
                HTMLColumn("Quantity", numeric: true) { String(violation($0).quantity) },
                HTMLColumn("Code") { _ in Violation.code },
            ])
    }

    private static func writeDataQuality(_ context: ReportContext, to file: ReportFile) throws {
        let redactor = context.redactor
        let findings = context.result.dataQuality
        let shown = Array(findings.prefix(rowLimit))
        try writeTable(
            id: "data-quality", title: "Data quality",
            note: "Rejected input rows (errors) and rows kept with a warning, in input order.",
            csv: CSVReports.dataQualityFile, context: context,
            rows: (shown.indices.map { RankedRow(size: 0, index: $0) }, findings.count), to: file,
            columns: [
                HTMLColumn("File") { shown[$0.index].file },
                HTMLColumn("Line", numeric: true) { String(shown[$0.index].line) },
                HTMLColumn("Severity") { shown[$0.index].severity.rawValue },
                HTMLColumn("Code") { shown[$0.index].code.rawValue },
                HTMLColumn("Message") { redactor.scrub(shown[$0.index].message) },
            ])
    }

    private static func writeHead(_ context: ReportContext, to file: ReportFile) throws {
        let result = context.result
        try file.append { t in
            t.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            t.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            // Belt and braces: even injected markup could not load or send anything.
            t.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n")
            t.append("<title>MCA confirmation audit as of ")
            t.append(result.asOf)
            t.append("</title>\n<style>\n")
            t.append(HTMLAssets.style)
            t.append("</style>\n</head>\n<body>\n<header>\n<h1>MCA confirmation audit</h1>\n<dl class=\"facts\">\n")
            func fact(_ term: String, _ value: String) {
                t.append("<div><dt>")
                t.appendHTML(term)
                t.append("</dt><dd>")
                t.appendHTML(value)
                t.append("</dd></div>\n")
            }
            fact("As of", result.asOf.iso)
            fact("Phase", result.phase.rawValue)
            fact("Run date", "\(result.runDate.iso) (\(result.timeZone))")
            fact("Cutover", "\(result.policy.mandatoryFrom.iso), \(context.cutoverDistance)")
            fact("Agreement type", result.policy.agreementType)
            fact("Supported clouds", result.policy.supportedClouds.map(\.rawValue).joined(separator: ", "))
            t.append("</dl>\n<p class=\"lead\">")
            t.appendHTML(context.cutoverSentence)
            t.append(".</p>\n</header>\n<main>\n")
        }
    }

    private static func writeSummary(_ context: ReportContext, to file: ReportFile) throws {
        let summary = context.result.summary
        let atCutover = context.result.phase == .mandatory ? "" : " at the cutover"
        try file.append { t in
            let notices = context.result.notices
            if !notices.isEmpty {
                t.append("<section id=\"notices\" class=\"notices\" aria-label=\"Notices\">\n<ul>\n")
                for notice in notices {
                    t.append("<li><strong>")
                    t.appendHTML(notice.code.rawValue)
                    t.append("</strong>: ")
                    t.appendHTML(notice.message)
                    t.append("</li>\n")
                }
                t.append("</ul>\n</section>\n")
            }
            t.append("<section id=\"summary\" aria-labelledby=\"summary-title\">\n<h2 id=\"summary-title\">Summary</h2>\n<ul class=\"counts\">\n")
            func count(_ value: Int, _ label: String, _ kind: String = "") {
                t.append(kind.isEmpty ? "<li>" : "<li class=\"\(kind)\">")
                t.append("<span class=\"n\">")
                t.append(value)
                t.append("</span> ")
                t.appendHTML(label)
                t.append("</li>\n")
            }
            count(summary.customers, "customers")
            count(summary.blockedNewOrders, "blocked from new orders" + atCutover, summary.blockedNewOrders > 0 ? "bad" : "")
            count(summary.blockedSeatChanges, "blocked from seat changes" + atCutover, summary.blockedSeatChanges > 0 ? "bad" : "")
            count(summary.seatsAffected, "seats affected", summary.seatsAffected > 0 ? "bad" : "")
            count(summary.violations, "order violations", summary.violations > 0 ? "bad" : "")
            count(summary.rowsRejected, "rejected rows", summary.rowsRejected > 0 ? "warn" : "")
            count(summary.warnings, "warnings", summary.warnings > 0 ? "warn" : "")
            if summary.otherAgreementTypes > 0 { count(summary.otherAgreementTypes, "agreement rows of another type (ignored)") }
            t.append("</ul>\n")
            appendStatusChart(summary, to: &t)
            t.append("</section>\n")
        }
    }

    /// A horizontal bar chart of customers by status, in integer coordinates so the bytes never vary.
    private static func appendStatusChart(_ summary: Summary, to t: inout TextBuffer) {
        let statuses = CustomerStatus.allCases
        let maximum = max(1, statuses.map { summary.count($0) }.max() ?? 0)
        let labelWidth = 130, barArea = 420, rowHeight = 34, barHeight = 24
        let height = statuses.count * rowHeight + 8
        t.append("<figure class=\"chart\">\n<svg role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 640 ")
        t.append(height)
        t.append("\" width=\"640\" height=\"")
        t.append(height)
        t.append("\">\n<title id=\"chart-title\">Customers by status</title>\n")
        for (i, status) in statuses.enumerated() {
            let value = summary.count(status)
            let width = value * barArea / maximum
            let y = 4 + i * rowHeight
            let css = status.rawValue.lowercased().replacingOccurrences(of: "_", with: "-")
            t.append("<text x=\"0\" y=\"")
            t.append(y + 17)
            t.append("\" class=\"label\">")
            t.appendHTML(status.rawValue)
            t.append("</text><rect x=\"")
            t.append(labelWidth)
            t.append("\" y=\"")
            t.append(y)
            t.append("\" width=\"")
            t.append(width)
            t.append("\" height=\"")
            t.append(barHeight)
            t.append("\" class=\"bar s-\(css)\"></rect><text x=\"")
            t.append(labelWidth + width + 6)
            t.append("\" y=\"")
            t.append(y + 17)
            t.append("\" class=\"value\">")
            t.append(value)
            t.append("</text>\n")
        }
        t.append("</svg>\n<figcaption>Customers by status</figcaption>\n</figure>\n")
    }

    /// The rows one table shows: at most `rowLimit`, largest first, and how many there are in all.
    private static func ranked(_ rows: some Sequence<RankedRow>) -> (top: [RankedRow], total: Int) {
        topRanked(rows, limit: rowLimit, by: RankedRow.largestFirst)
    }

    /// The outcome of each row's customer, made once per customer: the columns ask for one field
    /// at a time, and an outcome is made anew at each ask (`CustomerOutcomes`).
    private static func outcomes(of rows: [RankedRow], in customers: CustomerOutcomes) -> (RankedRow) -> CustomerOutcome {
        var made: [Int: CustomerOutcome] = [:]
        for row in rows where made[row.index] == nil { made[row.index] = customers[row.index] }
        return { [made] row in made[row.index] ?? customers[row.index] }
    }

    /// A section with a sortable, filterable table of the `ranked` rows.
    private static func writeTable(id: String, title: String, note: String, csv: String, context: ReportContext,
                                   rows ranked: (top: [RankedRow], total: Int), to file: ReportFile,
                                   columns: [HTMLColumn<RankedRow>]) throws {
        try file.append { t in
            t.append("<section id=\"\(id)\" aria-labelledby=\"\(id)-title\">\n<h2 id=\"\(id)-title\">")
            t.appendHTML(title)
            t.append(" <span class=\"total\">(")
            t.append(ranked.total)
            t.append(")</span></h2>\n<p class=\"note\">")
            t.appendHTML(note)
            t.append("</p>\n")
        }
        try writeDataTable(caption: title, rows: ranked, columns: columns, moreIn: context.fullListName(csv: csv), to: file)
        try file.append("</section>\n")
    }

    /// A sortable, filterable table of the `ranked` rows (or "None."), and how many rows it leaves out.
    static func writeDataTable(caption: String, rows ranked: (top: [RankedRow], total: Int),
                               columns: [HTMLColumn<RankedRow>], moreIn: String, to file: ReportFile) throws {
        let (top, total) = ranked
        guard total > 0 else { return try file.append("<p class=\"none\">None.</p>\n") }
        try file.append { t in
            t.append("<div class=\"scroll\">\n<table class=\"data\">\n<caption>")
            t.appendHTML(caption)
            if total > top.count {
                t.append(" (")
                t.append(top.count)
                t.append(" of ")
                t.append(total)
                t.append(" rows)")
            }
            t.append("</caption>\n<thead><tr>")
            for column in columns {
                t.append(column.numeric ? "<th scope=\"col\" data-type=\"number\" class=\"num\">" : "<th scope=\"col\">")
                t.appendHTML(column.title)
                t.append("</th>")
            }
            t.append("</tr></thead>\n<tbody>\n")
        }
        for row in top {
            try file.append { t in
                t.append("<tr>")
                for column in columns {
                    t.append(column.numeric ? "<td class=\"num\">" : "<td>")
                    if let value = column.value(row) { t.appendHTML(value) }
                    t.append("</td>")
                }
                t.append("</tr>\n")
            }
        }
        try file.append { t in
            t.append("</tbody>\n</table>\n</div>\n")
            if total > top.count {
                t.append("<p class=\"more\">")
                t.append(total - top.count)
                t.append(" more rows in ")
                t.appendHTML(moreIn)
                t.append(".</p>\n")
            }
        }
    }

    private static func writeInputs(_ context: ReportContext, to file: ReportFile) throws {
        let inputs = context.result.inputs
        try file.append { t in
            t.append("<section id=\"inputs\" aria-labelledby=\"inputs-title\">\n<h2 id=\"inputs-title\">Inputs</h2>\n")
            guard !inputs.isEmpty else { return t.append("<p class=\"none\">None.</p>\n</section>\n") }
            t.append("<div class=\"scroll\">\n<table class=\"data\">\n<caption>Input files</caption>\n<thead><tr>")
            t.append("<th scope=\"col\">Kind</th><th scope=\"col\">File</th><th scope=\"col\">Format</th>")
            t.append("<th scope=\"col\" data-type=\"number\" class=\"num\">Rows read</th>")
            t.append("<th scope=\"col\" data-type=\"number\" class=\"num\">Accepted</th>")
            t.append("<th scope=\"col\" data-type=\"number\" class=\"num\">Rejected</th>")
            t.append("<th scope=\"col\" data-type=\"number\" class=\"num\">Warnings</th>")
            t.append("<th scope=\"col\">SHA-256</th></tr></thead>\n<tbody>\n")
            for input in inputs {
                t.append("<tr><td>")
                t.appendHTML(input.kind.rawValue)
                t.append("</td><td>")
                t.appendHTML(input.path)
                t.append("</td><td>")
                t.appendHTML(input.format.rawValue)
                t.append("</td><td class=\"num\">")
                t.append(input.rowsRead)
                t.append("</td><td class=\"num\">")
                t.append(input.rowsAccepted)
                t.append("</td><td class=\"num\">")
                t.append(input.rowsRejected)
                t.append("</td><td class=\"num\">")
                t.append(input.warnings)
                t.append("</td><td class=\"hash\">")
                t.appendHTML(input.sha256)
                t.append("</td></tr>\n")
            }
            t.append("</tbody>\n</table>\n</div>\n</section>\n")
        }
    }
}

extension TextBuffer {
    /// Text for an HTML element or a quoted attribute: `& < > " '` become character references.
    mutating func appendHTML(_ text: String) {
        withUTF8Bytes(text) { appendHTML(utf8: $0) }
    }

    private static let htmlSpecial = ByteSet { b in
        b == UInt8(ascii: "&") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "\"")
            || b == UInt8(ascii: "'")
    }

    private mutating func appendHTML(utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        while true {
            let special = TextBuffer.htmlSpecial.firstIndex(in: utf8, from: start)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<special]))
            guard special < utf8.count else { return }
            switch utf8[special] {
            case UInt8(ascii: "&"): append("&amp;")
            case UInt8(ascii: "<"): append("&lt;")
            case UInt8(ascii: ">"): append("&gt;")
            case UInt8(ascii: "\""): append("&quot;")
            default: append("&#39;")
            }
            start = special + 1
        }
    }
}
