import Foundation
import MCATestSupport
import Testing

/// `mca-audit fetch` against the test Partner Center, then `audit --fetched`, run as a user would.
@Suite(.serialized) struct FetchEndToEndTests {
    static let customers = 130

    /// Faults that the fault rules cure: each must be survived and leave no trace in the exports.
    static func curableFaults(_ s: TestPartnerCenter) -> [[String: Any]] {
        [
            ["match": "/oauth2/token", "fault": "503", "times": 1],
            ["match": "/v1/customers?size=40&seekOperation=Next", "fault": "429", "retryAfter": 1, "times": 1],
            ["match": "/customers/\(s.customerId(2))/subscriptions", "fault": "503", "times": 2],
            ["match": "/customers/\(s.customerId(4))/orders", "fault": "500", "times": 1],
            ["match": "/customers/\(s.customerId(5))/orders", "fault": "502", "times": 1],
            ["match": "/customers/\(s.customerId(6))/orders", "fault": "504", "times": 1],
            ["match": "/customers/\(s.customerId(7))/agreements?agreementType=MicrosoftCloudAgreement", "fault": "401", "times": 1],
            ["match": "/customers/\(s.customerId(8))/subscriptions", "fault": "drop", "times": 1],
            ["match": "/customers/\(s.customerId(9))/orders", "fault": "nonjson", "times": 1],
            ["match": "/customers/\(s.customerId(11))/orders?seekOperation=Next", "fault": "429", "times": 1],
        ]
    }

    @Test func faultsSurvivedAndAuditEqualsAuditOfTheSameFiles() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        // Seed 1's ids are what curableFaults names; the server is started with them.
        let probe = try TestPartnerCenter(customers: 1)
        _ = try probe.stop()
        let server = try TestPartnerCenter(customers: Self.customers, faults: Self.curableFaults(probe),
                                           arguments: ["--customer-page-size", "40"])
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let out = tmp.url.appendingPathComponent("fetched")
        let run = try Fetcher.fetch(server, out: out, credentials: credentials, extra: ["--verbose"], in: tmp.url)
        let stats = try server.stop()
        #expect(run.status == 0, "stderr: \(run.stderr)")

        // Every scripted fault happened.
        let fired = stats["faults"] as? [String: Int] ?? [:]
        for n in 0..<Self.curableFaults(probe).count { #expect(fired["\(n)"] ?? 0 >= 1, "fault \(n) never fired") }
        #expect(fired["2"] == 2)
        // One correlation id for the whole fetch, well-formed request ids, never more than 8 at once, one token request at a time.
        #expect((stats["correlationIds"] as? [String])?.count == 1)
        #expect(stats["badHeaders"] as? Int == 0)
        #expect((stats["maxInFlight"] as? Int ?? 99) <= 8)
        #expect(stats["maxTokenInFlight"] as? Int == 1)
        // First sign-in (retried once after its 503) and one refresh after the 401.
        #expect(stats["tokenRequests"] as? Int == 3)

        let latest = out.appendingPathComponent("latest")
        let truth = tmp.url.appendingPathComponent("truth")
        try TestPartnerCenter.dump(customers: Self.customers, into: truth)
        for name in ["customers", "agreements", "subscriptions", "orders"] {
            #expect(try Exports.same(latest.appendingPathComponent("\(name).json"), truth.appendingPathComponent("\(name).json")),
                    "\(name).json differs from the server's data")
        }
        #expect(try Exports.items(latest.appendingPathComponent("customers.json")).total == Self.customers)
        #expect(try String(contentsOf: latest.appendingPathComponent("fetch-failures.csv"), encoding: .utf8)
                == "customerId,request,status,correlationId,message\r\n")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: latest.appendingPathComponent("fetch-manifest.json"))) as? [String: Any] ?? [:]
        let counts = manifest["counts"] as? [String: Int] ?? [:]
        #expect(counts["customers"] == Self.customers)
        #expect(counts["agreements"] == (try Exports.items(truth.appendingPathComponent("agreements.json")).total))
        #expect(counts["failedCustomers"] == 0)
        #expect((manifest["retries"] as? Int ?? 0) >= 11)
        #expect(manifest["correlationId"] as? String == (stats["correlationIds"] as? [String])?.first)
        // Files 0640, folders 0750.
        let folder = latest.resolvingSymlinksInPath()
        #expect(try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int == 0o750)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            #expect(try FileManager.default.attributesOfItem(atPath: folder.path + "/" + name)[.posixPermissions] as? Int == 0o640, "\(name)")
        }

        // The audit of the fetch and the audit of the same data given as files say the same.
        let a = try Fetcher.run(["audit", "--fetched", out.path, "--out", tmp.url.appendingPathComponent("ra").path, "--no-history",
                                 "--run-date", "2018-11-30"], in: tmp.url)
        #expect(a.status == 0, "\(a.stderr)")
        var fileArgs: [String] = []
        for (option, name) in [("--customers", "customers"), ("--agreements", "agreements"), ("--subscriptions", "subscriptions"), ("--orders", "orders")] {
            fileArgs += [option, truth.appendingPathComponent("\(name).json").path]
        }
        let b = try Fetcher.run(["audit"] + fileArgs + ["--out", tmp.url.appendingPathComponent("rb").path, "--no-history",
                                                      "--run-date", "2018-11-30"], in: tmp.url)
        #expect(b.status == 0, "\(b.stderr)")
        let ra = try comparable(tmp.url.appendingPathComponent("ra/latest/report.json"))
        let rb = try comparable(tmp.url.appendingPathComponent("rb/latest/report.json"))
        #expect(ra == rb)
        let summary = (try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.url.appendingPathComponent("ra/latest/report.json"))) as? [String: Any])?["summary"] as? [String: Any]
        #expect(summary?["customers"] as? Int == Self.customers)
        #expect(summary?["notFetched"] as? Int == 0)
        #expect(try Data(contentsOf: tmp.url.appendingPathComponent("ra/latest/customers.csv"))
                == Data(contentsOf: tmp.url.appendingPathComponent("rb/latest/customers.csv")))
    }

    /// report.json without its `inputs` (paths and hashes differ) and with file names only in findings.
    private func comparable(_ url: URL) throws -> NSDictionary {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        object["inputs"] = nil
        // Only an audit of a fetch has summary.notFetched (checked apart).
        if var summary = object["summary"] as? [String: Any] {
            summary["notFetched"] = nil
            object["summary"] = summary
        }
        if let findings = object["dataQuality"] as? [[String: Any]] {
            object["dataQuality"] = findings.map { f -> [String: Any] in
                var f = f
                f["file"] = ((f["file"] as? String ?? "") as NSString).lastPathComponent
                return f
            }
        }
        return object as NSDictionary
    }

    @Test func customersThatStillFailAreListedAndReportedNotFetched() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let probe = try TestPartnerCenter(customers: 1)
        _ = try probe.stop()
        let faults: [[String: Any]] = [
            ["match": "/customers/\(probe.customerId(3))/", "fault": "403", "times": -1],
            ["match": "/customers/\(probe.customerId(5))/subscriptions", "fault": "404", "times": -1],
            ["match": "/customers/\(probe.customerId(7))/orders", "fault": "500", "times": -1],
            ["match": "/customers/\(probe.customerId(9))/agreements?agreementType=MicrosoftCustomerAgreement", "fault": "nonjson", "times": -1],
        ]
        let server = try TestPartnerCenter(customers: 40, faults: faults)
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let out = tmp.url.appendingPathComponent("fetched")
        let run = try Fetcher.fetch(server, out: out, credentials: credentials, in: tmp.url)
        let stats = try server.stop()
        #expect(run.status == 1, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("4 customers could not be fetched completely"))
        let fired = stats["faults"] as? [String: Int] ?? [:]
        #expect(fired["0"] == 4)  // the 403 customer's four requests, each once: a 403 is not retried
        #expect(fired["1"] == 1)
        #expect(fired["2"] == 8)  // retries spent
        #expect(fired["3"] == 2)  // a body that is not JSON is asked for once more

        let csv = out.appendingPathComponent("latest/fetch-failures.csv")
        let rows = try Exports.csvRows(csv)
        #expect(rows.first == ["customerId", "request", "status", "correlationId", "message"])
        let body = Array(rows.dropFirst())
        #expect(body.map { $0[0] } == [String](repeating: probe.customerId(3), count: 4)
                + [probe.customerId(5), probe.customerId(7), probe.customerId(9)])
        #expect(body.map { $0[2] } == ["403", "403", "403", "403", "404", "500", "200"])
        #expect(body[0][1] == "GET /v1/customers/\(probe.customerId(3))/agreements?agreementType=MicrosoftCloudAgreement")
        #expect(body[3][1] == "GET /v1/customers/\(probe.customerId(3))/orders")
        #expect(body[0][4].contains("delegated admin"))
        #expect(body[5][4].contains("gave up after 8 tries"))
        #expect(body[6][4].contains("not JSON"))
        let correlation = (stats["correlationIds"] as? [String])?.first
        #expect(Set(body.map { $0[3] }) == [correlation ?? "?"])
        // What the failing customers did answer is kept.
        let subscriptions = try Exports.items(out.appendingPathComponent("latest/subscriptions.json")).items as? [[String: Any]] ?? []
        #expect(subscriptions.contains { $0["customerId"] as? String == probe.customerId(7) })
        #expect(!subscriptions.contains { $0["customerId"] as? String == probe.customerId(3) })

        let audit = try Fetcher.run(["audit", "--fetched", out.path, "--out", tmp.url.appendingPathComponent("r").path, "--no-history",
                                     "--run-date", "2018-11-30"], in: tmp.url)
        #expect(audit.status == 0, "\(audit.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.url.appendingPathComponent("r/latest/report.json"))) as? [String: Any] ?? [:]
        #expect((report["summary"] as? [String: Any])?["notFetched"] as? Int == 4)
        let notFetched = (report["dataQuality"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == "NOT_FETCHED" }
        #expect(notFetched.map { $0["line"] as? Int } == [2, 6, 7, 8])
        #expect(notFetched.allSatisfy { ($0["file"] as? String ?? "").hasSuffix("fetch-failures.csv") && $0["severity"] as? String == "error" })
        #expect(notFetched.first?["message"] as? String ?? "" == "customer '\(probe.customerId(3))' was not fetched completely "
                + "(GET /v1/customers/\(probe.customerId(3))/agreements?agreementType=MicrosoftCloudAgreement: HTTP 403 and 3 more failed requests); "
                + "its outcome rests on incomplete data")
        #expect(audit.stderr.contains("fetch-failures.csv:2: error: customer '\(probe.customerId(3))'"))
    }
}
