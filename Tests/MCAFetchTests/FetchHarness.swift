#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MCATestSupport

/// The test Partner Center (`TestPartnerCenter.py`), started on 127.0.0.1 on a free port.
final class TestPartnerCenter {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("TestPartnerCenter.py")
    static let tenant = "contoso-partner.onmicrosoft.com"
    static let clientId = "3f1c2b7e-5a1d-4c0e-9d8e-a1b2c3d4e5f6"
    static let clientSecret = "test-client-secret-Zq8~kd02JfWm"
    static let refreshToken = "test-refresh-token-0.AXcAq1b2c3d4"

    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int
    let seed: Int
    var url: String { "http://127.0.0.1:\(port)" }

    /// - Parameters:
    ///   - faults: Rules as the script documents them (`match`, `fault`, `times`, `retryAfter`).
    init(customers: Int, seed: Int = 1, faults: [[String: Any]] = [], arguments: [String] = []) throws {
        self.seed = seed
        var args = [Self.script.path, "--customers", "\(customers)", "--seed", "\(seed)"] + arguments
        if !faults.isEmpty {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: faults).write(to: file)
            args += ["--faults", file.path]
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + args
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while line.last != 0x0A {
            let chunk = output.fileHandleForReading.readData(ofLength: 1)
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            throw HarnessError("the test Partner Center did not start: \(text)")
        }
        self.port = port
    }

    /// Stops the server and returns its counters.
    func stop() throws -> [String: Any] {
        try input.fileHandleForWriting.close()
        let rest = output.fileHandleForReading.readAllRetryingInterrupts()
        process.waitUntilExit()
        let last = rest.split(separator: 0x0A).last.map { Data($0) } ?? Data()
        return (try JSONSerialization.jsonObject(with: last) as? [String: Any]) ?? [:]
    }

    deinit {
        if process.isRunning { try? input.fileHandleForWriting.close(); process.waitUntilExit() }
    }

    /// The id the server gives customer `index`.
    func customerId(_ index: Int) -> String { String(format: "%08x-0000-4000-8000-%012x", seed, index) }

    /// Writes what a complete fetch of the server's data holds as the four JSON exports.
    static func dump(customers: Int, seed: Int = 1, into dir: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, "--customers", "\(customers)", "--seed", "\(seed)", "--dump", dir.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError("dump failed") }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs the built `mca-audit` with its own environment (credentials, the short wait unit).
enum Fetcher {
    static func credentialsFile(in dir: URL, refreshToken: String = TestPartnerCenter.refreshToken, mode: Int = 0o600) throws -> URL {
        let url = dir.appendingPathComponent("credentials.json")
        let json: [String: String] = ["tenantId": TestPartnerCenter.tenant, "clientId": TestPartnerCenter.clientId,
                                      "clientSecret": TestPartnerCenter.clientSecret, "refreshToken": refreshToken]
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: url)
        chmod(url.path, mode_t(mode))
        return url
    }

    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for name in ["MCA_PC_TENANT_ID", "MCA_PC_CLIENT_ID", "MCA_PC_CLIENT_SECRET", "MCA_PC_REFRESH_TOKEN"] { env[name] = nil }
        env["MCA_FETCH_BACKOFF_UNIT_MS"] = "5"
        for (k, v) in extra { env[k] = v }
        return env
    }

    static func start(_ arguments: [String], environment: [String: String] = Fetcher.environment(), in dir: URL,
                      executable: URL = MCAAuditBinary.url) throws -> (process: Process, stdout: Pipe, stderr: Pipe) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = environment
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out, err)
    }

    static func run(_ arguments: [String], environment: [String: String] = Fetcher.environment(), in dir: URL,
                    executable: URL = MCAAuditBinary.url) throws -> BinaryRun {
        let p = try start(arguments, environment: environment, in: dir, executable: executable)
        let out = p.stdout.fileHandleForReading.readAllRetryingInterrupts()
        let err = p.stderr.fileHandleForReading.readAllRetryingInterrupts()
        p.process.waitUntilExit()
        return BinaryRun(status: p.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self))
    }

    /// `fetch --out OUT --credentials CRED --api/--authority SERVER` plus `extra`.
    static func fetch(_ server: TestPartnerCenter, out: URL, credentials: URL, extra: [String] = [], in dir: URL) throws -> BinaryRun {
        try run(["fetch", "--out", out.path, "--credentials", credentials.path, "--api", server.url, "--authority", server.url] + extra,
                in: dir)
    }
}

/// Reading what a fetch wrote.
enum Exports {
    static func items(_ file: URL) throws -> (total: Int, items: [Any]) {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
        return (object["totalCount"] as? Int ?? -1, object["items"] as? [Any] ?? [])
    }

    static func same(_ a: URL, _ b: URL) throws -> Bool {
        let x = try items(a), y = try items(b)
        return x.total == y.total && (x.items as NSArray).isEqual(to: y.items)
    }

    static func csvRows(_ file: URL) throws -> [[String]] {
        try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).map { line in
            var fields: [String] = [], field = "", quoted = false
            for c in line {
                if quoted { if c == "\"" { quoted = false } else { field.append(c) } }
                else if c == "\"" { quoted = true } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
            }
            fields.append(field)
            return fields
        }
    }

    /// Every regular file below `dir`, the credentials file excepted.
    static func allFiles(below dir: URL, except: URL?) -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return e.compactMap { $0 as? URL }.filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                && $0.resolvingSymlinksInPath().path != except?.resolvingSymlinksInPath().path
        }
    }
}
