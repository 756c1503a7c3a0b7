import Foundation
import ZIPFoundation

/// Runs programs other than mca-audit (python3, chromium) for tests that check a report with an
/// independent reader.
public enum ExternalTool {
    /// The full path of `name` on `PATH`, or `nil`.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments` under `timeout` (killed after `seconds`), output captured
    /// in files (so a full pipe cannot stall it), and waits.
    public static func run(_ executable: String, _ arguments: [String], seconds: Int = 300,
                           in directory: URL? = nil) throws -> BinaryRun {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let out = folder.url.appendingPathComponent("stdout"), err = folder.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-k", "5", "\(seconds)", executable] + arguments
        if let directory { p.currentDirectoryURL = directory }
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return BinaryRun(status: p.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

/// A Python with openpyxl, in a virtual environment under `.build/venv-openpyxl` made (and
/// openpyxl installed from PyPI) on first use and reused after.
public enum OpenpyxlPython {
    public static let folder = RepoPaths.root.appendingPathComponent(".build/venv-openpyxl")

    private static let lock = NSLock()

    /// The environment's python, ready to `import openpyxl`.
    public static func path() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let python = folder.appendingPathComponent("bin/python").path
        if try ExternalTool.run(python, ["-c", "import openpyxl"], seconds: 60).status == 0 { return python }
        guard let python3 = ExternalTool.find("python3") else { throw SetupError("python3 not found") }
        let venv = try ExternalTool.run(python3, ["-m", "venv", folder.path], seconds: 300)
        guard venv.status == 0 else { throw SetupError("python3 -m venv failed (Debian: apt-get install python3-venv): \(venv.stderr)") }
        let pip = try ExternalTool.run(folder.appendingPathComponent("bin/pip").path,
                                       ["install", "--quiet", "--disable-pip-version-check", "openpyxl"], seconds: 600)
        guard pip.status == 0 else { throw SetupError("pip install openpyxl failed: \(pip.stderr)") }
        return python
    }
}

/// A test's environment lacks something it needs.
public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The entries of a zip archive (an .xlsx), inflated.
public enum ZipEntries {
    /// Entry path → uncompressed bytes, for every file entry.
    public static func read(_ url: URL) throws -> [String: Data] {
        let archive = try Archive(url: url, accessMode: .read)
        var entries: [String: Data] = [:]
        for entry in archive where entry.type == .file {
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            entries[entry.path] = data
        }
        return entries
    }
}
