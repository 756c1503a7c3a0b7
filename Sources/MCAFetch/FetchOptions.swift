import Foundation

/// Everything one `mca-audit fetch` run needs, already checked by the command line.
public struct FetchOptions: Sendable {
    /// The fetch folder (`--out`): `DIR/<UTC time>/` per fetch, `DIR/latest` for the newest complete one.
    public var outDir: URL
    public var credentials: CredentialSource
    /// The Partner Center API root (`--api`), without `/v1`.
    public var api: URL
    /// The sign-in authority (`--authority`); the token endpoint is `{authority}/{tenantId}/oauth2/token`.
    public var authority: URL
    /// The agreement types asked for per customer (`--agreement-types`).
    public var agreementTypes: [String]
    /// At most this many API requests at once (`--concurrency`); token requests are not counted.
    public var concurrency: Int
    /// Continue the newest interrupted fetch in `outDir` (`--resume`).
    public var resume: Bool
    public var verbosity: Verbosity
    /// What one second of waiting lasts (Retry-After and back-off). One real second, except in
    /// tests, which shorten it with `MCA_FETCH_BACKOFF_UNIT_MS` (docs/fetch.md).
    public var waitUnit: Duration
    /// Items per page asked of `GET /v1/customers`.
    public var pageSize: Int

    public enum Verbosity: Sendable { case quiet, normal, verbose }

    public static let defaultAPI = URL(string: "https://api.partnercenter.microsoft.com")!
    public static let defaultAuthority = URL(string: "https://login.microsoftonline.com")!
    public static let defaultAgreementTypes = ["MicrosoftCloudAgreement", "MicrosoftCustomerAgreement"]
    /// The `resource` a token is asked for.
    public static let resource = "https://api.partnercenter.microsoft.com"

    public init(outDir: URL, credentials: CredentialSource, api: URL = FetchOptions.defaultAPI,
                authority: URL = FetchOptions.defaultAuthority, agreementTypes: [String] = FetchOptions.defaultAgreementTypes,
                concurrency: Int = 8, resume: Bool = false, verbosity: Verbosity = .normal,
                waitUnit: Duration = .seconds(1), pageSize: Int = 500) {
        self.outDir = outDir
        self.credentials = credentials
        self.api = api
        self.authority = authority
        self.agreementTypes = agreementTypes
        self.concurrency = concurrency
        self.resume = resume
        self.verbosity = verbosity
        self.waitUnit = waitUnit
        self.pageSize = pageSize
    }

    /// The wait unit from `MCA_FETCH_BACKOFF_UNIT_MS` (a positive number of milliseconds), else one second;
    /// `ignored` is a value set but not usable, for a warning.
    public static func waitUnit(environment: [String: String]) -> (unit: Duration, ignored: String?) {
        guard let text = environment["MCA_FETCH_BACKOFF_UNIT_MS"] else { return (.seconds(1), nil) }
        guard let ms = Int(text), ms > 0, ms <= 60_000 else { return (.seconds(1), text) }
        return (.milliseconds(ms), nil)
    }

    /// Checks a URL given as `--api` or `--authority`: http or https, a host, no query or fragment.
    public static func serviceURL(_ text: String) -> URL? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil, components.user == nil, components.password == nil
        else { return nil }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return URL(string: trimmed)
    }
}
