import Foundation
import MCATestSupport
import Testing

/// The fixtures' report.html in headless Chromium: the rows the browser parsed (what a reader
/// without JavaScript sees), then sorting by a click on a column header and filtering through
/// the search box, with no script error. `.ci/run` installs Debian's chromium; elsewhere the test
/// runs only when chromium is on PATH.
@Suite struct BrowserReportTests {
    static let chromium = ExternalTool.find("chromium")
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil

    /// First in <head>: records every error and console.error from then on.
    static let recorder = """
    <script>
    window.__testErrors = [];
    window.addEventListener('error', function (e) { window.__testErrors.push('error: ' + e.message); });
    window.addEventListener('unhandledrejection', function (e) { window.__testErrors.push('rejection: ' + e.reason); });
    document.addEventListener('securitypolicyviolation', function (e) { window.__testErrors.push('csp: ' + e.violatedDirective); });
    (function () {
      var original = console.error;
      console.error = function () {
        window.__testErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
        original.apply(console, arguments);
      };
    })();
    window.__snapshot = function (table) {
      var body = table.tBodies[0];
      var rows = body ? Array.prototype.slice.call(body.rows) : [];
      return {
        rows: rows.map(function (r) { return Array.prototype.map.call(r.cells, function (c) { return c.textContent.trim(); }); }),
        visible: rows.filter(function (r) { return !r.hidden; }).length
      };
    };
    window.__tables = function () {
      var out = {};
      Array.prototype.forEach.call(document.querySelectorAll('section[id] table.data'), function (table) {
        out[table.closest('section').id] = window.__snapshot(table);
      });
      return out;
    };
    </script>

    """

    /// Just before the page's own script: the DOM as parsed, before any script touched it.
    static let staticSnapshot = """
    <script>
    window.__static = { tables: window.__tables(), searchBoxes: document.querySelectorAll('input[type=search]').length };
    </script>

    """

    /// Last in <body>, after the page's script: clicks and typing, then the result as base64 JSON.
    static let actions = """
    <script>
    (function () {
      var result = { static: window.__static, steps: [] };
      function table(section) { return document.querySelector('#' + section + ' table.data'); }
      function step(name, section) { result.steps.push({ name: name, section: section, table: window.__snapshot(table(section)) }); }
      function header(section, text) {
        return Array.prototype.filter.call(table(section).tHead.rows[0].cells, function (th) { return th.textContent === text; })[0];
      }
      try {
        result.searchBoxes = document.querySelectorAll('input[type=search]').length;
        result.counts = {};
        Array.prototype.forEach.call(document.querySelectorAll('#summary ul.counts li'), function (li) {
          var n = li.querySelector('.n');
          result.counts[li.textContent.replace(n.textContent, '').trim()] = parseInt(n.textContent, 10);
        });
        step('loaded', 'blocked-seat-changes');
        header('blocked-seat-changes', 'Seats').click();
        step('seats once', 'blocked-seat-changes');
        header('blocked-seat-changes', 'Seats').click();
        step('seats twice', 'blocked-seat-changes');
        step('loaded', 'blocked-new-orders');
        header('blocked-new-orders', 'Company').click();
        step('company', 'blocked-new-orders');
        var input = document.querySelector('#blocked-new-orders input[type=search]');
        input.value = 'no_confirmation';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        step('filtered', 'blocked-new-orders');
        result.shown = document.querySelector('#blocked-new-orders .shown').textContent;
        result.ariaSort = header('blocked-new-orders', 'Company').getAttribute('aria-sort');
        input.value = '';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        step('cleared', 'blocked-new-orders');
      } catch (e) {
        window.__testErrors.push('test: ' + e);
      }
      result.errors = window.__testErrors;
      var pre = document.createElement('pre');
      pre.id = 'test-result';
      pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(result))));
      document.body.appendChild(pre);
    })();
    </script>

    """

    struct Table: Equatable {
        var rows: [[String]]
        var visible: Int
    }

    @Test(.enabled(if: chromium != nil || inCI, "needs chromium (installed by .ci/run)"), .timeLimit(.minutes(3)))
    func reportWorksInHeadlessChromium() throws {
        let chromium = try #require(BrowserReportTests.chromium, "chromium is not installed")
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        let run = try audit(["--quiet"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent("2018-11-30")
        let page = try injected(String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8))
        let pageURL = tmp.url.appendingPathComponent("page.html")
        try Data(page.utf8).write(to: pageURL)

        let browser = try ExternalTool.run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=\(tmp.url.appendingPathComponent("profile").path)",
            "--virtual-time-budget=5000", "--dump-dom", pageURL.absoluteString,
        ], seconds: 90)
        #expect(browser.status == 0, "\(browser.stderr)")
        let result = try #require(try resultJSON(browser.stdout), "no test result in the DOM: \(browser.stdout.prefix(2000))")

        #expect(result["errors"] as? [String] == [], "script errors: \(result["errors"] ?? "none")")
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as? [String: Any])
        let customers = try #require(json["customers"] as? [[String: Any]])
        let summary = try #require(json["summary"] as? [String: Any])

        // The header's counts are report.json's.
        let counts = try #require(result["counts"] as? [String: Int])
        for (label, key) in [("customers", "customers"), ("blocked from new orders", "blockedNewOrders"),
                             ("blocked from seat changes", "blockedSeatChanges"), ("seats affected", "seatsAffected"),
                             ("order violations", "violations"), ("rejected rows", "rowsRejected"), ("warnings", "warnings")] {
            #expect(counts[label] != nil && counts[label] == summary[key] as? Int, "\(label): \(counts)")
        }

        // Without JavaScript: every row is in the parsed page, none hidden, no search box yet.
        let staticPage = try #require(result["static"] as? [String: Any])
        #expect(staticPage["searchBoxes"] as? Int == 0)
        let tables = try #require(staticPage["tables"] as? [String: Any]).compactMapValues(table)
        let blockedIds = customers.filter { ["BLOCKED", "BLOCKED_AT_CUTOVER"].contains($0["newOrders"] as? String) }
            .compactMap { $0["customerId"] as? String }
        let blockedNew = try #require(tables["blocked-new-orders"])
        #expect(blockedNew.rows.count == summary["blockedNewOrders"] as? Int)
        #expect(Set(blockedNew.rows.map(\.[0])) == Set(blockedIds))
        #expect(blockedNew.visible == blockedNew.rows.count)
        #expect(blockedNew.rows.contains { $0[1] == "<script>alert(1)</script> Ltd" }, "escaped markup shows as text")
        let seatTable = try #require(tables["blocked-seat-changes"])
        #expect(seatTable.rows.reduce(0) { $0 + (Int($1[7]) ?? 0) } == summary["seatsAffected"] as? Int)
        #expect(seatTable.rows.map(\.[7]) == ["15", "9", "5", "5", "4", "3"], "most seats first")
        #expect(tables["invalid-confirmations"]?.rows.count == (summary["byStatus"] as? [String: Int])?["INVALID"])
        #expect(tables["order-violations"]?.rows.count == summary["violations"] as? Int)
        #expect(tables["data-quality"]?.rows.count
                    == (summary["rowsRejected"] as? Int ?? -1) + (summary["warnings"] as? Int ?? -1))
        for (name, table) in tables { #expect(table.visible == table.rows.count, "\(name)") }

        // With JavaScript: one search box per table, and the clicks and typing did what they say.
        #expect(result["searchBoxes"] as? Int == tables.count)
        let steps = try #require(result["steps"] as? [[String: Any]]).map { step in
            (name: step["name"] as? String ?? "", table: (step["table"]).flatMap(table))
        }
        try #require(steps.map(\.name) == ["loaded", "seats once", "seats twice", "loaded", "company", "filtered", "cleared"])
        let seats = try steps.map { try #require($0.table) }
        #expect(seats[0] == seatTable, "the script changed nothing before a click")
        let ascending = stableSorted(seats[0].rows) { Int($0[7]) ?? 0 < Int($1[7]) ?? 0 }
        #expect(seats[1].rows == ascending)
        #expect(seats[1].rows.map(\.[7]) == ["3", "4", "5", "5", "9", "15"])
        #expect(seats[2].rows == stableSorted(seats[1].rows) { Int($0[7]) ?? 0 > Int($1[7]) ?? 0 })
        let byCompany = stableSorted(seats[3].rows) { $0[1].lowercased() < $1[1].lowercased() }
        #expect(seats[4].rows == byCompany)
        #expect(seats[4].rows != seats[3].rows, "the fixture order is not already by company")
        #expect(seats[4].rows.first?[1] == "<script>alert(1)</script> Ltd")
        #expect(result["ariaSort"] as? String == "ascending")
        let matching = customers.filter {
            blockedIds.contains($0["customerId"] as? String ?? "") && ($0["reasons"] as? [String] ?? []).contains("NO_CONFIRMATION")
        }.count
        #expect(matching == 2)
        #expect(seats[5].visible == matching)
        #expect(seats[5].rows == seats[4].rows, "filtering hides rows, it does not reorder them")
        #expect(result["shown"] as? String == "\(matching) of \(blockedNew.rows.count) rows")
        #expect(seats[6].visible == blockedNew.rows.count)
    }

    /// The page with the three scripts in place; fails if the page's shape changed under the test.
    private func injected(_ html: String) throws -> String {
        let charset = try #require(html.range(of: "<meta charset=\"utf-8\">\n"))
        var page = html
        page.insert(contentsOf: BrowserReportTests.recorder, at: charset.upperBound)
        let pageScript = try #require(page.range(of: "\n<script>\n", options: .backwards))
        page.insert(contentsOf: BrowserReportTests.staticSnapshot, at: page.index(after: pageScript.lowerBound))
        let end = try #require(page.range(of: "</body>", options: .backwards))
        page.insert(contentsOf: BrowserReportTests.actions, at: end.lowerBound)
        return page
    }

    private func resultJSON(_ dom: String) throws -> [String: Any]? {
        guard let start = dom.range(of: "<pre id=\"test-result\">"),
              let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex),
              let data = Data(base64Encoded: String(dom[start.upperBound..<end.lowerBound]))
        else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    private func table(_ value: Any) -> Table? {
        guard let t = value as? [String: Any], let rows = t["rows"] as? [[String]], let visible = t["visible"] as? Int else {
            return nil
        }
        return Table(rows: rows, visible: visible)
    }

    /// Sorted by `before`, ties in their current order (as the page's sort does).
    private func stableSorted(_ rows: [[String]], by before: ([String], [String]) -> Bool) -> [[String]] {
        rows.enumerated().sorted { a, b in
            if before(a.element, b.element) { return true }
            if before(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}
