#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MCAAudit
import MCATestSupport
import Testing

/// Each exit code of `mca-audit fetch` (docs/fetch.md, "Exit codes"), with the message that goes with it.
/// 0 and 1 are checked by FetchEndToEndTests.
@Suite(.serialized) struct FetchExitCodeTests {
    /// A port on 127.0.0.1 where nothing listens.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        close(fd)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func usage64() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let noOut = try Fetcher.run(["fetch"], in: tmp.url)
        #expect(noOut.status == 64)
        #expect(noOut.stderr.contains("--out"))
        let noCredentials = try Fetcher.run(["fetch", "--out", "f", "--api", "http://127.0.0.1:9"], in: tmp.url)
        #expect(noCredentials.status == 64)
        #expect(noCredentials.stderr.contains("give --credentials FILE or set MCA_PC_TENANT_ID"))
        let partial = try Fetcher.run(["fetch", "--out", "f"], environment: Fetcher.environment(["MCA_PC_TENANT_ID": "t.example"]), in: tmp.url)
        #expect(partial.status == 64)
        #expect(partial.stderr.contains("MCA_PC_CLIENT_ID, MCA_PC_CLIENT_SECRET, MCA_PC_REFRESH_TOKEN not set"))
        let badURL = try Fetcher.run(["fetch", "--out", "f", "--api", "ftp://x"], in: tmp.url)
        #expect(badURL.status == 64)
        let badConcurrency = try Fetcher.run(["fetch", "--out", "f", "--concurrency", "0"], in: tmp.url)
        #expect(badConcurrency.status == 64)
    }

    @Test func credentialsFileMissing66() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try Fetcher.run(["fetch", "--out", "f", "--credentials", "nowhere.json"], in: tmp.url)
        #expect(run.status == 66)
        #expect(run.stderr.contains("nowhere.json: credentials file not found"))
    }

    @Test func credentialsReadableByOthers77() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let credentials = try Fetcher.credentialsFile(in: tmp.url, mode: 0o644)
        let run = try Fetcher.run(["fetch", "--out", "f", "--credentials", credentials.path], in: tmp.url)
        #expect(run.status == 77)
        #expect(run.stderr.contains("mode 644"))
        #expect(run.stderr.contains("chmod 600"))
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("f").path))
    }

    @Test func invalidGrant77SaysWhatToDo() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let server = try TestPartnerCenter(customers: 3, faults: [["match": "/oauth2/token", "fault": "invalid_grant", "times": -1]])
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let run = try Fetcher.fetch(server, out: tmp.url.appendingPathComponent("f"), credentials: credentials, in: tmp.url)
        _ = try server.stop()
        #expect(run.status == 77)
        #expect(run.stderr.contains("invalid_grant"))
        #expect(run.stderr.contains("must consent to the application again"))
        // Nothing was fetched: no folder to resume, no latest.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.url.appendingPathComponent("f").path).filter { $0 != ".lock" } == [])
    }

    @Test func wrongSecret77() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let server = try TestPartnerCenter(customers: 3)
        let run = try Fetcher.run(["fetch", "--out", "f", "--api", server.url, "--authority", server.url],
                                  environment: Fetcher.environment([
                                      "MCA_PC_TENANT_ID": TestPartnerCenter.tenant, "MCA_PC_CLIENT_ID": TestPartnerCenter.clientId,
                                      "MCA_PC_CLIENT_SECRET": "not-the-secret-at-all", "MCA_PC_REFRESH_TOKEN": TestPartnerCenter.refreshToken,
                                  ]), in: tmp.url)
        _ = try server.stop()
        #expect(run.status == 77)
        #expect(run.stderr.contains("sign-in refused (invalid_client, HTTP 401"))
        #expect(!run.stderr.contains("not-the-secret-at-all"))
    }

    @Test func apiUnreachable69() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let server = try TestPartnerCenter(customers: 3)
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let port = Self.closedPort()
        let run = try Fetcher.run(["fetch", "--out", "f", "--credentials", credentials.path, "--api", "http://127.0.0.1:\(port)",
                                   "--authority", server.url], in: tmp.url)
        _ = try server.stop()
        #expect(run.status == 69)
        #expect(run.stderr.contains("the customers list cannot be read (GET /v1/customers?size=500: no answer)"))
        #expect(run.stderr.contains("gave up after 8 tries"))
    }

    @Test func signInUnreachable69() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let port = Self.closedPort()
        let run = try Fetcher.run(["fetch", "--out", "f", "--credentials", credentials.path, "--api", "http://127.0.0.1:\(port)",
                                   "--authority", "http://127.0.0.1:\(port)"], in: tmp.url)
        #expect(run.status == 69)
        #expect(run.stderr.contains("cannot reach the sign-in endpoint http://127.0.0.1:\(port)/\(TestPartnerCenter.tenant)/oauth2/token"))
    }

    @Test func outputNotWritten73() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        try Data("x".utf8).write(to: tmp.url.appendingPathComponent("plain-file"))
        let run = try Fetcher.run(["fetch", "--out", "plain-file/sub", "--credentials", credentials.path, "--api", "http://127.0.0.1:9"],
                                  in: tmp.url)
        #expect(run.status == 73)
        #expect(run.stderr.contains("cannot create the fetch folder"))
    }

    @Test func locked75() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let credentials = try Fetcher.credentialsFile(in: tmp.url)
        let out = tmp.url.appendingPathComponent("f")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let lock = try RunLock(outDir: out)
        let run = try Fetcher.run(["fetch", "--out", out.path, "--credentials", credentials.path, "--api", "http://127.0.0.1:9"], in: tmp.url)
        withExtendedLifetime(lock) {}
        #expect(run.status == 75)
        #expect(run.stderr.contains("is locked by another mca-audit run"))
    }
}
