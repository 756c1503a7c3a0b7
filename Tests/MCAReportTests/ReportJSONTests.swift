import Crypto
import Foundation
import MCAEvaluate
import MCAModel
import Testing
@testable import MCAReport

@Suite struct ReportJSONTests {
    private func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func reportJSONHasTheSpecFieldsAndValues() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        let json = try object(folder.data("report.json"))

        #expect(json["schemaVersion"] as? Int == 1)
        #expect(json["asOf"] as? String == "2018-11-07")
        #expect(json["runDate"] as? String == "2018-11-08")
        #expect(json["phase"] as? String == "MANDATORY")

        let policy = try #require(json["policy"] as? [String: Any])
        #expect(policy["agreementType"] as? String == "MicrosoftCloudAgreement")
        #expect(policy["availableFrom"] as? String == "2018-08-07")
        #expect(policy["mandatoryFrom"] as? String == "2018-11-07")
        #expect(policy["supportedClouds"] as? [String] == ["public"])
        #expect(policy["authorizedRoles"] as? [String] == ["AdminAgent", "SalesAgent"])
        #expect(policy["acceptedTemplateIds"] is NSNull)
        #expect(policy["acceptedOnOrAfter"] is NSNull)

        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["customers"] as? Int == 6)
        #expect(summary["byStatus"] as? [String: Int] == ["CONFIRMED": 1, "UNCONFIRMED": 3, "INVALID": 1, "OUT_OF_SCOPE": 1])
        #expect(summary["blockedNewOrders"] as? Int == 4)
        #expect(summary["blockedSeatChanges"] as? Int == 2)
        #expect(summary["seatsAffected"] as? Int == 37)
        #expect(summary["violations"] as? Int == 1)
        #expect(summary["rowsRejected"] as? Int == 1)
        #expect(summary["warnings"] as? Int == 1)
        #expect(summary["otherAgreementTypes"] as? Int == 2)

        let customers = try #require(json["customers"] as? [[String: Any]])
        #expect(customers.map { $0["customerId"] as? String } == ["c-001", "c-002", "c-003", "c-004", "c-005", "c-006"])
        let confirmed = customers[0]
        #expect(confirmed["companyName"] as? String == "Contoso, Ltd.")
        #expect(confirmed["status"] as? String == "CONFIRMED")
        #expect(confirmed["reasons"] as? [String] == [])
        #expect(confirmed["confirmedOn"] as? String == "2018-09-01")
        #expect(confirmed["newOrders"] as? String == "ALLOWED")
        #expect(confirmed["seatChanges"] as? String == "ALLOWED")
        let unconfirmed = customers[1]
        #expect(unconfirmed["companyName"] as? String == "Fabrikam \"Quoted\" Café")
        #expect(unconfirmed["cloud"] as? String == "public")
        #expect(unconfirmed["reasons"] as? [String] == ["NO_CONFIRMATION"])
        #expect(unconfirmed["confirmedOn"] is NSNull)
        #expect(unconfirmed["daysToCutover"] is NSNull)
        #expect(unconfirmed["newOrders"] as? String == "BLOCKED")
        let subscriptions = try #require(unconfirmed["seatBasedSubscriptions"] as? [[String: Any]])
        #expect(subscriptions.count == 2)
        #expect(subscriptions[0]["subscriptionId"] as? String == "sub-2a")
        #expect(subscriptions[0]["offerId"] as? String == "O365_E5")
        #expect(subscriptions[0]["seats"] as? Int == 25)
        #expect(subscriptions[1]["subscriptionId"] is NSNull)
        #expect(subscriptions[1]["seats"] as? Int == 5)
        #expect(customers[2]["reasons"] as? [String] == ["MISSING_LAST_NAME", "INVALID_DATE"])
        #expect(customers[3]["cloud"] as? String == "germany")
        #expect(customers[3]["seatChanges"] as? String == "NONE")
        #expect(customers[3]["seatBasedSubscriptions"] as? [Any] != nil)
        #expect(customers[5]["companyName"] as? String == "<script>alert(1)</script>")

        let violations = try #require(json["violations"] as? [[String: Any]])
        #expect(violations.count == 1)
        #expect(violations[0]["customerId"] as? String == "c-002")
        #expect(violations[0]["orderId"] as? String == "ord-9")
        #expect(violations[0]["lineItemNumber"] as? Int == 1)
        #expect(violations[0]["creationDate"] as? String == "2018-11-07")
        #expect(violations[0]["code"] as? String == "ORDER_WITHOUT_CONFIRMATION")

        let quality = try #require(json["dataQuality"] as? [[String: Any]])
        #expect(quality.count == 2)
        #expect(quality[0]["file"] as? String == "orders.csv")
        #expect(quality[0]["line"] as? Int == 17)
        #expect(quality[0]["severity"] as? String == "error")
        #expect(quality[0]["code"] as? String == "UNKNOWN_CUSTOMER")
        #expect(quality[0]["message"] as? String == "unknown customer 'c-999' (contact bob.smith@contoso.com)")
        #expect(quality[1]["severity"] as? String == "warning")

        let inputs = try #require(json["inputs"] as? [[String: Any]])
        #expect(inputs.count == 2)
        #expect(inputs[1]["kind"] as? String == "orders")
        #expect(inputs[1]["path"] as? String == "in/orders.json")
        #expect(inputs[1]["format"] as? String == "json")
        #expect(inputs[1]["sha256"] as? String == String(repeating: "b", count: 64))
        #expect(inputs[1]["rowsRead"] as? Int == 9)
        #expect(inputs[1]["rowsAccepted"] as? Int == 8)
        #expect(inputs[1]["rowsRejected"] as? Int == 1)
    }

    @Test func keysComeInTheOrderOfTheSpec() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        let text = try folder.text("report.json")
        let lines = text.components(separatedBy: "\n")
        let topLevel = lines.filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(topLevel == ["schemaVersion", "asOf", "runDate", "phase", "policy", "summary", "seatsSource", "notices",
                             "resellers", "customers", "violations", "dataQuality", "inputs", "changes", "trend"])
        #expect(lines.contains(#"    "byStatus": {"CONFIRMED": 1, "UNCONFIRMED": 3, "INVALID": 1, "OUT_OF_SCOPE": 1},"#))
        #expect(lines.contains(#"    {"customerId": "c-002", "companyName": "Fabrikam \"Quoted\" Café", "cloud": "public", "status": "UNCONFIRMED", "reasons": ["NO_CONFIRMATION"], "confirmedOn": null, "newOrders": "BLOCKED", "seatChanges": "BLOCKED", "daysToCutover": null, "seatBasedSubscriptions": [{"subscriptionId": "sub-2a", "offerId": "O365_E5", "seats": 25}, {"subscriptionId": null, "offerId": "EMS", "seats": 5}], "resellers": []},"#))
        #expect(lines.contains(#"    {"customerId": "c-002", "orderId": "ord-9", "lineItemNumber": 1, "creationDate": "2018-11-07", "code": "ORDER_WITHOUT_CONFIRMATION", "resellerId": null}"#))
        #expect(text.hasPrefix("{\n  \"schemaVersion\": 1,\n  \"asOf\": \"2018-11-07\",\n"))
        #expect(text.hasSuffix("\n  ],\n  \"changes\": null,\n  \"trend\": null\n}\n"))
    }

    @Test func scriptInANameIsEscapedForEmbedding() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        let text = try folder.text("report.json")
        #expect(text.contains(#""companyName": "\u003cscript\u003ealert(1)\u003c/script\u003e""#))
        #expect(!text.contains("<"))
        #expect(!text.contains(">"))
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("tab\tline\ncr\r\u{01}\u{1F}", #""tab\u0009line\u000acr\u000d\u0001\u001f""#),
        ("<b>&amp;</b>", #""\u003cb\u003e\u0026amp;\u003c/b\u003e""#),
        ("sep\u{2028}para\u{2029}end", #""sep\u2028para\u2029end""#),
        ("Café – 東京 €", "\"Café – 東京 €\""),
        ("", #""""#),
    ])
    func jsonStringEscaping(input: String, expected: String) throws {
        var buffer = TextBuffer()
        buffer.appendJSON(input)
        #expect(buffer.text == expected)
        let decoded = try JSONSerialization.jsonObject(with: Data(("[" + buffer.text + "]").utf8)) as? [String]
        #expect(decoded == [input])
    }

    @Test func withoutAHistoryChangesAndTrendAreNull() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        let json = try object(folder.data("report.json"))
        #expect(json["changes"] is NSNull)
        #expect(json["trend"] is NSNull)
    }

    @Test func changesAndTrendOfANightlyRun() throws {
        let (folder, _) = try writeReports(SampleAudit.historyResult())
        defer { folder.cleanUp() }
        let text = try folder.text("report.json")
        let json = try object(Data(text.utf8))
        let changes = try #require(json["changes"] as? [String: Any])
        #expect(changes["previousAsOf"] as? String == "2018-11-06")
        #expect(changes["previousRunDate"] as? String == "2018-11-07")
        #expect((changes["newlyInvalid"] as? [Any])?.isEmpty == true)
        #expect((changes["resolved"] as? [Any])?.isEmpty == true)
        let blocked = try #require(changes["newlyBlocked"] as? [[String: Any]])
        #expect(blocked.count == 1)
        #expect(blocked[0]["customerId"] as? String == "c-006")
        #expect(blocked[0]["companyName"] as? String == "<script>alert(1)</script>")
        #expect(blocked[0]["before"] is NSNull)
        let after = try #require(blocked[0]["after"] as? [String: Any])
        #expect(after["status"] as? String == "UNCONFIRMED")
        #expect(after["reasons"] as? [String] == ["NO_CONFIRMATION"])
        #expect(after["newOrders"] as? String == "BLOCKED")
        #expect(after["seatChanges"] as? String == "NONE")
        #expect(after["seats"] as? Int == 0)
        #expect(after["violations"] as? Int == 0)
        let violations = try #require(changes["newViolations"] as? [[String: Any]])
        #expect((violations[0]["before"] as? [String: Any])?["newOrders"] as? String == "BLOCKED_AT_CUTOVER")
        #expect((violations[0]["after"] as? [String: Any])?["violations"] as? Int == 1)
        // The lists come in report order.
        let order = ["newlyBlocked", "newlyConfirmed", "newlyInvalid", "resolved", "newViolations"]
            .compactMap { text.range(of: "\n    \"\($0)\": ")?.lowerBound }
        #expect(order.count == 5 && order == order.sorted())

        let trend = try #require(json["trend"] as? [[String: Any]])
        #expect(trend.map { $0["asOf"] as? String } == ["2018-11-05", "2018-11-06", "2018-11-07"])
        #expect(trend[0]["runDate"] as? String == "2018-11-06")
        let first = try #require(trend[0]["summary"] as? [String: Any])
        #expect(first["customers"] as? Int == 5)
        #expect(first["byStatus"] as? [String: Int] == ["CONFIRMED": 0, "UNCONFIRMED": 4, "INVALID": 1, "OUT_OF_SCOPE": 0])
        #expect(first["blockedNewOrders"] as? Int == 5)
        #expect((trend[1]["summary"] as? [String: Any])?["violations"] as? Int == 2)
        #expect((trend[2]["summary"] as? [String: Any])?["seatsAffected"] as? Int == 37)
        #expect(text.contains(#"    {"asOf": "2018-11-05", "runDate": "2018-11-06", "summary": {"customers": 5, "byStatus": {"CONFIRMED": 0, "UNCONFIRMED": 4, "INVALID": 1, "OUT_OF_SCOPE": 0}, "blockedNewOrders": 5, "blockedSeatChanges": 0, "seatsAffected": 0, "violations": 0, "rowsRejected": 0, "warnings": 0, "otherAgreementTypes": 0}},"#))
    }

    @Test func optionalPhaseCarriesDaysToCutover() throws {
        let (folder, _) = try writeReports(SampleAudit.optionalPhaseResult())
        defer { folder.cleanUp() }
        let json = try object(folder.data("report.json"))
        #expect(json["phase"] as? String == "OPTIONAL")
        let customers = try #require(json["customers"] as? [[String: Any]])
        #expect(customers[1]["newOrders"] as? String == "BLOCKED_AT_CUTOVER")
        #expect(customers[1]["seatChanges"] as? String == "BLOCKED_AT_CUTOVER")
        #expect(customers[1]["daysToCutover"] as? Int == 37)
        #expect(customers[0]["daysToCutover"] is NSNull)
    }

    @Test func emptyListsAndAFullPolicy() throws {
        var result = SampleAudit.result()
        result.customers = []
        result.violations = []
        result.dataQuality = []
        result.inputs = []
        result.policy.acceptedTemplateIds = ["tpl-1", "tpl-2"]
        result.policy.acceptedOnOrAfter = SampleAudit.date("2018-09-15")
        result.policy.supportedClouds = [.public, .usgovernment]
        let (folder, _) = try writeReports(result)
        defer { folder.cleanUp() }
        let text = try folder.text("report.json")
        #expect(text.contains("\n  \"customers\": [],\n  \"violations\": [],\n  \"dataQuality\": [],\n  \"inputs\": [],\n  \"changes\": null,\n  \"trend\": null\n}\n"))
        let json = try object(Data(text.utf8))
        let policy = try #require(json["policy"] as? [String: Any])
        #expect(policy["acceptedTemplateIds"] as? [String] == ["tpl-1", "tpl-2"])
        #expect(policy["acceptedOnOrAfter"] as? String == "2018-09-15")
        #expect(policy["supportedClouds"] as? [String] == ["public", "usgovernment"])
    }

    @Test func manifestRecordsTheRunAndTheHashOfEveryFile() throws {
        let (folder, files) = try writeReports()
        defer { folder.cleanUp() }
        #expect(files == ["blocked-new-orders.csv", "blocked-seat-changes.csv", "customers.csv", "data-quality.csv",
                          "invalid-confirmations.csv", "manifest.json", "order-violations.csv", "report.html",
                          "report.json", "resellers.csv", "summary.md"])
        let manifest = try object(folder.data("manifest.json"))
        #expect(manifest["toolVersion"] as? String == "0.1.0")
        #expect(manifest["asOf"] as? String == "2018-11-07")
        #expect(manifest["runDate"] as? String == "2018-11-08")
        #expect(manifest["timeZone"] as? String == "Europe/Paris")
        #expect(manifest["formats"] as? [String] == ["json", "html", "md", "csv"])
        #expect(manifest["redacted"] as? Bool == false)
        let policy = try #require(manifest["policy"] as? [String: Any])
        #expect(policy.keys.sorted() == ["acceptedOnOrAfter", "acceptedTemplateIds", "agreementType", "authorizedRoles",
                                         "availableFrom", "mandatoryFrom", "supportedClouds"])
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        #expect(inputs.map { $0["path"] as? String } == ["in/customers.csv", "in/orders.json"])
        #expect(inputs[0]["kind"] as? String == "customers")
        #expect(inputs[0]["format"] as? String == "csv")
        #expect(inputs[0]["sha256"] as? String == String(repeating: "a", count: 64))
        #expect(inputs[0]["rowsRead"] as? Int == 6)
        #expect(inputs[0]["rowsAccepted"] as? Int == 5)
        #expect(inputs[0]["rowsRejected"] as? Int == 0)

        let hashes = try #require(manifest["files"] as? [String: String])
        #expect(hashes.keys.sorted() == files.filter { $0 != "manifest.json" })
        for (name, hash) in hashes {
            let digest = SHA256.hash(data: try folder.data(name))
            #expect(hash == digest.map { String(format: "%02x", $0) }.joined(), "\(name)")
        }
        // The names are written sorted.
        let text = try folder.text("manifest.json")
        let order = hashes.keys.sorted().compactMap { text.range(of: "\"\($0)\": ")?.lowerBound }
        #expect(order == order.sorted())
        #expect(order.count == 10)
    }

    @Test func onlyTheSelectedFormatsAreWritten() throws {
        let (folder, files) = try writeReports(options: ReportOptions(formats: [.md], toolVersion: "9.9"))
        defer { folder.cleanUp() }
        #expect(files == ["manifest.json", "summary.md"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == files)
        let manifest = try object(folder.data("manifest.json"))
        #expect(manifest["formats"] as? [String] == ["md"])
        #expect((manifest["files"] as? [String: String])?.keys.sorted() == ["summary.md"])
    }

    @Test func rewritingGivesByteIdenticalFiles() throws {
        let (first, files) = try writeReports()
        let (second, again) = try writeReports()
        defer {
            first.cleanUp()
            second.cleanUp()
        }
        #expect(files == again)
        for name in files {
            #expect(try first.data(name) == second.data(name), "\(name)")
        }
    }

    /// In a child process, because the umask is global to the process and other tests run alongside.
    @Test func filesAreCreatedWithMode0640WhateverTheUmask() async {
        await #expect(processExitsWith: .success) {
            for mask: mode_t in [0o077, 0o000] {
                umask(mask)
                let (folder, files) = try writeReports()
                defer { folder.cleanUp() }
                guard files.count == 11 else { exit(2) }
                for name in files where try folder.mode(name) != 0o640 { exit(3) }
            }
        }
    }

    @Test func anExistingFileIsNeverOverwritten() throws {
        let folder = try TempFolder()
        defer { folder.cleanUp() }
        try Data("keep".utf8).write(to: folder.url.appendingPathComponent("report.json"))
        let error = try #require(throws: ReportWriteError.self) {
            _ = try ReportWriter.write(SampleAudit.result(), options: SampleAudit.options, into: folder.url)
        }
        #expect(error.path.hasSuffix("/report.json"))
        #expect(error.errorNumber == EEXIST)
        #expect(error.description.contains("File exists"))
        #expect(try folder.text("report.json") == "keep")
    }

    @Test func aFileLargerThanSeveralWriteBackStepsIsWrittenAndHashedWhole() throws {
        let folder = NSTemporaryDirectory() + "mca-reportfile-\(UInt64.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try ReportFile(directory: folder, name: "big.csv")
        for i in 0..<1_000_000 { try file.append("row \(i);été\n") }
        let digest = try file.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/big.csv"))
        #expect(data.count == 16_888_890)
        #expect(data.count > 2 * ReportFile.writeBackStep)
        // Computed apart from the program (Python's hashlib over the same rows).
        #expect(digest == "aaa70347fc8d39bc40d282c03223401bdd2bea7aa0541645090f629ecd0b5bf9")
        #expect(String(decoding: data.suffix(18), as: UTF8.self) == "\nrow 999999;été\n")
    }

    @Test func aLargeResultStreamsThroughManyBufferFlushes() throws {
        var result = SampleAudit.result()
        result.customers = CustomerOutcomes((0..<20_000).map { i in
            CustomerOutcome(customerId: "id-\(i)", companyName: "Company \(i) \"Ltd\" é", domain: nil, cloud: .public,
                            status: .unconfirmed, reasons: ["NO_CONFIRMATION"], confirmedOn: nil, newOrders: .blocked,
                            seatChanges: .blocked, daysToCutover: nil,
                            subscriptions: [SeatSubscription(subscriptionId: "s-\(i)", offerId: "o", seats: i % 50 + 1)],
                            newestRecord: nil)
        })
        let (folder, _) = try writeReports(result)
        defer { folder.cleanUp() }
        let data = try folder.data("report.json")
        #expect(data.count > 4 * ReportFile.bufferSize)
        let json = try object(data)
        let customers = try #require(json["customers"] as? [[String: Any]])
        #expect(customers.count == 20_000)
        #expect(customers[19_999]["companyName"] as? String == "Company 19999 \"Ltd\" é")
        #expect(try folder.csvLines("customers.csv").count == 20_001)
        let manifest = try object(folder.data("manifest.json"))
        let hashes = try #require(manifest["files"] as? [String: String])
        #expect(hashes["report.json"] == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
    }

    @Test func violationsFindTheirCompanyWhateverTheCaseOfTheId() {
        let customers = CustomerOutcomes(SampleAudit.customers())
        let lookup = CompanyLookup(customers)
        #expect(lookup.companyName(of: "c-001") == "Contoso, Ltd.")
        #expect(lookup.companyName(of: "c-003") == "=HYPERLINK(\"evil.example\",\"Click\")")
        #expect(lookup.companyName(of: "c-003") == "=HYPERLINK(\"evil.example\",\"Click\")")
        #expect(lookup.companyName(of: "C-005") == "-Northwind *Traders* [x](y) | a_b")
        #expect(lookup.companyName(of: "c-002") == "Fabrikam \"Quoted\" Café")
        #expect(lookup.companyName(of: "nobody") == nil)
        #expect(lookup.companyName(of: "c-006") == "<script>alert(1)</script>")
        #expect(CompanyLookup(customers).companyName(of: "nobody") == nil)
        #expect(CompanyLookup([]).companyName(of: "c-001") == nil)
    }
}
