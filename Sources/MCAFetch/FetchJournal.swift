#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What an unfinished fetch is about, written once when it starts (`.fetch-<time>/started.json`).
struct FetchStart: Codable, Equatable {
    var version = 1
    var api: String
    var authority: String
    var agreementTypes: [String]
    var correlationId: String
    var startedAt: String
}

/// Where an unfinished fetch stands after a finished step: the exports' sizes and item counts as that
/// step left them, so `--resume` cuts off whatever a killed run wrote after it (docs/fetch.md, "Resume").
struct Checkpoint: Codable, Equatable {
    /// Whether the customers list is complete (`customers.json` and the id list).
    var listed = false
    /// Customers listed.
    var customers = 0
    /// Customers whose agreements, subscriptions and orders are in the exports (a prefix of the list).
    var done = 0
    var sizes: [String: Int] = [:]
    var counts: [String: Int] = [:]
    var failuresSize = 0
    var failedCustomers = 0
    var failedRequests = 0
    var requests = 0
    var retries = 0
    /// Runs that worked on this fetch before this one.
    var runs = 0
    var seconds = 0.0
}

/// The checkpoints of an unfinished fetch, one JSON line each, appended with one `write` so a killed
/// run leaves at most one partial last line, which is ignored.
final class FetchJournal {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = try FileOutput.openForAppend(path)
    }

    deinit { close(fd) }

    func record(_ checkpoint: Checkpoint) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(checkpoint)
        line.append(0x0A)
        try line.withUnsafeBytes { try FileOutput.writeAll(fd, $0, path: path) }
    }

    /// The last complete checkpoint in `path`, `nil` when there is none.
    static func last(in path: String) -> Checkpoint? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        for line in data.split(separator: 0x0A).reversed() {
            if let c = try? decoder.decode(Checkpoint.self, from: Data(line)) { return c }
        }
        return nil
    }
}
