import Foundation

/// The result of running the built `mca-audit` binary.
public struct BinaryRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Waits for a started process and collects its status and output.
    static func finish(_ p: (process: Process, stdout: Pipe, stderr: Pipe)) -> BinaryRun {
        let out = p.stdout.fileHandleForReading.readAllRetryingInterrupts()
        let err = p.stderr.fileHandleForReading.readAllRetryingInterrupts()
        p.process.waitUntilExit()
        return BinaryRun(status: p.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self))
    }
}

/// Runs the built `mca-audit` binary and the like, as a user would.
public enum MCAAuditBinary {
    /// The `mca-audit` executable built beside the test bundle.
    public static var url: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            RepoPaths.root.appendingPathComponent(".build/debug"),
        ]
        for dir in candidates {
            let u = dir.appendingPathComponent("mca-audit")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return RepoPaths.root.appendingPathComponent(".build/debug/mca-audit")
    }

    /// Runs `mca-audit` with `arguments` in `directory` (default: the repository root) and waits.
    public static func run(_ arguments: [String], in directory: URL = RepoPaths.root) throws -> BinaryRun {
        BinaryRun.finish(try start(arguments, in: directory))
    }

    /// Runs `script` with bash (for umask, ulimit, strace wrappers) in `directory`; `$MCA` is the
    /// built binary.
    public static func runShell(_ script: String, in directory: URL = RepoPaths.root) throws -> BinaryRun {
        var environment = ProcessInfo.processInfo.environment
        environment["MCA"] = url.path
        return BinaryRun.finish(try start(URL(fileURLWithPath: "/bin/bash"), ["-c", script], in: directory,
                                          environment: environment))
    }

    /// Starts `mca-audit` without waiting (for kill tests). Output goes to pipes the caller may read.
    public static func start(_ arguments: [String], in directory: URL = RepoPaths.root) throws
        -> (process: Process, stdout: Pipe, stderr: Pipe) {
        try start(url, arguments, in: directory, environment: nil)
    }

    private static func start(_ executable: URL, _ arguments: [String], in directory: URL,
                              environment: [String: String]?) throws -> (process: Process, stdout: Pipe, stderr: Pipe) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out, err)
    }
}

/// A fresh temporary folder, removed by `remove()`.
public struct TemporaryFolder {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mca-audit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
