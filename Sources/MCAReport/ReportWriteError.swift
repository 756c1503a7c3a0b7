import MCAModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A report file or folder that could not be written (the run exits 73; the previous report is untouched).
public struct ReportWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or folder the operation was on.
    public var path: String
    /// What went wrong: the system's error text (`strerror`) or a sentence.
    public var reason: String
    /// The `errno` value, when a system call failed.
    public var errorNumber: Int32?

    public init(path: String, reason: String, errorNumber: Int32? = nil) {
        self.path = path
        self.reason = reason
        self.errorNumber = errorNumber
    }

    /// An error for a failed system call, reading the calling thread's `errno` now.
    static func system(_ operation: String, path: String, errno code: Int32 = errno) -> ReportWriteError {
        ReportWriteError(path: path, reason: "\(operation): \(String(cString: strerror(code)))", errorNumber: code)
    }

    public var description: String { "cannot write report '\(path)': \(reason)" }
}
