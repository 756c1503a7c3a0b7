import Synchronization

/// Counters of one fetch, for the manifest and the closing line.
final class FetchStatistics: Sendable {
    private struct Counts {
        var requests = 0
        var retries = 0
        var tokenRequests = 0
        var inFlight = 0
        var peakInFlight = 0
    }

    private let counts = Mutex(Counts())

    func requestStarted() {
        counts.withLock {
            $0.requests += 1
            $0.inFlight += 1
            $0.peakInFlight = max($0.peakInFlight, $0.inFlight)
        }
    }

    func requestEnded() { counts.withLock { $0.inFlight -= 1 } }
    func retried() { counts.withLock { $0.retries += 1 } }
    func tokenRequested() { counts.withLock { $0.tokenRequests += 1 } }

    var requests: Int { counts.withLock { $0.requests } }
    var retries: Int { counts.withLock { $0.retries } }
    var tokenRequests: Int { counts.withLock { $0.tokenRequests } }
    var peakInFlight: Int { counts.withLock { $0.peakInFlight } }
}
