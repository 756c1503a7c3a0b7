import ArgumentParser
import Foundation
import Logging
import MCAAudit
import MCAFetch

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch customers, agreements, subscriptions and orders from the Partner Center API.",
        discussion: """
            Credentials: --credentials FILE (JSON: tenantId, clientId, clientSecret, refreshToken; mode 600) or the \
            environment (MCA_PC_TENANT_ID, MCA_PC_CLIENT_ID, MCA_PC_CLIENT_SECRET, MCA_PC_REFRESH_TOKEN). \
            Writes DIR/<UTC time>/ and points DIR/latest at it; `audit --fetched DIR` reads it. See docs/fetch.md.
            Exit codes: 0 complete, 1 complete with customers in fetch-failures.csv, 64 usage, 66 credentials file missing, \
            69 API or sign-in unreachable, 73 output not written, 75 folder locked, 77 credentials refused or readable by others.
            """)

    @Option(name: .customLong("out"), help: ArgumentHelp("Fetch folder: DIR/<UTC time>/ per fetch, DIR/latest for the newest.", valueName: "dir"))
    var out: String?
    @Option(name: .customLong("credentials"), help: ArgumentHelp("Credentials file (JSON, readable by its owner only).", valueName: "file"))
    var credentials: String?
    @Option(name: .customLong("api"), help: ArgumentHelp("Partner Center API root (default https://api.partnercenter.microsoft.com).", valueName: "url"))
    var api: String?
    @Option(name: .customLong("authority"), help: ArgumentHelp("Sign-in authority (default https://login.microsoftonline.com).", valueName: "url"))
    var authority: String?
    @Option(name: .customLong("agreement-types"), help: ArgumentHelp("Agreement types to read (default MicrosoftCloudAgreement,MicrosoftCustomerAgreement).", valueName: "list"))
    var agreementTypes: String?
    @Option(name: .customLong("concurrency"), help: ArgumentHelp("At most N API requests at once (default 8).", valueName: "n"))
    var concurrency: Int = 8
    @Flag(name: .customLong("resume"), help: "Continue the newest interrupted fetch in DIR from the customers it finished.")
    var resume = false
    @Option(name: .customLong("log-format"), help: ArgumentHelp("Log lines on stderr: text or json.", valueName: "format"))
    var logFormat: LogFormat = .text
    @Flag(name: .customLong("quiet"), help: "Only errors that stop the fetch.")
    var quiet = false
    @Flag(name: .customLong("verbose"), help: "Every retry and the progress on stderr.")
    var verbose = false

    func validate() throws {
        guard let out, !out.isEmpty else { throw ValidationError("--out DIR is required") }
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other") }
        if concurrency < 1 || concurrency > 256 { throw ValidationError("--concurrency must be between 1 and 256") }
        if let api, FetchOptions.serviceURL(api) == nil { throw ValidationError("--api \(api): expected an http(s) URL without query") }
        if let authority, FetchOptions.serviceURL(authority) == nil {
            throw ValidationError("--authority \(authority): expected an http(s) URL without query")
        }
        if let agreementTypes, Self.types(agreementTypes).isEmpty {
            throw ValidationError("--agreement-types: a comma-separated list such as MicrosoftCloudAgreement,MicrosoftCustomerAgreement")
        }
    }

    func run() async throws {
        let scrubber = SecretScrubber()
        let environment = ProcessInfo.processInfo.environment
        let level: Logger.Level = quiet ? .error : verbose ? .debug : .info
        let format = logFormat
        let logger = StderrLogHandler.logger(format: format, level: level) { line in
            StderrLogHandler.standardError(scrubber.scrub(line))
        }
        let wait = FetchOptions.waitUnit(environment: environment)
        if let ignored = wait.ignored {
            logger.warning("MCA_FETCH_BACKOFF_UNIT_MS=\(ignored) is not a number of milliseconds (1..60000); one second is used")
        }
        let options = FetchOptions(
            outDir: URL(fileURLWithPath: out ?? "."),
            credentials: credentials.map { .file($0) } ?? .environment(environment),
            api: api.flatMap(FetchOptions.serviceURL) ?? FetchOptions.defaultAPI,
            authority: authority.flatMap(FetchOptions.serviceURL) ?? FetchOptions.defaultAuthority,
            agreementTypes: agreementTypes.map(Self.types) ?? FetchOptions.defaultAgreementTypes,
            concurrency: concurrency, resume: resume,
            verbosity: quiet ? .quiet : verbose ? .verbose : .normal,
            waitUnit: wait.unit)
        let runner = FetchRunner(options: options, logger: logger, scrubber: scrubber, output: { line in print(scrubber.scrub(line)) })
        let status = await runner.run()
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    private static func types(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber }
        }
    }
}
