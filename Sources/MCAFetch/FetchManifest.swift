import Foundation

/// `fetch-manifest.json`: what was fetched, from where, and how it went. No secret, no token.
struct FetchManifest: Encodable {
    struct Counts: Encodable {
        var customers: Int
        var agreements: Int
        var subscriptions: Int
        var orders: Int
        var failedCustomers: Int
        var failedRequests: Int
    }

    var schemaVersion = 1
    var tool = "mca-audit"
    var toolVersion: String
    var api: String
    var authority: String
    var correlationId: String
    var agreementTypes: [String]
    var startedAt: String
    var finishedAt: String
    /// Seconds spent by all the runs that worked on this fetch (more than one with `--resume`).
    var durationSeconds: Double
    /// The runs this fetch's exports came from: the last one, and each earlier one that wrote a
    /// checkpoint the next resumed from (a run killed before its first checkpoint left nothing).
    var runs: Int
    var counts: Counts
    /// API requests sent, retries included; token requests are counted apart.
    var requests: Int
    var retries: Int
    var concurrency: Int
    var files: [String]

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
