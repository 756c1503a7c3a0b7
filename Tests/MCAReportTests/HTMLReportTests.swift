import Foundation
import MCAEvaluate
import MCAModel
import MCAStorage
import Testing
@testable import MCAReport

@Suite struct HTMLReportTests {
    private func page(_ result: AuditResult = SampleAudit.result(),
                      options: ReportOptions = SampleAudit.options) throws -> String {
        let (folder, _) = try writeReports(result, options: options)
        defer { folder.cleanUp() }
        return try folder.text("report.html")
    }

    /// The text of one `<section id=…>`.
    private func section(_ id: String, of html: String) throws -> String {
        let start = try #require(html.range(of: "<section id=\"\(id)\""))
        let end = try #require(html.range(of: "</section>", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    private func rows(_ section: String) -> [String] {
        section.components(separatedBy: "\n").filter { $0.hasPrefix("<tr><td>") }
    }

    @Test func aScriptInACompanyNameIsShownAsText() throws {
        let html = try page()
        #expect(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
        #expect(!html.contains("<script>alert"))
        #expect(html.components(separatedBy: "<script").count == 2, "only the page's own script")
        #expect(html.contains("<td>Fabrikam &quot;Quoted&quot; Café</td>"))
        #expect(html.contains("<td>=HYPERLINK(&quot;evil.example&quot;,&quot;Click&quot;)</td>"))
        #expect(html.contains("<td>unknown customer &#39;c-999&#39; (contact bob.smith@contoso.com)</td>"))
    }

    @Test func thePageLoadsNothingFromTheNetwork() throws {
        var result = SampleAudit.result()
        result.customers.modify { $0[1].companyName = "Evil https://evil.example/x.js <img src=//evil.example/p>" }
        let html = try page(result)
        #expect(html.contains("Evil https://evil.example/x.js &lt;img src=//evil.example/p&gt;"))
        // The only URL-looking text is that escaped company name, always inside a cell.
        let withoutData = html.replacingOccurrences(of: "Evil https://evil.example/x.js &lt;img src=//evil.example/p&gt;", with: "")
        #expect(!withoutData.contains("http://"))
        #expect(!withoutData.contains("https://"))
        #expect(!withoutData.contains("src="))
        #expect(!withoutData.contains("href="))
        #expect(!withoutData.contains("url("))
        #expect(!withoutData.contains("@import"))
        #expect(!withoutData.contains("<link"))
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"))
        #expect(html.contains("<style>\n"))
        #expect(html.contains("<svg role=\"img\""))
    }

    @Test func theHeaderCarriesTheRunFactsAndCounts() throws {
        let html = try page()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"))
        #expect(html.contains("<title>MCA confirmation audit as of 2018-11-07</title>"))
        #expect(html.contains("<div><dt>As of</dt><dd>2018-11-07</dd></div>"))
        #expect(html.contains("<div><dt>Phase</dt><dd>MANDATORY</dd></div>"))
        #expect(html.contains("<div><dt>Run date</dt><dd>2018-11-08 (Europe/Paris)</dd></div>"))
        #expect(html.contains("<div><dt>Cutover</dt><dd>2018-11-07, today</dd></div>"))
        #expect(html.contains("<li><span class=\"n\">6</span> customers</li>"))
        #expect(html.contains("<li class=\"bad\"><span class=\"n\">4</span> blocked from new orders</li>"))
        #expect(html.contains("<li class=\"bad\"><span class=\"n\">37</span> seats affected</li>"))
        #expect(html.contains("<li class=\"warn\"><span class=\"n\">1</span> rejected rows</li>"))
        let optional = try page(SampleAudit.optionalPhaseResult())
        #expect(optional.contains("<div><dt>Cutover</dt><dd>2018-11-07, in 37 days</dd></div>"))
        #expect(optional.contains("<p class=\"lead\">37 days to the cutover (2018-11-07).</p>"))
        #expect(optional.contains("<span class=\"n\">4</span> blocked from new orders at the cutover</li>"))
    }

    @Test func theStatusChartIsInlineSVGWithOneBarPerStatus() throws {
        let html = try page()
        let chart = try section("summary", of: html)
        #expect(chart.components(separatedBy: "<rect ").count == 5)
        // UNCONFIRMED (3) is the longest bar; the others are a third of it.
        #expect(chart.contains("<text x=\"0\" y=\"55\" class=\"label\">UNCONFIRMED</text><rect x=\"130\" y=\"38\" width=\"420\" height=\"24\" class=\"bar s-unconfirmed\"></rect><text x=\"556\" y=\"55\" class=\"value\">3</text>"))
        #expect(chart.contains("width=\"140\" height=\"24\" class=\"bar s-confirmed\""))
    }

    @Test func tablesAreSemanticAndSortedMostSeatsFirst() throws {
        let html = try page()
        let blocked = try section("blocked-new-orders", of: html)
        #expect(blocked.contains("<caption>Customers blocked from new orders</caption>"))
        #expect(blocked.contains("<thead><tr><th scope=\"col\">Customer ID</th><th scope=\"col\">Company</th>"))
        #expect(blocked.contains("<th scope=\"col\" data-type=\"number\" class=\"num\">Seats</th></tr></thead>"))
        #expect(rows(blocked).map { $0.prefix(14) } == ["<tr><td>c-002<", "<tr><td>c-003<", "<tr><td>c-005<", "<tr><td>c-006<"])

        let seats = rows(try section("blocked-seat-changes", of: html))
        #expect(seats == [
            "<tr><td>c-002</td><td>Fabrikam &quot;Quoted&quot; Café</td><td>UNCONFIRMED</td><td>BLOCKED</td><td>sub-2a</td><td>O365_E5</td><td>Office 365 E5</td><td class=\"num\">25</td></tr>",
            "<tr><td>c-003</td><td>=HYPERLINK(&quot;evil.example&quot;,&quot;Click&quot;)</td><td>INVALID</td><td>BLOCKED</td><td>sub-3</td><td>O365_E1</td><td>Office 365 E1</td><td class=\"num\">7</td></tr>",
            "<tr><td>c-002</td><td>Fabrikam &quot;Quoted&quot; Café</td><td>UNCONFIRMED</td><td>BLOCKED</td><td></td><td>EMS</td><td></td><td class=\"num\">5</td></tr>",
        ])

        let invalid = rows(try section("invalid-confirmations", of: html))
        #expect(invalid == [
            "<tr><td>c-003</td><td>=HYPERLINK(&quot;evil.example&quot;,&quot;Click&quot;)</td><td>MISSING_LAST_NAME, INVALID_DATE</td><td>Jane</td><td></td><td>jane.doe@contoso.com</td><td>+1 425 555 0145</td><td>13/45/2018</td><td>AdminAgent</td><td class=\"num\">7</td></tr>",
        ])
        #expect(rows(try section("order-violations", of: html)) == [
            "<tr><td>c-002</td><td>Fabrikam &quot;Quoted&quot; Café</td><td>ord-9</td><td class=\"num\">1</td><td>2018-11-07</td><td>sub-2a</td><td>O365_E5</td><td class=\"num\">5</td><td>ORDER_WITHOUT_CONFIRMATION</td></tr>",
        ])
        #expect(rows(try section("data-quality", of: html)).count == 2)
    }

    @Test func violationsAreSortedByQuantityAndDataQualityKeepsInputOrder() throws {
        var result = SampleAudit.result()
        let base = Array(result.violations)[0]
        result.violations = Spooled([3, 40, 7, 40].enumerated().map { i, quantity in
            var v = base
            v.orderId = "ord-\(i)"
            v.quantity = quantity
            return v
        })
        result.dataQuality = Spooled((1...3).reversed().map {
            Finding(file: "orders.csv", line: $0 * 10, code: .invalidQuantity, message: "bad quantity \($0)")
        })
        let html = try page(result)
        let orders = rows(try section("order-violations", of: html)).map { $0.components(separatedBy: "<td>")[3].components(separatedBy: "</td>")[0] }
        #expect(orders == ["ord-1", "ord-3", "ord-2", "ord-0"])
        let lines = rows(try section("data-quality", of: html)).map { $0.components(separatedBy: "</td><td")[1] }
        #expect(lines == [" class=\"num\">30", " class=\"num\">20", " class=\"num\">10"])
    }

    @Test func historySectionsAppearOnlyWithAHistory() throws {
        let plain = try page()
        #expect(!plain.contains("<section id=\"changes\""))
        #expect(!plain.contains("<section id=\"trend\""))

        let html = try page(SampleAudit.historyResult())
        let changes = try section("changes", of: html)
        #expect(changes.contains("<p class=\"note\">Compared with the run as of 2018-11-06 (run date 2018-11-07).</p>"))
        #expect(changes.contains("<li class=\"bad\"><span class=\"n\">1</span> newly blocked</li>"))
        #expect(changes.contains("<li><span class=\"n\">0</span> newly invalid</li>"))
        #expect(changes.contains("<caption>Newly blocked</caption>"))
        #expect(!changes.contains("<caption>Newly invalid</caption>"))
        #expect(rows(changes).contains(
            "<tr><td>c-006</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>not in the previous run</td><td>UNCONFIRMED, new orders BLOCKED</td><td class=\"num\">0</td><td class=\"num\">0</td></tr>"))
        #expect(rows(changes).contains(
            "<tr><td>c-002</td><td>Fabrikam &quot;Quoted&quot; Café</td><td>UNCONFIRMED, new orders BLOCKED_AT_CUTOVER</td><td>UNCONFIRMED, new orders BLOCKED</td><td class=\"num\">30</td><td class=\"num\">1</td></tr>"))

        let trend = try section("trend", of: html)
        #expect(trend.components(separatedBy: "<polyline ").count == 5)
        // Blocked new orders 5, 4, 4 over three runs; the largest count (5) is the top of the plot.
        #expect(trend.contains("<polyline class=\"line s-blocked\" points=\"48,12 336,44 624,44\">"))
        #expect(rows(trend).map { $0.prefix(22) } == ["<tr><td>2018-11-07</td", "<tr><td>2018-11-06</td", "<tr><td>2018-11-05</td"])

        var first = SampleAudit.historyResult()
        first.changes = RunChanges()
        first.trend = Array(first.trend?.suffix(1) ?? [])
        let firstRun = try page(first)
        #expect(try section("changes", of: firstRun).contains("This is the first run in the history: nothing to compare with."))
        #expect(try section("trend", of: firstRun).contains("points=\"336,"))
    }

    @Test func anEmptyTableSaysNone() throws {
        var result = SampleAudit.result()
        result.violations = []
        let html = try page(result)
        let violations = try section("order-violations", of: html)
        #expect(violations.contains("<span class=\"total\">(0)</span>"))
        #expect(violations.contains("<p class=\"none\">None.</p>"))
        #expect(!violations.contains("<table"))
    }

    @Test func bigTablesStopAt5000RowsAndPointToTheCSV() throws {
        var result = SampleAudit.result()
        result.customers = CustomerOutcomes((0..<(HTMLReport.rowLimit + 3)).map { i in
            CustomerOutcome(customerId: String(format: "id-%05d", i), companyName: "Company \(i)", domain: nil, cloud: .public,
                            status: .unconfirmed, reasons: ["NO_CONFIRMATION"], confirmedOn: nil, newOrders: .blocked,
                            seatChanges: .blocked, daysToCutover: nil,
                            subscriptions: [SeatSubscription(subscriptionId: "s", offerId: "o", seats: i + 1)],
                            newestRecord: nil)
        })
        let html = try page(result)
        let blocked = try section("blocked-new-orders", of: html)
        let shown = rows(blocked)
        #expect(shown.count == 5_000)
        // Most seats first: the three customers with the fewest seats are the ones left out.
        #expect(shown.first?.hasPrefix("<tr><td>id-05002</td>") == true)
        #expect(shown.last?.hasPrefix("<tr><td>id-00003</td>") == true)
        #expect(blocked.contains("<caption>Customers blocked from new orders (5000 of 5003 rows)</caption>"))
        #expect(blocked.contains("<p class=\"more\">3 more rows in blocked-new-orders.csv.</p>"))
        #expect(rows(try section("blocked-seat-changes", of: html)).count == 5_000)
        #expect(try section("blocked-seat-changes", of: html).contains("3 more rows in blocked-seat-changes.csv."))

        let withoutCSV = try page(result, options: ReportOptions(formats: [.html, .json], toolVersion: "0.1.0"))
        #expect(try section("blocked-new-orders", of: withoutCSV).contains("<p class=\"more\">3 more rows in report.json.</p>"))
    }

    @Test func scriptsAndStylesAreThereForSortingFilteringAndPrint() throws {
        let html = try page()
        #expect(html.contains("@media print {"))
        #expect(html.contains("input.type = 'search';"))
        #expect(html.contains("th.addEventListener('click', sort);"))
        #expect(html.hasSuffix("</script>\n</body>\n</html>\n"))
        // Without JavaScript every row is in the markup already, unhidden.
        #expect(!html.contains(" hidden"))
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("a & b", "a &amp; b"),
        ("<b>\"x\"</b>", "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"),
        ("it's", "it&#39;s"),
        ("Café", "Café"),
    ])
    func htmlEscaping(input: String, expected: String) {
        var buffer = TextBuffer()
        buffer.appendHTML(input)
        #expect(buffer.text == expected)
    }
}
