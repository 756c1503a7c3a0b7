#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MCATestSupport
import Testing

/// `Scripts/nightly.sh --fetch`: fetch, then audit the fetch; a notice or an alert as the fetch went.
@Suite(.serialized) struct NightlyFetchTests {
    func nightly(_ arguments: [String], in dir: URL) throws -> (status: Int32, notes: String) {
        let notifier = dir.appendingPathComponent("notify.sh")
        try Data("#!/bin/sh\n{ echo \"SUBJECT: $1\"; cat; } >> \"\(dir.path)/notes.txt\"\n".utf8).write(to: notifier)
        chmod(notifier.path, 0o755)
        let run = try Fetcher.run([RepoPaths.root.appendingPathComponent("Scripts/nightly.sh").path] + arguments,
                                  environment: Fetcher.environment(["MCA_AUDIT_BIN": MCAAuditBinary.url.path,
                                                                    "MCA_NOTIFY_COMMAND": notifier.path]),
                                  in: dir, executable: URL(fileURLWithPath: "/bin/bash"))
        let notes = (try? String(contentsOf: dir.appendingPathComponent("notes.txt"), encoding: .utf8)) ?? ""
        return (run.status, notes)
    }

    @Test func fetchThenAuditWithANoticeForCustomersNotFetched() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let probe = try TestPartnerCenter(customers: 1)
        _ = try probe.stop()
        let server = try TestPartnerCenter(customers: 20, faults: [["match": "/customers/\(probe.customerId(2))/", "fault": "403", "times": -1]])
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let result = try nightly(["--fetch", "fetched", "--credentials", credentials.path, "--api", server.url, "--authority", server.url,
                                  "--", "--out", "reports", "--no-history", "--run-date", "2018-11-30"], in: tmp.url)
        _ = try server.stop()
        #expect(result.status == 0)
        #expect(result.notes.contains("SUBJECT: mca-audit on"))
        #expect(result.notes.contains("customers not fetched (fetch exit 1)"))
        #expect(result.notes.contains(probe.customerId(2)))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.url.appendingPathComponent("reports/latest/report.json"))) as? [String: Any]
        #expect((report?["summary"] as? [String: Any])?["notFetched"] as? Int == 1)
        #expect((report?["summary"] as? [String: Any])?["customers"] as? Int == 20)
    }

    @Test func aFetchThatStopsSendsAnAlertAndRunsNoAudit() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let server = try TestPartnerCenter(customers: 3, faults: [["match": "/oauth2/token", "fault": "invalid_grant", "times": -1]])
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let result = try nightly(["--fetch", "fetched", "--credentials", credentials.path, "--api", server.url, "--authority", server.url,
                                  "--", "--out", "reports"], in: tmp.url)
        _ = try server.stop()
        #expect(result.status == 77)
        #expect(result.notes.contains("FETCH FAILED (exit 77)"))
        #expect(result.notes.contains("must consent to the application again"))
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("reports").path))
    }
}
