import Foundation

/// How long to wait before trying a request again (docs/fetch.md, "Faults"): the answer's
/// `Retry-After` when it gives one, else exponential back-off with jitter from 1 s up to 60 s;
/// at most `maxTries` tries per request.
public struct RetryPolicy: Sendable {
    /// Tries per request, the first included.
    public var maxTries = 8
    /// One second of waiting (shortened in tests).
    public var unit: Duration
    public var minimumSeconds = 1.0
    public var maximumSeconds = 60.0

    public init(unit: Duration) {
        self.unit = unit
    }

    /// The wait after failed try number `tryNumber` (1-based). "Full jitter" between half and all of
    /// the exponential step, so that many requests refused at once do not come back at once.
    public func backOff(after tryNumber: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let step = min(maximumSeconds, minimumSeconds * Double(1 << min(max(tryNumber - 1, 0), 16)))
        let seconds = max(minimumSeconds, step * (0.5 + 0.5 * random))
        return unit * seconds
    }

    /// The wait a `Retry-After` header asks for (seconds; an HTTP date is not used by Partner Center
    /// and reads as no header), kept within 0...60 s.
    public func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return unit * min(seconds, maximumSeconds)
    }
}
