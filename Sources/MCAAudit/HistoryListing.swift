import Foundation
import Logging
import MCAEvaluate
import MCAHistory
import MCAModel
import MCAReport

/// `mca-audit history`: the past runs and their counts, or one customer's outcome over time.
public struct HistoryListing {
    /// Text for people, JSON for scripts.
    public enum Format: String, CaseIterable, Sendable { case text, json }

    public var outDir: URL
    /// `nil`: `outDir/history.sqlite`.
    public var historyPath: String?
    /// Show this customer's outcomes instead of the runs.
    public var customerId: String?
    /// At most this many runs (newest first); all when `nil`.
    public var limit: Int?
    public var format: Format

    public init(outDir: URL, historyPath: String? = nil, customerId: String? = nil, limit: Int? = nil, format: Format = .text) {
        self.outDir = outDir
        self.historyPath = historyPath
        self.customerId = customerId
        self.limit = limit
        self.format = format
    }

    /// Lists; returns 0, 1 when the customer is in no run, 66 without a history file, 70 when it cannot be read.
    /// Settles what a killed run left pending first, when no run holds the lock on `outDir`.
    public func run(logger: Logger, output: (String) -> Void) -> ExitStatus {
        let path = historyPath ?? outDir.appendingPathComponent(RunJournal.defaultFileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            logger.error("\(path): no run history here (an audit with --out \(outDir.path) creates it; --no-history keeps none)")
            return .noInput
        }
        do {
            let history = try RunHistory(path: path)
            if FileManager.default.fileExists(atPath: outDir.path) {
                do {
                    let lock = try RunLock(outDir: outDir)
                    defer { withExtendedLifetime(lock) {} }
                    // As an audit would first: a report a killed run had set aside goes back in place.
                    ReportPublisher.removeLeftovers(outDir: outDir)
                    for settled in try RunJournal.settle(history, outDir: outDir) { logger.notice("\(RunJournal.describe(settled))") }
                } catch let failure as AuditFailure where failure.status == .locked {
                    logger.notice("a run is in progress in \(outDir.path): showing the complete runs only")
                }
            }
            if let customerId {
                let entries = try history.customerHistory(customerId)
                guard !entries.isEmpty else {
                    logger.error("customer '\(customerId)' is in no run of \(path)")
                    return .conditionMet
                }
                output(format == .json ? HistoryListing.json(customer: customerId, entries) : HistoryListing.text(customer: entries))
            } else {
                let runs = try history.runs(limit: limit)
                output(format == .json ? HistoryListing.json(runs: runs) : HistoryListing.text(runs: runs))
            }
            return .ok
        } catch let error as HistoryError {
            logger.error("\(error.description)")
            return .internalError
        } catch let failure as AuditFailure {
            logger.error("\(failure.message)")
            return failure.status
        } catch {
            logger.error("internal error: \(error)")
            return .internalError
        }
    }

    // MARK: Text

    static func text(runs: [HistoryRun]) -> String {
        guard !runs.isEmpty else { return "No complete run in the history yet." }
        let header = ["as of", "run date", "phase", "exit", "customers", "confirmed", "unconfirmed", "invalid",
                      "out of scope", "blocked orders", "blocked seats", "seats affected", "violations", "rejected"]
        let rows = runs.map { r -> [String] in
            let s = r.summary
            return [r.asOf.iso, r.runDate.iso, r.phase.rawValue, String(r.exitCode), String(s.customers),
                    String(s.count(.confirmed)), String(s.count(.unconfirmed)), String(s.count(.invalid)),
                    String(s.count(.outOfScope)), String(s.blockedNewOrders), String(s.blockedSeatChanges),
                    String(s.seatsAffected), String(s.violations), String(s.rowsRejected)]
        }
        return table(header, rows, leftAligned: 3)
    }

    static func text(customer entries: [CustomerRunEntry]) -> String {
        guard let last = entries.last else { return "" }
        let title = "Customer \(last.customerId) (\(last.companyName)): \(entries.count) \(entries.count == 1 ? "run" : "runs")"
        let header = ["as of", "run date", "status", "reasons", "confirmed on", "new orders", "seat changes", "seats", "violations"]
        let rows = entries.map { e -> [String] in
            [e.asOf.iso, e.runDate.iso, e.state.status.rawValue, e.state.reasons.isEmpty ? "-" : e.state.reasons.joined(separator: ","),
             e.confirmedOn?.iso ?? "-", e.state.newOrders.rawValue, e.state.seatChanges.rawValue, String(e.state.seats),
             String(e.state.violations)]
        }
        return title + "\n" + table(header, rows, leftAligned: 7)
    }

    /// Columns padded to their widest cell; the first `leftAligned` columns left-aligned, the rest (numbers) right-aligned.
    private static func table(_ header: [String], _ rows: [[String]], leftAligned: Int) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < leftAligned ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    // MARK: JSON

    private struct RunJSON: Encodable {
        var asOf: String
        var runDate: String
        var phase: String
        var exitCode: Int32
        var recordedAt: String
        var summary: SummaryJSON
        var inputs: [InputFingerprint]
    }

    private struct SummaryJSON: Encodable {
        var customers: Int
        var byStatus: [String: Int]
        var blockedNewOrders: Int
        var blockedSeatChanges: Int
        var seatsAffected: Int
        var violations: Int
        var rowsRejected: Int
        var warnings: Int
        var otherAgreementTypes: Int

        init(_ s: Summary) {
            customers = s.customers
            byStatus = Dictionary(uniqueKeysWithValues: CustomerStatus.allCases.map { ($0.rawValue, s.count($0)) })
            blockedNewOrders = s.blockedNewOrders
            blockedSeatChanges = s.blockedSeatChanges
            seatsAffected = s.seatsAffected
            violations = s.violations
            rowsRejected = s.rowsRejected
            warnings = s.warnings
            otherAgreementTypes = s.otherAgreementTypes
        }
    }

    private struct OutcomeJSON: Encodable {
        var asOf: String
        var runDate: String
        var customerId: String
        var companyName: String
        var status: String
        var reasons: [String]
        var confirmedOn: String?
        var newOrders: String
        var seatChanges: String
        var seats: Int
        var violations: Int
    }

    private struct CustomerJSON: Encodable {
        var customerId: String
        var outcomes: [OutcomeJSON]
    }

    static func json(runs: [HistoryRun]) -> String {
        encode(["runs": runs.map {
            RunJSON(asOf: $0.asOf.iso, runDate: $0.runDate.iso, phase: $0.phase.rawValue, exitCode: $0.exitCode,
                    recordedAt: $0.recordedAt, summary: SummaryJSON($0.summary), inputs: $0.inputs)
        }])
    }

    static func json(customer: String, _ entries: [CustomerRunEntry]) -> String {
        encode(CustomerJSON(customerId: customer, outcomes: entries.map {
            OutcomeJSON(asOf: $0.asOf.iso, runDate: $0.runDate.iso, customerId: $0.customerId, companyName: $0.companyName,
                        status: $0.state.status.rawValue, reasons: $0.state.reasons, confirmedOn: $0.confirmedOn?.iso,
                        newOrders: $0.state.newOrders.rawValue, seatChanges: $0.state.seatChanges.rawValue,
                        seats: $0.state.seats, violations: $0.state.violations)
        }))
    }

    private static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
