import Foundation
import Logging

/// The access token of the secure application model (App+User): asked for with the refresh token,
/// used until shortly before it expires, refreshed once after a 401. Only one refresh runs at a time;
/// every request takes the current token. A rotated refresh token is written back to the credentials
/// file (docs/fetch.md, "Sign-in").
actor TokenSource {
    private var credentials: Credentials
    private let source: CredentialSource
    private let endpoint: String
    private let transport: HTTPTransport
    private let retry: RetryPolicy
    private let statistics: FetchStatistics
    private let scrubber: SecretScrubber
    private let logger: Logger

    private var token: String?
    private var expiresAt = ContinuousClock.now
    /// Counts the tokens obtained, so that a 401 for an old token does not throw away a newer one.
    private var generation = 0
    private var refreshing: Task<Void, any Error>?
    /// Whether a rotated refresh token could not be written back (said once).
    private var warnedNoWriteBack = false

    init(credentials: Credentials, source: CredentialSource, authority: URL, transport: HTTPTransport,
         retry: RetryPolicy, statistics: FetchStatistics, scrubber: SecretScrubber, logger: Logger) {
        self.credentials = credentials
        self.source = source
        self.endpoint = authority.absoluteString + "/" + credentials.tenantId + "/oauth2/token"
        self.transport = transport
        self.retry = retry
        self.statistics = statistics
        self.scrubber = scrubber
        self.logger = logger
        scrubber.register(credentials.clientSecret)
        scrubber.register(credentials.refreshToken)
    }

    /// The token to send now, and its generation for `refused(generation:)`.
    /// - Throws: `FetchFailure` (77 refused, 69 unreachable) when no token can be had.
    func current() async throws -> (token: String, generation: Int) {
        while true {
            if let token, ContinuousClock.now < expiresAt { return (token, generation) }
            if let refreshing {
                try await refreshing.value
                continue
            }
            let task = Task { try await self.refresh() }
            refreshing = task
            defer { refreshing = nil }
            try await task.value
        }
    }

    /// A request was answered 401 with the token of `generation`: that token is dropped, and the
    /// next `current()` asks for a new one (unless another request already did).
    func refused(generation: Int) {
        if generation == self.generation { token = nil }
    }

    private func refresh() async throws {
        let form = [
            ("grant_type", "refresh_token"), ("refresh_token", credentials.refreshToken),
            ("client_id", credentials.clientId), ("client_secret", credentials.clientSecret),
            ("resource", FetchOptions.resource),
        ].map { "\($0)=\(Self.formEncode($1))" }.joined(separator: "&")
        var lastProblem = ""
        for attempt in 1...retry.maxTries {
            statistics.tokenRequested()
            let answer: HTTPAnswer
            do {
                answer = try await transport.postForm(endpoint, form: form)
            } catch let error as ConnectionError {
                lastProblem = "cannot reach the sign-in endpoint \(endpoint): \(error.description)"
                try await pause(after: attempt, retryAfter: nil, problem: lastProblem)
                continue
            }
            let body = (try? JSONSerialization.jsonObject(with: Data(answer.text.utf8))) as? [String: Any]
            switch answer.status {
            case 200:
                guard let body, let access = body["access_token"] as? String, !access.isEmpty else {
                    lastProblem = "the sign-in endpoint answered 200 without an access token"
                    try await pause(after: attempt, retryAfter: nil, problem: lastProblem)
                    continue
                }
                try accept(access: access, body: body)
                return
            case 429, 500...599:
                lastProblem = "the sign-in endpoint answered \(answer.status)"
                try await pause(after: attempt, retryAfter: answer.headers.first(name: "Retry-After"), problem: lastProblem)
                continue
            default:
                throw refusal(status: answer.status, body: body)
            }
        }
        throw FetchFailure(.unavailable, scrubber.scrub("\(lastProblem); gave up after \(retry.maxTries) tries"))
    }

    private func pause(after attempt: Int, retryAfter: String?, problem: String) async throws {
        guard attempt < retry.maxTries else { return }
        statistics.retried()
        let wait = retry.retryAfter(retryAfter) ?? retry.backOff(after: attempt)
        logger.debug("\(self.scrubber.scrub(problem)); trying again in \(wait)")
        try await Task.sleep(for: wait)
    }

    private func accept(access: String, body: [String: Any]) throws {
        scrubber.register(access)
        // `expires_in` comes as a number or as a string of digits, depending on the endpoint version.
        let seconds: Double
        if let n = body["expires_in"] as? NSNumber {
            seconds = n.doubleValue
        } else if let s = body["expires_in"] as? String, let n = Double(s) {
            seconds = n
        } else {
            seconds = 3600
        }
        // Renewed before it runs out: five minutes early, or after half its life if it is short.
        let margin = min(300, seconds / 2)
        token = access
        expiresAt = ContinuousClock.now + .seconds(max(0, seconds - margin))
        generation += 1
        if let rotated = body["refresh_token"] as? String, !rotated.isEmpty, rotated != credentials.refreshToken {
            scrubber.register(rotated)
            credentials.refreshToken = rotated
            switch source {
            case .file(let path):
                try Credentials.saveRefreshToken(rotated, toFile: path)
                logger.debug("the rotated refresh token was written back to \(path)")
            case .environment:
                if !warnedNoWriteBack {
                    warnedNoWriteBack = true
                    logger.notice("the sign-in endpoint rotated the refresh token; with credentials from the environment it cannot be saved: use --credentials FILE so the newest one is kept")
                }
            }
        }
    }

    private func refusal(status: Int, body: [String: Any]?) -> FetchFailure {
        let code = body?["error"] as? String ?? ""
        let description = (body?["error_description"] as? String).map { firstLine($0) } ?? ""
        if code == "invalid_grant" {
            return FetchFailure(.noPermission, scrubber.scrub(
                "sign-in refused (invalid_grant\(description.isEmpty ? "" : ": " + description)): the refresh token has expired "
                + "or was revoked; a partner admin must consent to the application again and store the new refresh token "
                + "(docs/fetch.md, \"App+User consent\")"))
        }
        let what = code.isEmpty ? "HTTP \(status)" : "\(code), HTTP \(status)"
        return FetchFailure(.noPermission, scrubber.scrub(
            "sign-in refused (\(what)\(description.isEmpty ? "" : ": " + description)); check the tenant, client id and client secret"))
    }

    private func firstLine(_ text: String) -> String {
        String(text.prefix { $0 != "\r" && $0 != "\n" }.prefix(300))
    }

    /// `application/x-www-form-urlencoded` escaping: everything but unreserved characters.
    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
