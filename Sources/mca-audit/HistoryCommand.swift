import ArgumentParser
import Foundation
import MCAAudit

extension HistoryListing.Format: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// `mca-audit history`: parses the command line and hands over to `HistoryListing`.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List past runs and their counts, or one customer's outcome over time; or prune old runs.",
        discussion: """
            Reads the run history that `audit` keeps (DIR/history.sqlite unless --history names another file). \
            Only runs whose report was published are listed; what a killed run left is settled first, unless \
            a run holds the lock on DIR. --prune --keep N removes all but the N newest runs (what they report \
            stays the same) and shrinks the file; it waits for no run: exit 75 while one holds the lock. \
            Exit codes: 0 ok, 1 the customer is in no run, 64 usage, 66 no history file, \
            70 the history cannot be read or written, 75 locked.
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
    @Flag(name: .customLong("prune"), help: "Remove all but the --keep N newest runs, then shrink the file.")
    var prune = false
    @Option(name: .customLong("keep"), help: ArgumentHelp("With --prune: how many of the newest runs to keep.", valueName: "n"))
    var keep: Int?
    @Option(name: .customLong("log-format"), help: ArgumentHelp("Log lines on stderr: text or json.", valueName: "format"))
    var logFormat: LogFormat = .text

    func validate() throws {
        if prune != (keep != nil) { throw ValidationError("--prune and --keep N go together") }
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (the newest run)") }
        if prune, customer != nil || limit != nil { throw ValidationError("--prune lists nothing: no --customer or --limit") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if customer?.trimmingCharacters(in: .whitespaces).isEmpty == true { throw ValidationError("--customer needs an id") }
    }

    func run() throws {
        if prune, let keep {
            let status = HistoryPruning.run(outDir: URL(fileURLWithPath: out), historyPath: history, keep: keep,
                                            logger: StderrLogHandler.logger(format: logFormat)) { print($0) }
            if status != .ok { throw ExitCode(status.rawValue) }
            return
        }
        let listing = HistoryListing(outDir: URL(fileURLWithPath: out), historyPath: history, customerId: customer,
                                     limit: limit, format: format)
        let status = listing.run(logger: StderrLogHandler.logger(format: logFormat)) { print($0) }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
