import Foundation
import Synchronization

/// Every secret this process has seen (client secret, refresh tokens, access tokens), so that any text
/// bound for a log line, an error or a file can be cleaned of them as a last line of defence. The
/// fetch code never puts a secret into a message on purpose; this catches what an answer echoes back.
public final class SecretScrubber: Sendable {
    private let secrets = Mutex<[String]>([])

    public init() {}

    /// Remembers `secret` (ignored when shorter than 8 characters: too likely to occur by chance).
    public func register(_ secret: String) {
        guard secret.count >= 8 else { return }
        secrets.withLock { list in
            if !list.contains(secret) { list.append(secret) }
        }
    }

    /// `text` with every known secret replaced by `[redacted]`.
    public func scrub(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        var result = text
        for secret in list where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return result
    }
}
