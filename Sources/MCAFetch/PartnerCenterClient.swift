import Foundation
import Logging

/// A request of the fetch that still failed after what the fault rules allow (docs/fetch.md, "Faults").
struct RequestFailure: Error, Sendable {
    /// The request as `GET /v1/...` (no host, no headers).
    var request: String
    /// The last HTTP status, `nil` when no answer came.
    var status: Int?
    var message: String
    /// No answer at all (connection errors, 5xx to the end): the API is unreachable rather than refusing.
    var unreachable: Bool
}

/// GETs of the Partner Center REST API with the headers, retries and sign-in the fetch needs.
final class PartnerCenterClient: Sendable {
    let transport: HTTPTransport
    let tokens: TokenSource
    /// `{api}/v1`.
    let root: String
    let correlationId: String
    let retry: RetryPolicy
    let statistics: FetchStatistics
    let scrubber: SecretScrubber
    let logger: Logger

    /// Headers of `links.next` that the fetch sets itself and never takes from an answer.
    private static let ownHeaders: Set<String> = ["authorization", "accept", "host", "content-length", "ms-requestid",
                                                  "ms-correlationid", "connection", "transfer-encoding"]

    init(transport: HTTPTransport, tokens: TokenSource, api: URL, correlationId: String, retry: RetryPolicy,
         statistics: FetchStatistics, scrubber: SecretScrubber, logger: Logger) {
        self.transport = transport
        self.tokens = tokens
        self.root = api.absoluteString + "/v1"
        self.correlationId = correlationId
        self.retry = retry
        self.statistics = statistics
        self.scrubber = scrubber
        self.logger = logger
    }

    /// GETs `path` (relative to `/v1`), streaming the answer into `spool`, and reads it as a collection page.
    /// - Returns: the page, or the failure to list in fetch-failures.csv.
    /// - Throws: `FetchFailure` when the sign-in fails or the output cannot be written (the fetch stops);
    ///   `CancellationError` when the fetch is stopping.
    func page(_ path: String, headers extra: [(String, String)] = [], spool: URL) async throws -> Result<CollectionPage, RequestFailure> {
        let request = "GET /v1" + path
        let url = root + path
        // One id for the request and its retries, so the API can tell a retry from a new request.
        let requestId = UUID().uuidString.lowercased()
        var refreshedAfter401 = false
        var rereadNotJSON = false
        var tries = 0
        var last = RequestFailure(request: request, status: nil, message: "", unreachable: true)
        while tries < retry.maxTries {
            try Task.checkCancellation()
            tries += 1
            let (token, generation) = try await tokens.current()
            var headers: [(String, String)] = [
                ("Authorization", "Bearer " + token), ("Accept", "application/json"),
                ("MS-RequestId", requestId), ("MS-CorrelationId", correlationId),
            ]
            headers += extra.filter { !Self.ownHeaders.contains($0.0.lowercased()) }
            statistics.requestStarted()
            let answer: HTTPAnswer
            do {
                answer = try await transport.get(url, headers: headers, bodyTo: spool)
                statistics.requestEnded()
            } catch let error as ConnectionError {
                statistics.requestEnded()
                last = RequestFailure(request: request, status: nil, message: error.description, unreachable: true)
                try await pause(after: tries, retryAfter: nil, request: request, problem: error.description)
                continue
            } catch {
                statistics.requestEnded()
                throw error
            }
            switch answer.status {
            case 200:
                let data: Data
                do { data = try Data(contentsOf: spool) } catch {
                    throw FetchFailure(.cannotWrite, "\(spool.path): cannot read back the answer just written: \(error.localizedDescription)")
                }
                do {
                    return .success(try CollectionPage(data: data))
                } catch let problem as CollectionPage.NotACollection {
                    last = RequestFailure(request: request, status: 200, message: problem.description, unreachable: false)
                    // Read once more: a proxy's error page or a truncated answer is usually gone the second time.
                    guard !rereadNotJSON else { return .failure(last) }
                    rereadNotJSON = true
                    statistics.retried()
                    logger.debug("\(request): \(problem.description); asking once more")
                    continue
                }
            case 401:
                last = RequestFailure(request: request, status: 401, message: message(answer, "the access token was refused"), unreachable: false)
                guard !refreshedAfter401 else { return .failure(last) }
                refreshedAfter401 = true
                statistics.retried()
                logger.debug("\(request): 401; signing in again")
                await tokens.refused(generation: generation)
                continue
            case 429, 503, 500, 502, 504:
                last = RequestFailure(request: request, status: answer.status, message: message(answer, "HTTP \(answer.status)"),
                                      unreachable: answer.status != 429)
                try await pause(after: tries, retryAfter: answer.headers.first(name: "Retry-After"), request: request,
                                problem: "HTTP \(answer.status)")
                continue
            default:
                return .failure(RequestFailure(request: request, status: answer.status,
                                               message: message(answer, "HTTP \(answer.status)"), unreachable: false))
            }
        }
        last.message += "; gave up after \(retry.maxTries) tries"
        return .failure(last)
    }

    private func pause(after tries: Int, retryAfter: String?, request: String, problem: String) async throws {
        guard tries < retry.maxTries else { return }
        statistics.retried()
        let wait = retry.retryAfter(retryAfter) ?? retry.backOff(after: tries)
        logger.debug("\(request): \(problem); trying again in \(wait)")
        try await Task.sleep(for: wait)
    }

    /// The error of an answer as Partner Center words it (`description` or `message` of its JSON), else
    /// `fallback`; one line, at most 300 characters, with no secret.
    private func message(_ answer: HTTPAnswer, _ fallback: String) -> String {
        var text = fallback
        if let body = (try? JSONSerialization.jsonObject(with: Data(answer.text.utf8))) as? [String: Any] {
            let said = (body["description"] as? String) ?? (body["message"] as? String)
                ?? ((body["error"] as? [String: Any])?["message"] as? String)
            if let said, !said.isEmpty {
                let code = (body["code"] as? Int).map { " (code \($0))" } ?? ""
                text = "HTTP \(answer.status): \(said)\(code)"
            }
        }
        let line = text.map { $0 == "\r" || $0 == "\n" ? " " : $0 }
        return scrubber.scrub(String(String(line).prefix(300)))
    }
}
