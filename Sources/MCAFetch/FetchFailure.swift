import MCAAudit

/// A fetch that stops, with its exit status (docs/fetch.md, "Exit codes") and the message for stderr.
/// The message never holds a secret: it is scrubbed by `SecretScrubber` before it is shown.
public struct FetchFailure: Error, Sendable, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
