import Foundation
import MCATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Helpers

private let asOfArguments = ["--as-of", "2018-11-30", "--run-date", "2018-12-03"]

/// Writes `bytes` to `dir/name` and returns its path.
@discardableResult
private func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

@discardableResult
private func write(_ text: String, _ name: String, in dir: URL) throws -> String {
    try write(Array(text.utf8), name, in: dir)
}

/// Every file below `dir` (hidden ones included, symlinks not followed) by relative path, but
/// for the run lock, whose content is the pid of the last run.
private func snapshot(_ dir: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: dir.path) else { return out }
    for case let rel as String in walker where rel != ".lock" {
        let path = dir.appendingPathComponent(rel).path
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        if attrs[.type] as? FileAttributeType == .typeRegular { out[rel] = try Data(contentsOf: URL(fileURLWithPath: path)) }
    }
    return out
}

private func latestTarget(_ out: URL) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("latest").path)
}

private func leftovers(_ out: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
        .filter { $0.hasPrefix(".tmp-") || $0.hasPrefix(".old-") }.sorted()
}

/// `report.json` of a run, parsed.
private func reportJSON(_ out: URL, _ date: String = "2018-11-30") throws -> [String: Any] {
    let data = try Data(contentsOf: out.appendingPathComponent("\(date)/report.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// The `inputs` of report.json, in order, as [rowsRead, rowsAccepted, rowsRejected].
private func inputCounts(_ report: [String: Any]) -> [[Int]] {
    let inputs = report["inputs"] as? [[String: Any]] ?? []
    return inputs.map { i in ["rowsRead", "rowsAccepted", "rowsRejected"].map { (i[$0] as? Int) ?? -1 } }
}

/// Runs `script` with bash (for umask, ulimit, strace wrappers); `$MCA` is the built binary.
private func bash(_ script: String) throws -> BinaryRun { try MCAAuditBinary.runShell(script) }

private func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// `audit` of the README's example inputs into `out`, quoted for bash.
private func fixtureAuditWords(out: URL, _ extra: [String] = []) -> String {
    (["audit"] + fixtureArguments + ["--out", out.path] + extra).map(shellQuote).joined(separator: " ")
}

/// An orders export of about `megabytes` MB for the Fixtures customers (kill and disk tests).
private func bigOrders(megabytes: Int, in dir: URL) throws -> String {
    var text = "OrderId,CustomerId,CreationDate,Status,LineItemNumber,OfferId,SubscriptionId,Quantity,BillingType,TransactionType\n"
    text.reserveCapacity(megabytes << 20 + 4096)
    var i = 0
    while text.utf8.count < megabytes << 20 {
        for _ in 0..<1000 {
            let customer = i % 15 + 1
            text += "o-\(i),0A1B2C3D-1111-4E5F-8A9B-00000000C0\(customer < 10 ? "0" : "")\(customer),2018-11-\(10 + i % 19),completed,"
                + "\(i % 3),CFQ7TTC0LF8Q,5D1A2C3B-0001-4C00-9000-\(String(i % 4096, radix: 16)),\(i % 50),license,new\n"
            i += 1
        }
    }
    return try write(text, "big-orders.csv", in: dir)
}

/// Whether this process may mount a tmpfs (root in a system that allows it): probed once.
private let canMountTmpfs: Bool = {
    guard geteuid() == 0, let probe = try? TemporaryFolder() else { return false }
    defer { probe.remove() }
    guard mount("tmpfs", probe.url.path, "tmpfs", 0, "size=64k") == 0 else { return false }
    umount(probe.url.path)
    return true
}()

private let hasStrace = FileManager.default.isExecutableFile(atPath: "/usr/bin/strace")

/// A fatal input: the file, its kind, and the diagnostic the run must print for it.
struct FatalCase: CustomTestStringConvertible, Sendable {
    var name: String
    var kind: String
    var content: @Sendable () throws -> [UInt8]
    /// `path` + this is the first stderr line: `:LINE: fatal: message [CODE]`.
    var diagnostic: String
    var testDescription: String { name }

    static let all: [FatalCase] = [
        FatalCase(name: "orders.csv", kind: "orders",
                  content: { Array("OrderId,CustomerId,CreationDate\r\no-1,c,2018-11-07\r\no-2,\"c,2018-11-07\r\no-3,c,2018-11-07\r\n".utf8) },
                  diagnostic: ":3: fatal: a quoted field opened on line 3 is never closed; the rest of the file cannot be read [UNTERMINATED_QUOTE]"),
        FatalCase(name: "customers-utf16.csv", kind: "customers",
                  content: { [0xFF, 0xFE] + "Customer ID,Company Name\r\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } },
                  diagnostic: ":1: fatal: required column missing from the header: customerId"),
        FatalCase(name: "truncated.json", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("json-abuse/truncated.json") },
                  diagnostic: ":3: fatal: unexpected end of file in a string starting at byte 99 inside item 3 (line 4, byte 108) [MALFORMED_DOCUMENT]"),
        FatalCase(name: "deep-nesting.json", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("json-abuse/deep-nesting.json") },
                  diagnostic: ":1: fatal: nesting deeper than 64 levels inside item 1 (line 1, byte 65) [MALFORMED_DOCUMENT]"),
        FatalCase(name: "objects-10000-deep.json", kind: "orders",
                  content: { Array(("[{\"id\":\"o\",\"lineItems\":[" + String(repeating: "{\"x\":", count: 10_000)).utf8) },
                  // The line item is level 3, its member's value 4, so the 62nd object of it is the 65th level.
                  diagnostic: ":1: fatal: nesting deeper than 64 levels inside item 1 (line 1, byte 334) [MALFORMED_DOCUMENT]"),
        FatalCase(name: "xxe-file.xml", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("xml-attacks/xxe-file.xml") },
                  diagnostic: ":3: fatal: XML document declares the entity 'xxe' in its DTD; entity declarations are refused (no expansion, no external entities) [MALFORMED_DOCUMENT]"),
        FatalCase(name: "xxe-http.xml", kind: "agreements",
                  content: { Array("<?xml version=\"1.0\"?>\n<!DOCTYPE Agreements [<!ENTITY xxe SYSTEM \"http://127.0.0.1:9/secret\">]>\n<Agreements><Agreement customerId=\"&xxe;\"/></Agreements>\n".utf8) },
                  diagnostic: ":2: fatal: XML document declares the entity 'xxe' in its DTD"),
        FatalCase(name: "xxe-parameter-entity.xml", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("xml-attacks/xxe-parameter-entity.xml") },
                  diagnostic: ":3: fatal: XML document declares the entity 'ext' in its DTD"),
        FatalCase(name: "billion-laughs.xml", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("xml-attacks/billion-laughs.xml") },
                  diagnostic: ":3: fatal: XML document declares the entity 'lol' in its DTD"),
        FatalCase(name: "quadratic-blowup.xml", kind: "customers",
                  content: { Array(("<?xml version=\"1.0\"?>\n<!DOCTYPE Customers [<!ENTITY a \"" + String(repeating: "A", count: 100_000)
                      + "\">]>\n<Customers><Customer customerId=\"c\"><CompanyName>" + String(repeating: "&a;", count: 50_000)
                      + "</CompanyName></Customer></Customers>\n").utf8) },
                  diagnostic: ":2: fatal: XML document declares the entity 'a' in its DTD"),
        FatalCase(name: "external-dtd.xml", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("xml-attacks/external-dtd.xml") },
                  diagnostic: ":2: fatal: XML document refers to an external DTD (\"http://example.invalid/customers.dtd\"); external DTDs are refused and nothing is loaded [MALFORMED_DOCUMENT]"),
        FatalCase(name: "nesting-300.xml", kind: "customers",
                  content: { Array(("<Customers>\n<Customer customerId=\"c\">" + String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300) + "</Customer></Customers>").utf8) },
                  diagnostic: ":2: fatal: XML elements are nested deeper than 256 levels [MALFORMED_DOCUMENT]"),
        FatalCase(name: "truncated.xml", kind: "orders",
                  content: { Array("<Orders>\n<Order id=\"o-1\" customerId=\"c\" creationDate=\"2018-11-07\">\n<LineItem quantity=\"1\"/>\n</Order>\n<Order id=\"o-2\">\n<LineIt".utf8) },
                  // libxml2 reports the start tag cut short before it finds the tag has no end.
                  diagnostic: ":6: fatal: XML document is truncated: it ends inside <LineIt> opened at line 6"),
        FatalCase(name: "invalid-utf8-name.xml", kind: "customers",
                  content: { Array("<Customers>\n<Customer customerId=\"c\">\n<Company".utf8) + [0xFF] + Array("Name>x</CompanyName></Customer></Customers>\n".utf8) },
                  diagnostic: ":3: fatal: XML document is not well-formed: "),
        FatalCase(name: "shift-jis-invalid.xml", kind: "customers",
                  content: { try RepoPaths.fixtureBytes("fuzz-regressions/xml-encoding-error-on-stderr.xml") },
                  diagnostic: ":2: fatal: XML document is not well-formed: input conversion failed due to input error, bytes 0x81 0xFF 0x22 0x20 [MALFORMED_DOCUMENT]"),
        FatalCase(name: "invalid-utf8-text.xml", kind: "customers",
                  content: { Array("<Customers>\n<Customer customerId=\"c\">\n<CompanyName>Caf".utf8) + [0xE9] + Array("</CompanyName></Customer></Customers>\n".utf8) },
                  diagnostic: ":3: fatal: XML document is not well-formed: "),
    ]
}

/// The built binary against hostile inputs and hostile conditions: exit codes, diagnostics,
/// rows accounted for, safe outputs, and a report folder that survives kills and full disks.
@Suite(.serialized) struct HostileRunTests {
    // MARK: - Fatal inputs: exit 65, the line, no report, the previous one untouched

    @Test(arguments: FatalCase.all)
    func aFatalInputStopsTheRunWith65AndLeavesThePreviousReport(_ c: FatalCase) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        #expect(try audit(["--quiet"], out: out).status == 0)
        let before = try snapshot(out)

        let path = try write(c.content(), c.name, in: tmp.url)
        var inputs = ["--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv"]
        switch c.kind {
        case "customers": inputs[1] = path
        case "orders": inputs[3] = path
        default: inputs += ["--agreements", path]
        }
        let clock = ContinuousClock()
        var result: BinaryRun?
        let elapsed = try clock.measure { result = try MCAAuditBinary.run(["audit"] + inputs + asOfArguments + ["--out", out.path]) }
        let run = try #require(result)
        #expect(run.status == 65, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("mca-audit: " + path + c.diagnostic) == true, "\(run.stderr)")
        // Exactly these two lines: nothing from libxml2 or anything else.
        #expect(lines.count == 2 && lines.last == "\(path): unusable; no report written", "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(try snapshot(out) == before)
        #expect(latestTarget(out) == "2018-11-30")
        #expect(leftovers(out).isEmpty)
        #expect(elapsed < .seconds(30))
    }

    // MARK: - Every row accounted for

    @Test func hostileCSVRowsAreAllAccountedFor() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let notes = String(repeating: "n", count: 10 << 20)
        var customers = Array("Customer ID,Company Name,Company Name,Cloud,Notes\r\n".utf8)  // duplicated name
        customers += Array("c-1,One,Ignored,public,ok\n".utf8)                                // 2: accepted
        customers += Array("c-2,Tw".utf8) + [0] + Array("o,x,,\r".utf8)                       // 3: NUL
        customers += Array("c-3,Thr".utf8) + [0xFF] + Array("ee,,,\r\n".utf8)                 // 4: invalid UTF-8
        customers += Array("\u{FEFF}c-4,Four\u{FEFF}teen,,,\n".utf8)                          // 5: BOMs inside, accepted
        customers += Array("c-5,\"Five\r\nFive\",,,\(notes)\n".utf8)                          // 6-7: 10 MB field
        customers += Array("c-6,Six,,,a,b\n".utf8)                                            // 8: ragged, kept
        customers += Array("c-7,\"Seven\"x,,,\n".utf8)                                        // 9: text after quote
        customers += Array("c-8,,,,\n".utf8)                                                  // 10: no name
        let c = try write(customers, "customers.csv", in: tmp.url)
        let o = try write("OrderId,CustomerId,CreationDate,Quantity,BillingType\no-1,c-1,2018-11-10,5,license\no-2,c-9,2018-11-10,1,license\n"
            + "o-3,c-2,2018-11-10,1,license\no-4,c-4,2018-11-10,-1,license\n", "orders.csv", in: tmp.url)
        let out = tmp.url.appendingPathComponent("out")
        let run = try MCAAuditBinary.run(["audit", "--customers", c, "--orders", o, "--out", out.path, "--verbose"] + asOfArguments)
        #expect(run.status == 0, "\(run.stderr)")
        let expected = [
            "\(c):3: error: NUL byte in column 'Company Name' [MALFORMED_ROW]",
            "\(c):4: error: invalid UTF-8 in column 'Company Name' [INVALID_UTF8]",
            "\(c):8: warning: 6 fields where the header has 5; the extra fields are ignored [RAGGED_ROW]",
            "\(c):9: error: text after the closing quote of field 2 [MALFORMED_ROW]",
            "\(c):10: error: required field companyName is empty: no company name (customer 'c-8') [MISSING_REQUIRED_FIELD]",
            "\(o):3: error: ",
            "\(o):4: error: ",
            "\(o):5: error: quantity '-1' of order 'o-4' is not a non-negative integer [INVALID_QUANTITY]",
        ]
        let lines = run.stderr.split(separator: "\n").map(String.init)
        for e in expected { #expect(lines.contains { $0.hasPrefix(e) }, "missing: \(e)\n\(run.stderr)") }
        // --verbose ends with where the time went and the peak memory.
        let timing = lines.first { $0.hasPrefix("mca-audit: timing: read ") }
        #expect(timing?.contains(" s, outcomes ") == true && timing?.contains(" s, reports ") == true, "\(run.stderr)")
        let peak = timing?.split(separator: "peak memory ").last?.split(separator: " ").first.flatMap { Int($0) }
        #expect((1...4096).contains(peak ?? 0), "\(timing ?? "no timing line")")
        let report = try reportJSON(out)
        #expect(inputCounts(report) == [[8, 4, 4], [4, 1, 3]])
        let ids = (report["customers"] as? [[String: Any]] ?? []).compactMap { $0["customerId"] as? String }
        #expect(ids == ["c-1", "c-4", "c-5", "c-6"])
        let names = (report["customers"] as? [[String: Any]] ?? []).compactMap { $0["companyName"] as? String }
        #expect(names == ["One", "Four\u{FEFF}teen", "Five\r\nFive", "Six"])
    }

    @Test func aHundredThousandColumnExportIsRead() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        var header = "Customer ID,Company Name", row = "c-1,One"
        for i in 3...100_000 { header += ",Column \(i)"; row += ",\(i)" }
        let c = try write(header + "\n" + row + "\nc-2,Two\n", "wide.csv", in: tmp.url)
        let o = try write("OrderId,CustomerId,CreationDate\no-1,c-1,2018-11-01\n", "orders.csv", in: tmp.url)
        let out = tmp.url.appendingPathComponent("out")
        let run = try MCAAuditBinary.run(["audit", "--customers", c, "--orders", o, "--out", out.path] + asOfArguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("\(c):3: warning: 2 fields where the header has 100000; the missing fields are empty [RAGGED_ROW]"))
        #expect(inputCounts(try reportJSON(out)) == [[2, 2, 0], [1, 1, 0]])
    }

    @Test func emptyAndHeaderOnlyFilesGiveNoRows() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let empty = try write("", "agreements.csv", in: tmp.url)
        let headerOnly = try write("\u{FEFF}CustomerTenantId,FirstName\r\n", "agreements2.csv", in: tmp.url)
        let out = tmp.url.appendingPathComponent("out")
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv",
                                          "--agreements", empty, "--agreements", headerOnly, "--out", out.path, "--quiet"] + asOfArguments)
        #expect(run.status == 0, "\(run.stderr)")
        let counts = inputCounts(try reportJSON(out))
        #expect(counts.count == 4)
        #expect(counts[1] == [0, 0, 0])
        #expect(counts[2] == [0, 0, 0])
        #expect(counts.allSatisfy { $0[0] == $0[1] + $0[2] })
    }

    @Test func hostileJSONAndXMLRowsAreAllAccountedFor() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let customers = try write(#"{"totalCount":"lots","items":[{"id":1001,"companyName":42},{"id":{"x":"c-2"},"companyName":"NoId"},7,"#
            + #"{"id":"c-4","companyName":"Four\u0000"},{"id":"c-5","companyName":["Five"]},{"id":"c-6","companyName":"Six","cloud":true}]}"#,
            "customers.json", in: tmp.url)
        let huge = String(repeating: "y", count: 12_000_000)
        let agreements = try write("<Agreements>\n<Agreement customerId=\"1001\"><FirstName>\(huge)</FirstName></Agreement>\n"
            + "<Agreement customerId=\"c-6\" firstName=\"A\" lastName=\"B\" email=\"a@b.example\" dateAgreed=\"2018-09-01\"/>\n</Agreements>\n",
            "agreements.xml", in: tmp.url)
        let orders = try write(#"[{"id":"o-1","referenceCustomerId":1001,"creationDate":20181110,"lineItems":[{"quantity":1}]},"#
            + #"{"id":"o-2","referenceCustomerId":"c-6","creationDate":"2018-11-10","lineItems":[{"quantity":1e3},{"quantity":"2"},[]]}]"#,
            "orders.json", in: tmp.url)
        let out = tmp.url.appendingPathComponent("out")
        let run = try MCAAuditBinary.run(["audit", "--customers", customers, "--agreements", agreements, "--orders", orders,
                                          "--out", out.path, "--verbose"] + asOfArguments)
        #expect(run.status == 0, "\(run.stderr)")
        let expected = [
            "\(customers):2: error: required field customerId is empty: no customer id [MISSING_REQUIRED_FIELD]",
            "\(customers):3: error: item 3 is a number, not an object [MALFORMED_ROW]",
            "\(customers):4: error: item 4 has a NUL character (\\u0000) in companyName [MALFORMED_ROW]",
            "\(customers):5: error: required field companyName is empty: no company name (customer 'c-5') [MISSING_REQUIRED_FIELD]",
            "\(customers):6: warning: cloud 'true' of customer 'c-6' is not recognised; evaluated as public [UNRECOGNIZED_CLOUD]",
            "\(agreements):2: error: the value of firstName is longer than 1048576 bytes [MALFORMED_ROW]",
            "\(orders):1: error: creation date '20181110' of order 'o-1' is not a readable date [INVALID_DATE]",
            "\(orders):2: error: quantity '1e3' of order 'o-2' is not a non-negative integer [INVALID_QUANTITY]",
            "\(orders):2: error: item 2, line item 3 is an array, not an object [MALFORMED_ROW]",
        ]
        let lines = run.stderr.split(separator: "\n").map(String.init)
        for e in expected { #expect(lines.contains(e), "missing: \(e)\n\(run.stderr)") }
        #expect(inputCounts(try reportJSON(out)) == [[6, 2, 4], [2, 1, 1], [4, 1, 3]])
    }

    // MARK: - Output safety

    @Test func spreadsheetFormulasInEveryCSVReportAreDefused() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        // Relative paths, so that a file name is a cell of data-quality.csv as written: the only
        // way to a cell that starts with a tab or a CR, since values are trimmed.
        try write("Customer ID,Company Name,Cloud\n=c-1,=1+1,public\n+c-2,+SUM(A1:A9),\n-c-3,-2+3,\n@c-4,@cmd|' /C calc'!A0,\n"
            + "c-5,\"=HYPERLINK(\"\"http://evil.example\"\")\",\nc-9,Ragged,,extra\n", "=customers.csv", in: tmp.url)
        try write("CustomerId,FirstName,LastName,Email,Phone,DateAgreed\n=c-1,=Eve,+Mallory,@evil,=1234567,2018-09-01\n"
            + "-c-3,-Eve,@Mallory,-x(at)evil.example,+1 555 0100,2018-09-01,extra\n", "\t@agreements.csv", in: tmp.url)
        try write("OrderId,CustomerId,CreationDate,Quantity,BillingType,SubscriptionId,OfferId,OfferName\n"
            + "=o-1,=c-1,2018-11-10,5,license,=sub-1,@offer,=Offer\n-o-2,-c-3,2018-11-10,3,license,+sub-2,-offer,+Offer\n"
            + "@o-3,@c-4,2018-11-10,2,license,@sub-3,=offer,@Offer\no-4,nobody,2018-11-10,1,license,s,o,n\n", "\r@orders.csv", in: tmp.url)
        let run = try MCAAuditBinary.run(["audit", "--customers", "=customers.csv", "--agreements", "\t@agreements.csv",
                                          "--orders", "\r@orders.csv", "--out", "out", "--quiet"] + asOfArguments, in: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let report = tmp.url.appendingPathComponent("out/2018-11-30")
        var allCells: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: report.path) where name.hasSuffix(".csv") {
            let cells = csvCells(try String(contentsOf: report.appendingPathComponent(name), encoding: .utf8)).flatMap { $0 }
            for cell in cells {
                let first = cell.unicodeScalars.first
                #expect(!["=", "+", "-", "@", "\t", "\r"].contains(first), "\(name): cell \(cell.debugDescription)")
            }
            allCells += cells
        }
        for defused in ["'=c-1", "'=1+1", "'+c-2", "'+SUM(A1:A9)", "'-2+3", "'@cmd|' /C calc'!A0", "'=HYPERLINK(\"http://evil.example\")",
                        "'=o-1", "'-o-2", "'@o-3", "'=sub-1", "'+sub-2", "'@sub-3", "'=Eve", "'+Mallory", "'=customers.csv",
                        "'\t@agreements.csv", "'\r@orders.csv"] {
            #expect(allCells.contains(defused), "no cell \(defused.debugDescription)")
        }
    }

    @Test func htmlAndMarkdownEscapeEveryValue() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let names = ["<img src=x onerror=alert(1)>", "[click](http://evil)", "</script><script>alert(1)</script>",
                     "\"><svg onload=alert(1)>", "*bold* _it_ `code` | pipe", "&lt;b&gt; & ' \""]
        var customers = "Customer ID,Company Name\n"
        var orders = "OrderId,CustomerId,CreationDate,Quantity,BillingType,SubscriptionId\n"
        for (i, n) in names.enumerated() {
            customers += "c-\(i),\"\(n.replacingOccurrences(of: "\"", with: "\"\""))\"\n"
            orders += "o-\(i),c-\(i),2018-11-10,\(i + 1),license,<s\(i)>\n"
        }
        let c = try write(customers, "customers.csv", in: tmp.url)
        let o = try write(orders, "orders.csv", in: tmp.url)
        let out = tmp.url.appendingPathComponent("out")
        let run = try MCAAuditBinary.run(["audit", "--customers", c, "--orders", o, "--out", out.path, "--quiet"] + asOfArguments)
        #expect(run.status == 0, "\(run.stderr)")
        let dir = out.appendingPathComponent("2018-11-30")
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        for raw in ["<img src", "<svg onload", "</script><script>alert", "<s0>", "onerror=alert(1)>"] {
            #expect(!html.contains(raw), "report.html holds \(raw)")
        }
        for escaped in ["&lt;img src=x onerror=alert(1)&gt;", "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
                        "&quot;&gt;&lt;svg onload=alert(1)&gt;", "&amp;lt;b&amp;gt; &amp; &#39; &quot;", "&lt;s0&gt;"] {
            #expect(html.contains(escaped), "report.html lacks \(escaped)")
        }
        let md = try String(contentsOf: dir.appendingPathComponent("summary.md"), encoding: .utf8)
        // What Markdown sees once every backslash escape is taken out.
        var unescaped = ""
        var escaping = false
        for ch in md {
            if escaping { escaping = false; continue }
            if ch == "\\" { escaping = true; continue }
            unescaped.append(ch)
        }
        for raw in ["<img", "<svg", "[click](", "</script>", "*bold*", "_it_", "`code`", "| pipe"] {
            #expect(!unescaped.contains(raw), "summary.md holds \(raw) unescaped")
        }
        for escaped in ["\\<img src=x onerror=alert(1)\\>", "\\[click\\](http://evil)", "\\*bold\\* \\_it\\_ \\`code\\` \\| pipe"] {
            #expect(md.contains(escaped), "summary.md lacks \(escaped)")
        }
        // report.json carries every name exactly, as valid JSON.
        let json = try reportJSON(out)
        let got = Set((json["customers"] as? [[String: Any]] ?? []).compactMap { $0["companyName"] as? String })
        #expect(got == Set(names))
    }

    /// A value holding terminal control sequences is quoted in diagnostics on stderr (which cron
    /// mails and people read in a terminal): ESC must not reach the terminal raw.
    @Test func controlCharactersInValuesDoNotReachTheTerminal() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let c = try write("Customer ID,Company Name,Cloud\nc-1,One,\u{1B}]0;owned\u{07}\u{1B}[2J\n", "customers.csv", in: tmp.url)
        let o = try write("OrderId,CustomerId,CreationDate\no-1,c-1,2018-11-10\n", "orders.csv", in: tmp.url)
        let out = tmp.url.appendingPathComponent("out")
        let run = try MCAAuditBinary.run(["audit", "--customers", c, "--orders", o, "--out", out.path] + asOfArguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("[UNRECOGNIZED_CLOUD]"))
        #expect(!run.stderr.unicodeScalars.contains("\u{1B}"), "stderr carries a raw ESC")
        #expect(!run.stderr.unicodeScalars.contains("\u{07}"), "stderr carries a raw BEL")
        #expect(run.stderr.contains("cloud '\\u{1B}]0;owned\\u{7}\\u{1B}[2J' of customer 'c-1'"), "\(run.stderr)")
        // report.json escapes it.
        let data = try Data(contentsOf: out.appendingPathComponent("2018-11-30/report.json"))
        #expect(!data.contains(0x1B))
    }

    @Test func redactLeavesNoContactInAnyOutputFile() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        let run = try audit(["--redact", "--verbose", "--report", "json,html,md,csv,xlsx"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        // Every e-mail and phone of the fixtures' contacts, as written there.
        var contacts: [String] = []
        for (name, email, phone) in [("customers.csv", 6, 7), ("agreements.csv", 3, 4)] {
            let rows = csvCells(try String(contentsOf: RepoPaths.fixture(name), encoding: .utf8)).dropFirst()
            for row in rows where row.count > phone {
                contacts += [row[email], row[phone]].filter { !$0.isEmpty }
            }
        }
        #expect(contacts.count == 17)
        var files = try snapshot(out)
        #expect(files.count >= 11)
        // An xlsx is deflated: what it holds is in its entries.
        for (file, data) in files where file.hasSuffix(".xlsx") {
            #expect(data.count > 0)
            let entries = try ZipEntries.read(out.appendingPathComponent(file))
            #expect(entries.count == 12, "\(file): \(entries.keys.sorted())")
            for (entry, bytes) in entries { files["\(file)!\(entry)"] = bytes }
        }
        #expect(files.keys.contains("2018-11-30/report.xlsx!xl/worksheets/sheet4.xml"))
        for (file, data) in files {
            let text = String(decoding: data, as: UTF8.self)
            for contact in contacts {
                // A three-digit "phone" is looked for as a whole value only: the digits occur in hashes.
                if contact.count < 6 {
                    #expect(!text.contains("\"\(contact)\"") && !text.contains(",\(contact),") && !text.contains(">\(contact)<"),
                            "\(file) holds \(contact)")
                } else {
                    #expect(!text.contains(contact), "\(file) holds \(contact)")
                }
            }
            // Every local part with a dot (the distinctive ones).
            for contact in contacts where contact.contains("@") {
                let local = String(contact.prefix { $0 != "@" })
                if local.contains(".") { #expect(!text.contains(local), "\(file) holds \(local)") }
            }
        }
        for contact in contacts where contact.count >= 6 {
            #expect(!run.stderr.contains(contact) && !run.stdout.contains(contact), "the diagnostics hold \(contact)")
        }
        // The masks are there (so the check above is not vacuous).
        let invalid = String(decoding: files["2018-11-30/invalid-confirmations.csv"] ?? Data(), as: UTF8.self)
        #expect(invalid.contains("e***@scripty.example"), "\(invalid)")
        let sheet = String(decoding: files["2018-11-30/report.xlsx!xl/worksheets/sheet4.xml"] ?? Data(), as: UTF8.self)
        #expect(sheet.contains("<t>e***@scripty.example</t>"), "\(sheet)")
    }

    @Test(arguments: ["000", "022", "077"])
    func reportFilesAre0640AndFolders0750WhateverTheUmask(umask: String) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports/nested")
        let args = fixtureAuditWords(out: out, ["--quiet"])
        let run = try bash("umask \(umask); exec \"$MCA\" \(args)")
        #expect(run.status == 0, "\(run.stderr)")
        let fm = FileManager.default
        let report = out.appendingPathComponent("2018-11-30")
        for name in try fm.contentsOfDirectory(atPath: report.path) {
            let mode = try fm.attributesOfItem(atPath: report.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o640, "\(name): \(String(mode ?? -1, radix: 8))")
        }
        // The report folder, --out and the folder above it that the run created too.
        for dir in [report, out, out.deletingLastPathComponent()] {
            let mode = try fm.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int
            #expect(mode == 0o750, "\(dir.path): \(String(mode ?? -1, radix: 8))")
        }
        let lock = try fm.attributesOfItem(atPath: out.appendingPathComponent(".lock").path)[.posixPermissions] as? Int
        #expect(lock.map { $0 & 0o007 } == 0, ".lock is world-accessible: \(String(lock ?? -1, radix: 8))")
    }

    // MARK: - Crash safety

    /// SIGKILL at random moments of a run that replaces the report of the same date: the report
    /// folder is always a complete report (the previous one or the new one), never partial or
    /// missing, `latest` always points at it, and the next run clears what the killed ones left.
    @Test func randomKillsNeverLeaveAPartialReport() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let orders = try bigOrders(megabytes: 8, in: tmp.url)
        let bigArgs = ["audit", "--customers", "Fixtures/customers.csv", "--agreements", "Fixtures/agreements.csv",
                       "--orders", orders] + asOfArguments + ["--quiet"]
        // The complete new report, made undisturbed elsewhere, and how long that takes.
        let reference = tmp.url.appendingPathComponent("reference")
        let clock = ContinuousClock()
        var result: BinaryRun?
        let duration = try clock.measure { result = try MCAAuditBinary.run(bigArgs + ["--out", reference.path]) }
        let refRun = try #require(result)
        #expect(refRun.status == 0, "\(refRun.stderr)")
        let newReport = try snapshot(reference.appendingPathComponent("2018-11-30"))

        let out = tmp.url.appendingPathComponent("out")
        #expect(try audit(["--quiet"], out: out).status == 0)
        let reportDir = out.appendingPathComponent("2018-11-30")
        var current = try snapshot(reportDir)
        #expect(current != newReport)
        let window = max(0.05, duration / .seconds(1))
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        for i in 0..<12 {
            let p = try MCAAuditBinary.start(bigArgs + ["--out", out.path])
            Thread.sleep(forTimeInterval: Double.random(in: 0...(window * 1.1), using: &generator))
            kill(p.process.processIdentifier, SIGKILL)
            p.process.waitUntilExit()
            if p.process.terminationReason == .uncaughtSignal { killed += 1 }
            let now = try snapshot(reportDir)
            #expect(now == current || now == newReport, "kill \(i): the report folder is partial or mixed")
            #expect(latestTarget(out) == "2018-11-30", "kill \(i)")
            current = now
        }
        #expect(killed > 0)
        let next = try MCAAuditBinary.run(bigArgs + ["--out", out.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(leftovers(out).isEmpty)
        #expect(try snapshot(reportDir) == newReport)
    }

    /// A kill at each step of the publish that changes the reports folder (mkdir, symlink, every
    /// rename, the first removals), made exact with strace's fault injection: the steps are read
    /// from a trace of an undisturbed run, then the run is killed at each in turn. The report
    /// folder must hold a complete report (the previous or the new one) after every kill.
    ///
    /// `withoutRenameExchange` makes renameat2 fail with EINVAL (as on a kernel or file system
    /// without RENAME_EXCHANGE), so the publisher takes its two-rename path: a kill between the
    /// two renames leaves no `<date>` folder, only the previous report set aside as `.old-<date>-…`,
    /// which the next run puts back before anything else.
    @Test(.enabled(if: hasStrace), arguments: [false, true])
    func aKillAtEachStepOfThePublish(withoutRenameExchange: Bool) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        let reportDir = out.appendingPathComponent("2018-11-30")
        // Other inputs (no agreements), the same as-of date: the report of the date is replaced.
        let args = (["audit", "--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv"] + asOfArguments
            + ["--out", out.path, "--quiet"]).map(shellQuote).joined(separator: " ")
        let traced = "rename,renameat,renameat2,symlink,symlinkat,mkdir,mkdirat,rmdir,unlink,unlinkat"
        let noExchange = withoutRenameExchange ? "-e inject=renameat2:error=EINVAL " : ""

        #expect(try audit(["--quiet"], out: out).status == 0)
        let before = try snapshot(reportDir)
        let trace = tmp.url.appendingPathComponent("trace.txt").path
        let plain = try bash("exec strace -f -qq -s 4096 -o \(shellQuote(trace)) -e trace=\(traced) \(noExchange)\"$MCA\" \(args)")
        #expect(plain.status == 0, "\(plain.stderr)")
        let after = try snapshot(reportDir)
        #expect(after != before)

        // Each traced call on the reports folder, as (syscall, how many times it has been called so far).
        var seen: [String: Int] = [:]
        var steps: [(name: String, count: Int, line: String)] = []
        for line in try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n") {
            // `PID  name(args) = result`
            let call = line.drop { $0 != " " }.drop { $0 == " " }
            guard let paren = call.firstIndex(of: "(") else { continue }
            let name = String(call[..<paren])
            guard traced.split(separator: ",").contains(Substring(name)) else { continue }
            seen[name, default: 0] += 1
            if line.contains(out.path), !(withoutRenameExchange && name == "renameat2") {
                steps.append((name, seen[name] ?? 0, String(line)))
            }
        }
        // Past the first removals of the old report, nothing new can happen.
        let firstRemoval = steps.firstIndex { $0.name == "unlink" || $0.name == "unlinkat" || $0.name == "rmdir" } ?? steps.count
        let kills = Array(steps.prefix(min(steps.count, firstRemoval + 2)))
        #expect(kills.count >= 4, "\(steps.map(\.line))")

        for step in kills {
            try? FileManager.default.removeItem(at: out)
            #expect(try audit(["--quiet"], out: out).status == 0)
            let run = try bash("exec strace -f -qq -o /dev/null -e trace=\(traced) \(noExchange)"
                + "-e inject=\(step.name):signal=KILL:when=\(step.count) \"$MCA\" \(args)")
            #expect(run.status != 0, "not killed at \(step.line)")
            #expect(latestTarget(out) == "2018-11-30", "killed at \(step.line)")
            if FileManager.default.fileExists(atPath: reportDir.path) {
                let now = try snapshot(reportDir)
                #expect(now == before || now == after, "killed at \(step.line): \(reportDir.lastPathComponent) is partial or mixed")
            } else {
                // Only the two-rename path may leave no folder, and then the previous report is set aside whole.
                #expect(withoutRenameExchange, "killed at \(step.line): \(reportDir.lastPathComponent) is missing")
                let aside = leftovers(out).filter { $0.hasPrefix(".old-2018-11-30-") }
                #expect(aside.count == 1, "killed at \(step.line): \(leftovers(out))")
                if let name = aside.first { #expect(try snapshot(out.appendingPathComponent(name)) == before) }
            }
            let next = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv"]
                + asOfArguments + ["--out", out.path, "--quiet"])
            #expect(next.status == 0, "after the kill at \(step.line): \(next.stderr)")
            #expect(leftovers(out).isEmpty, "after the kill at \(step.line)")
            #expect(try snapshot(reportDir) == after, "after the kill at \(step.line)")
        }
    }

    @Test(.enabled(if: canMountTmpfs))
    func aFullDiskIs73AndThePreviousReportIsUntouched() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        #expect(mount("tmpfs", out.path, "tmpfs", 0, "size=200k,mode=0750") == 0)
        defer { umount(out.path) }

        #expect(try audit(["--quiet"], out: out).status == 0)
        let before = try snapshot(out)
        // Three thousand customers with long names: a report far larger than 200 KB.
        var customers = "Customer ID,Company Name\n"
        for i in 0..<3_000 { customers += "c-\(i),\(String(repeating: "Company \(i) ", count: 8))\n" }
        let c = try write(customers, "customers.csv", in: tmp.url)
        let run = try MCAAuditBinary.run(["audit", "--customers", c, "--orders", "Fixtures/orders.csv", "--out", out.path]
            + asOfArguments)
        #expect(run.status == 73, "\(run.stderr)")
        #expect(run.stderr.contains("cannot write the report into \(out.path)"), "\(run.stderr)")
        #expect(run.stderr.contains("the previous report is untouched"), "\(run.stderr)")
        #expect(try snapshot(out) == before)
        #expect(latestTarget(out) == "2018-11-30")
        #expect(leftovers(out).isEmpty)
    }

    /// Without root: a file size limit (SIGXFSZ ignored, so writes fail with EFBIG) stands in for a full disk.
    @Test func aFileSizeLimitIs73AndThePreviousReportIsUntouched() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        var customers = "Customer ID,Company Name\n"
        for i in 0..<3_000 { customers += "c-\(i),\(String(repeating: "Company \(i) ", count: 8))\n" }
        let c = try write(customers, "customers.csv", in: tmp.url)
        let limited = { (args: [String]) throws -> BinaryRun in
            let quoted = (["audit"] + args + asOfArguments + ["--out", out.path]).map(shellQuote).joined(separator: " ")
            return try bash("trap '' XFSZ; ulimit -f 128; exec \"$MCA\" \(quoted)")
        }
        #expect(try limited(["--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv", "--quiet"]).status == 0)
        let before = try snapshot(out)
        let run = try limited(["--customers", c, "--orders", "Fixtures/orders.csv"])
        #expect(run.status == 73, "\(run.stderr)")
        #expect(run.stderr.contains("the previous report is untouched"), "\(run.stderr)")
        #expect(try snapshot(out) == before)
        #expect(latestTarget(out) == "2018-11-30")
        #expect(leftovers(out).isEmpty)
    }

    /// With `MCA_AUDIT_SPOOL_BUDGET=1` every violation and finding goes to the spool files in the
    /// report folder, one per chunk: the report is the golden one byte for byte, and no file is
    /// left behind (they were unlinked when made).
    @Test func rowsSpooledToFilesMakeTheGoldenReport() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        let args = fixtureAuditWords(out: out, ["--quiet"])
        let run = try bash("MCA_AUDIT_SPOOL_BUDGET=1 exec \"$MCA\" \(args)")
        #expect(run.status == 0, "\(run.stderr)")
        let golden = RepoPaths.fixture("golden/2018-11-30")
        let produced = out.appendingPathComponent("2018-11-30")
        #expect(try files(in: produced) == files(in: golden))
        for name in try files(in: golden) {
            #expect(try Data(contentsOf: produced.appendingPathComponent(name)) == Data(contentsOf: golden.appendingPathComponent(name)), "\(name)")
        }
        #expect(leftovers(out).isEmpty)
        // A value that is not a number of bytes is named in a warning, and the default is used.
        let odd = try bash("MCA_AUDIT_SPOOL_BUDGET=8M exec \"$MCA\" \(fixtureAuditWords(out: out))")
        #expect(odd.status == 0, "\(odd.stderr)")
        #expect(odd.stderr.contains("MCA_AUDIT_SPOOL_BUDGET=8M is not a positive number of bytes; 8388608 bytes are kept in memory"), "\(odd.stderr)")
    }

    /// A spool file that cannot be written (the disk full when the violations go out) is exit 73
    /// with the reason, and the previous report stays as it was.
    @Test(.enabled(if: hasStrace)) func aSpoolFileThatCannotBeWrittenIs73() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("out")
        #expect(try audit(["--quiet"], out: out).status == 0)
        let before = try snapshot(out)
        let args = fixtureAuditWords(out: out)
        // Only the spool files are written with pwrite (the reports with write; SQLite is not
        // where the spool is).
        let run = try bash("MCA_AUDIT_SPOOL_BUDGET=1 exec strace -f -qq -o /dev/null -e trace=pwrite64 "
            + "-e inject=pwrite64:error=ENOSPC \"$MCA\" \(args) --no-history")
        #expect(run.status == 73, "\(run.stderr)")
        #expect(run.stderr.contains("of the spool file failed: No space left on device"), "\(run.stderr)")
        #expect(run.stderr.contains("the previous report is untouched"), "\(run.stderr)")
        #expect(try snapshot(out) == before)
        #expect(latestTarget(out) == "2018-11-30")
        #expect(leftovers(out).isEmpty)
    }
}
