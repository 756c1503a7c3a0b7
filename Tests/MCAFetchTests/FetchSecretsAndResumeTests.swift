#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MCATestSupport
import Testing

@Suite(.serialized) struct FetchSecretsAndResumeTests {
    /// No client secret, refresh token or access token in any file written (the credentials file
    /// excepted), any log line, or the stderr of a failing run; the rotated refresh token is written
    /// back (the server here accepts only the newest one) with the file's mode.
    @Test func noSecretAnywhereAndTheRotatedTokenIsKept() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let probe = try TestPartnerCenter(customers: 1)
        _ = try probe.stop()
        let faults: [[String: Any]] = [
            ["match": "/customers/\(probe.customerId(4))/orders", "fault": "401", "times": 1],
            ["match": "/customers/\(probe.customerId(6))/", "fault": "403", "times": -1],
            ["match": "/customers/\(probe.customerId(8))/subscriptions", "fault": "drop", "times": 1],
        ]
        // Short-lived tokens: they are renewed during the fetch too.
        let server = try TestPartnerCenter(customers: 60, faults: faults, arguments: ["--strict-rotation", "--expires-in", "2", "--latency-ms", "5"])
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let out = tmp.url.appendingPathComponent("f")
        var runs: [BinaryRun] = []
        runs.append(try Fetcher.fetch(server, out: out, credentials: credentials, extra: ["--verbose", "--concurrency", "4"], in: tmp.url))
        // The second run signs in with the token the first wrote back: the server refuses any older one.
        runs.append(try Fetcher.fetch(server, out: out, credentials: credentials, extra: ["--verbose", "--log-format", "json"], in: tmp.url))
        // A failing run: a refresh mid-fetch answered invalid_grant.
        let failing = try TestPartnerCenter(customers: 30, faults: [
            ["match": "/customers/\(probe.customerId(20))/orders", "fault": "401", "times": 1],
            ["match": "/oauth2/token", "fault": "invalid_grant", "times": -1, "after": 1],
        ])
        let credentials2 = try Fetcher.credentialsFile(in: tmp.url.appendingPathComponent("c2", isDirectory: true).creatingFolder())
        runs.append(try Fetcher.fetch(failing, out: tmp.url.appendingPathComponent("g"), credentials: credentials2, extra: ["--verbose"], in: tmp.url))
        let stats = try server.stop()
        let failingStats = try failing.stop()
        #expect(runs[0].status == 1, "\(runs[0].stderr)")
        #expect(runs[1].status == 1, "\(runs[1].stderr)")
        #expect(runs[2].status == 77)
        #expect(runs[2].stderr.contains("invalid_grant"))
        #expect(runs[2].stderr.contains("run again with --resume"))

        let issuedAccess = (stats["accessTokens"] as? [String] ?? []) + (failingStats["accessTokens"] as? [String] ?? [])
        let issuedRefresh = (stats["refreshTokens"] as? [String] ?? []) + (failingStats["refreshTokens"] as? [String] ?? [])
        #expect((stats["tokenRequests"] as? Int ?? 0) >= 3, "tokens were renewed during the fetch")
        #expect(issuedAccess.count >= 3)
        let secrets = [TestPartnerCenter.clientSecret] + issuedAccess + issuedRefresh
        var texts: [(String, String)] = runs.enumerated().flatMap { [("stdout \($0.offset)", $0.element.stdout), ("stderr \($0.offset)", $0.element.stderr)] }
        for file in Exports.allFiles(below: tmp.url, except: nil) where file.lastPathComponent != "credentials.json" {
            texts.append((file.path, String(decoding: try Data(contentsOf: file), as: UTF8.self)))
        }
        #expect(texts.count > 10)
        for (place, text) in texts {
            for secret in secrets { #expect(!text.contains(secret), "a secret in \(place)") }
        }
        // The credentials file holds the newest refresh token, mode unchanged.
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: credentials)) as? [String: String]
        #expect(saved?["refreshToken"] == (stats["refreshTokens"] as? [String])?.last)
        #expect(saved?["clientSecret"] == TestPartnerCenter.clientSecret)
        #expect(try FileManager.default.attributesOfItem(atPath: credentials.path)[.posixPermissions] as? Int == 0o600)
    }

    /// A fetch killed (SIGKILL) at random moments, at least 20 times, and resumed each time ends with the same
    /// exports as one that ran through; `latest` only ever names a complete fetch.
    @Test func killedAndResumedEqualsUninterrupted() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let probe = try TestPartnerCenter(customers: 1)
        _ = try probe.stop()
        let faults: [[String: Any]] = [["match": "/customers/\(probe.customerId(17))/", "fault": "403", "times": -1]]
        let server = try TestPartnerCenter(customers: 200, faults: faults, arguments: ["--latency-ms", "10", "--customer-page-size", "25"])
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let reference = tmp.url.appendingPathComponent("reference")
        let whole = try Fetcher.fetch(server, out: reference, credentials: credentials, extra: ["--concurrency", "4"], in: tmp.url)
        #expect(whole.status == 1, "\(whole.stderr)")

        let out = tmp.url.appendingPathComponent("killed")
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var finished: Int32?
        var attempts = 0
        // Killed at a random moment until a run gets to the end by itself.
        for attempt in 0..<80 where finished == nil {
            attempts += 1
            let args = ["fetch", "--out", out.path, "--credentials", credentials.path, "--api", server.url, "--authority", server.url,
                        "--concurrency", "4"] + (attempt > 0 ? ["--resume"] : [])
            let p = try Fetcher.start(args, in: tmp.url)
            usleep(UInt32.random(in: 30_000...300_000, using: &generator))
            if p.process.isRunning {
                kill(p.process.processIdentifier, SIGKILL)
                kills += 1
            }
            p.process.waitUntilExit()
            _ = p.stdout.fileHandleForReading.readAllRetryingInterrupts()
            _ = p.stderr.fileHandleForReading.readAllRetryingInterrupts()
            if p.process.terminationReason == .exit { finished = p.process.terminationStatus }
            // Whatever `latest` names is complete.
            let latest = out.appendingPathComponent("latest")
            if FileManager.default.fileExists(atPath: latest.path) {
                for name in ["agreements", "subscriptions", "orders"] {
                    #expect(try Exports.items(latest.appendingPathComponent("\(name).json")).total >= 0)
                }
                #expect(try Exports.items(latest.appendingPathComponent("customers.json")).total == 200)
            }
        }
        if finished == nil {
            attempts += 1
            finished = try Fetcher.run(["fetch", "--out", out.path, "--credentials", credentials.path, "--api", server.url,
                                        "--authority", server.url, "--concurrency", "4", "--resume"], in: tmp.url).status
        }
        _ = try server.stop()
        #expect(kills >= 20, "only \(kills) kills")
        #expect(finished == 1)
        let a = reference.appendingPathComponent("latest"), b = out.appendingPathComponent("latest")
        for name in ["customers.json", "agreements.json", "subscriptions.json", "orders.json"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: b.appendingPathComponent(name)), "\(name) differs")
        }
        // The failures are the same but for the correlation id, which is one per fetch.
        let fa = try Exports.csvRows(a.appendingPathComponent("fetch-failures.csv")).map { $0.enumerated().filter { $0.offset != 3 }.map(\.element) }
        let fb = try Exports.csvRows(b.appendingPathComponent("fetch-failures.csv")).map { $0.enumerated().filter { $0.offset != 3 }.map(\.element) }
        #expect(fa == fb)
        #expect(fa.count == 5)
        let ma = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("fetch-manifest.json"))) as? [String: Any]
        let mb = try JSONSerialization.jsonObject(with: Data(contentsOf: b.appendingPathComponent("fetch-manifest.json"))) as? [String: Any]
        #expect((ma?["counts"] as? NSDictionary) == (mb?["counts"] as? NSDictionary))
        // `runs` counts the runs that recorded progress: a run killed before its first checkpoint
        // leaves none, so under load it can be well below the kills (14 of 20 seen in CI), but
        // several runs did work and none is counted that was not started.
        let runs = mb?["runs"] as? Int ?? 0
        #expect(runs >= 2 && runs <= attempts, "runs \(runs), started \(attempts)")
        // Nothing of the killed runs is left beside the published fetches.
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(names.filter { $0.hasPrefix(".fetch-") || $0.hasPrefix(".tmp-") || $0.hasPrefix(".old-") } == [])
    }
}

extension URL {
    func creatingFolder() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
