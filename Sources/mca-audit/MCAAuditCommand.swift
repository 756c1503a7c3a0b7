import ArgumentParser
import Foundation
import MCAAudit
import MCAModel
import MCAReport

@main
struct MCAAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mca-audit",
        abstract: "Audit Microsoft Cloud Agreement acceptance confirmations of CSP customers.",
        version: toolVersion,
        subcommands: [Audit.self, Fetch.self, Generate.self, History.self],
        defaultSubcommand: nil
    )
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate every customer as of a date and write the reports.",
        discussion: "Exit codes: 0 ok, 1 a --fail-on condition holds, 64 usage, 65 input unusable, 66 input missing, 70 internal error, 73 report not written, 75 output folder locked.")

    @Option(name: .customLong("customers"), help: ArgumentHelp("Customers export (CSV, XML, JSON); repeatable.", valueName: "file"))
    var customers: [String] = []
    @Option(name: .customLong("agreements"), help: ArgumentHelp("Agreements (confirmation records) export; repeatable.", valueName: "file"))
    var agreements: [String] = []
    @Option(name: .customLong("orders"), help: ArgumentHelp("Orders export (one row per line item or charge); repeatable.", valueName: "file"))
    var orders: [String] = []
    @Option(name: .customLong("subscriptions"), help: ArgumentHelp("Subscriptions export (a snapshot; seats come from it when given); repeatable.", valueName: "file"))
    var subscriptions: [String] = []
    @Option(name: .customLong("fetched"), help: ArgumentHelp("The exports `mca-audit fetch` wrote into DIR (or DIR/latest), with its fetch-failures.csv.", valueName: "dir"))
    var fetched: String?
    @Option(name: .customLong("format-of"), help: ArgumentHelp("Format of a file whose extension does not say it.", valueName: "file=csv|xml|json"))
    var formatOf: [String] = []
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Evaluate as of this date (default: the run date).", valueName: "yyyy-mm-dd"))
    var asOf: String?
    @Option(name: .customLong("run-date"), help: ArgumentHelp("Pin today's date (reproducible runs; FUTURE_DATE is judged against it).", valueName: "yyyy-mm-dd"))
    var runDate: String?
    @Option(name: .customLong("time-zone"), help: ArgumentHelp("Audit time zone for date-times and today (default UTC).", valueName: "tz"))
    var timeZone: String = "UTC"
    @Option(name: .customLong("policy"), help: ArgumentHelp("Policy file (JSON, version 1) overriding the built-in rules.", valueName: "file"))
    var policy: String?
    @Option(name: .customLong("out"), help: ArgumentHelp("Report folder.", valueName: "dir"))
    var out: String = "Reports"
    @Option(name: .customLong("report"), help: ArgumentHelp("Report formats: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ",")) (default: \(ReportFormat.allCases.filter(ReportFormat.defaultFormats.contains).map(\.rawValue).joined(separator: ","))).", valueName: "list"))
    var report: String?
    @Option(name: .customLong("date-format"), help: ArgumentHelp("A date layout read after ISO 8601, e.g. \"M/d/yyyy h:mm:ss a\"; repeatable, tried in the order given.", valueName: "pattern"))
    var dateFormats: [String] = []
    @Option(name: .customLong("delimiter"), help: ArgumentHelp("CSV delimiter: one character, or 'tab'.", valueName: "c"))
    var delimiter: String = ","
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when any holds: violations,blocked,at-risk,invalid,rejected.", valueName: "list"))
    var failOn: String?
    @Flag(name: .customLong("strict"), help: "Any rejected row fails the run (exit 65, no report).")
    var strict = false
    @Flag(name: .customLong("redact"), help: "Mask contact e-mails and phone numbers in every report.")
    var redact = false
    @Option(name: .customLong("split-by"), help: ArgumentHelp("Also write each reseller's summary and lists in resellers/<id>/ of the report: reseller.", valueName: "reseller"))
    var splitBy: String?
    @Option(name: .customLong("history"), help: ArgumentHelp("Run history file (default: DIR/history.sqlite).", valueName: "file"))
    var history: String?
    @Flag(name: .customLong("no-history"), help: "Keep no run history: report.json's changes and trend are null.")
    var noHistory = false
    @Option(name: .customLong("history-keep"), help: ArgumentHelp("After the run, remove all but the N newest runs from the history.", valueName: "n"))
    var historyKeep: Int?
    @Option(name: .customLong("keep"), help: ArgumentHelp("After the run, remove all but the N newest report folders (never the one latest points at).", valueName: "n"))
    var keep: Int?
    @Option(name: .customLong("log-format"), help: ArgumentHelp("Log lines on stderr: text (file:line: severity: message) or json (one object per line).", valueName: "format"))
    var logFormat: LogFormat = .text
    @Flag(name: .customLong("quiet"), help: "Only errors that stop the run.")
    var quiet = false
    @Flag(name: .customLong("verbose"), help: "Every finding on stderr, not only the first 20.")
    var verbose = false

    func validate() throws {
        if customers.isEmpty && fetched == nil { throw ValidationError("--customers (or --fetched) is required") }
        if orders.isEmpty && fetched == nil { throw ValidationError("--orders (or --fetched) is required") }
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other") }
        if noHistory && history != nil { throw ValidationError("--history and --no-history exclude each other") }
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (the report just written)") }
        if let historyKeep, historyKeep < 1 { throw ValidationError("--history-keep must be at least 1 (the run just recorded)") }
        if noHistory && historyKeep != nil { throw ValidationError("--history-keep and --no-history exclude each other") }
    }

    func run() throws {
        let configuration = try makeConfiguration()
        let runner = AuditRunner(
            configuration: configuration,
            logger: StderrLogHandler.logger(format: logFormat),
            output: { line in print(line) })
        let status = runner.run()
        if status != .ok { throw ExitCode(status.rawValue) }
    }

    private func makeConfiguration() throws -> AuditConfiguration {
        var overrides: [String: InputFormat] = [:]
        for item in formatOf {
            guard let eq = item.lastIndex(of: "="),
                  let f = InputFormat(rawValue: item[item.index(after: eq)...].lowercased()) else {
                throw ValidationError("--format-of \(item): expected FILE=csv|xml|json")
            }
            overrides[String(item[..<eq])] = f
        }
        guard let tz = TimeZone(identifier: timeZone) else {
            throw ValidationError("--time-zone \(timeZone): unknown time zone (use an IANA name such as Europe/Paris)")
        }
        let asOfDate = try asOf.map { try date($0, "--as-of") }
        let runDateValue = try runDate.map { try date($0, "--run-date") }
        var policyValue = Policy.default
        if let policy {
            guard let data = FileManager.default.contents(atPath: policy) else {
                throw failure(.noInput, "\(policy): policy file not found or unreadable")
            }
            do { policyValue = try Policy.load(json: data) } catch {
                throw ValidationError("--policy \(policy): \(error)")
            }
        }
        var formats = ReportFormat.defaultFormats
        if let report {
            formats = []
            for name in report.split(separator: ",") {
                guard let f = ReportFormat(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw ValidationError("--report: unknown format '\(name)' (\(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                formats.insert(f)
            }
        }
        if let splitBy, splitBy.lowercased() != "reseller" {
            throw ValidationError("--split-by: unknown value '\(splitBy)' (reseller)")
        }
        var conditions: Set<FailCondition> = []
        if let failOn {
            for name in failOn.split(separator: ",") {
                guard let c = FailCondition(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw ValidationError("--fail-on: unknown condition '\(name)' (violations, blocked, at-risk, invalid, rejected)")
                }
                conditions.insert(c)
            }
        }
        let delimiterByte: UInt8
        switch delimiter {
        case "tab", "\\t", "\t": delimiterByte = 9
        case let d where d.utf8.count == 1 && d != "\"" && d != "\n" && d != "\r": delimiterByte = d.utf8.first!
        default: throw ValidationError("--delimiter: one ASCII character other than a quote or line break, or 'tab'")
        }
        var inputs: [InputSpec] = []
        var fetchFailures: String?
        do {
            for (kind, paths) in [(InputKind.customers, customers), (.agreements, agreements), (.subscriptions, subscriptions), (.orders, orders)] {
                for p in paths { inputs.append(try InputSpec.resolve(kind: kind, path: p, formatOverrides: overrides)) }
            }
            if let fetched {
                let found = try FetchedExports.locate(fetched)
                inputs += found.inputs
                fetchFailures = found.failures
            }
        } catch let f as AuditFailure {
            throw failure(f.status, f.message)
        }
        var configuration = AuditConfiguration(
            inputs: inputs, asOf: asOfDate, runDate: runDateValue, timeZone: tz, policy: policyValue,
            outDir: URL(fileURLWithPath: out),
            report: ReportOptions(formats: formats, redact: redact, toolVersion: toolVersion, splitByReseller: splitBy != nil),
            dateFormats: dateFormats, delimiter: delimiterByte, failOn: conditions, strict: strict,
            verbosity: quiet ? .quiet : verbose ? .verbose : .normal,
            showProgress: isatty(STDERR_FILENO) != 0,
            history: noHistory ? .none : history.map { .file($0) } ?? .inOutDir, keep: keep, historyKeep: historyKeep)
        configuration.fetchFailures = fetchFailures
        return configuration
    }

    private func date(_ text: String, _ option: String) throws -> DayDate {
        guard let d = DayDate(iso: text) else { throw ValidationError("\(option) \(text): expected a date YYYY-MM-DD") }
        return d
    }

    private func failure(_ status: ExitStatus, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("mca-audit: \(message)\n".utf8))
        return ExitCode(status.rawValue)
    }
}
