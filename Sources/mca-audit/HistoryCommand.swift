import ArgumentParser
import Foundation
import MCAAudit

extension HistoryListing.Format: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// `mca-audit history`: parses the command line and hands over to `HistoryListing`.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List past runs and their counts, or one customer's outcome over time.",
        discussion: """
            Reads the run history that `audit` keeps (DIR/history.sqlite unless --history names another file). \
            Only runs whose report was published are listed; what a killed run left is settled first, unless \
            a run holds the lock on DIR. Exit codes: 0 ok, 1 the customer is in no run, 64 usage, \
            66 no history file, 70 the history cannot be read.
            """)

    @Option(name: .customLong("out"), help: ArgumentHelp("Report folder whose history to read.", valueName: "dir"))
    var out: String = "Reports"
    @Option(name: .customLong("history"), help: ArgumentHelp("History file (default: DIR/history.sqlite).", valueName: "file"))
    var history: String?
    @Option(name: .customLong("customer"), help: ArgumentHelp("Show this customer's outcome in every run instead.", valueName: "id"))
    var customer: String?
    @Option(name: .customLong("limit"), help: ArgumentHelp("At most this many runs, newest first.", valueName: "n"))
    var limit: Int?
    @Option(name: .customLong("format"), help: ArgumentHelp("text or json.", valueName: "format"))
    var format: HistoryListing.Format = .text
    @Option(name: .customLong("log-format"), help: ArgumentHelp("Log lines on stderr: text or json.", valueName: "format"))
    var logFormat: LogFormat = .text

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if customer?.trimmingCharacters(in: .whitespaces).isEmpty == true { throw ValidationError("--customer needs an id") }
    }

    func run() throws {
        let listing = HistoryListing(outDir: URL(fileURLWithPath: out), historyPath: history, customerId: customer,
                                     limit: limit, format: format)
        let status = listing.run(logger: StderrLogHandler.logger(format: logFormat)) { print($0) }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
