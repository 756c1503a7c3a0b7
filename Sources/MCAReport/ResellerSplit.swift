import Foundation
import MCAModel
import MCAStorage

/// `--split-by reseller`: a folder per reseller inside the report, `resellers/<id>/`, with that
/// reseller's `summary.md` and its customers' rows of `blocked-new-orders.csv`,
/// `blocked-seat-changes.csv`, `invalid-confirmations.csv` and `order-violations.csv`, ready to
/// send to it (README, "Results by reseller"). The direct customers get `resellers/direct/`.
///
/// Written into the report's temporary folder with the other files, so published or dropped with
/// them, and listed in `manifest.json`. A customer's rows go to each of its resellers' folders; a
/// violation goes to the folder of the reseller it counts for (its line's, else its customer's),
/// so each folder's files agree with its row of `resellers.csv`.
enum ResellerSplit {
    static let folderName = "resellers"
    static let summaryFile = "summary.md"

    /// Writes every reseller's folder into `folder` (the report's); returns each file's path
    /// relative to `folder` and its SHA-256.
    static func write(_ context: ReportContext, into folder: String) throws -> [(name: String, sha256: String)] {
        let results = context.result.resellers
        let customers = context.result.customers
        let groups = results.ids.count + 1  // the resellers, then direct
        let members = Members(results, customers: customers.count)
        let names = folderNames(results.ids)
        try SystemCall.makeDirectory(folder + "/" + folderName, mode: 0o750)
        // Only resellers with customers get a folder (direct may have none).
        let written = (0..<groups).filter { !members.positions(of: $0).isEmpty }
        for g in written { try SystemCall.makeDirectory(folder + "/" + folderName + "/" + names[g], mode: 0o750) }

        // The customers' lists and summaries, a share of the resellers per thread.
        let hashes = Hashes()
        let chunks = min(max(written.count, 1), 64)
        let failure = FirstError()
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var mine: [(String, String)] = []
            do {
                for k in stride(from: chunk, to: written.count, by: chunks) {
                    let g = written[k]
                    mine += try writeCustomerFiles(context, group: g, positions: members.positions(of: g),
                                                   path: folderName + "/" + names[g], in: folder)
                }
            } catch {
                failure.record(error)
            }
            hashes.add(mine)
        }
        if let error = failure.first { throw error }
        var all = hashes.all
        all += try writeViolations(context, members: members, written: written, names: names, in: folder)
        return all
    }

    /// The files of one reseller (`group`) that come from its customers, and their hashes.
    private static func writeCustomerFiles(_ context: ReportContext, group: Int, positions: ArraySlice<Int32>, path: String,
                                           in folder: String) throws -> [(String, String)] {
        let customers = context.result.customers
        var hashes: [(String, String)] = []
        func file(_ name: String, _ body: (inout CSVSink) throws -> Void) throws {
            let f = try ReportFile(directory: folder, name: path + "/" + name)
            var sink = CSVSink(file: f)
            try body(&sink)
            hashes.append((path + "/" + name, try f.close()))
        }
        let rows = positions.lazy.map { Int($0) }
        try file(ReportList.blockedNewOrders.csvFileName) {
            try $0.write(ReportTables.blockedNewOrders(customers), rows: rows.filter { customers.brief($0).newOrders.isBlocking })
        }
        try file(ReportList.blockedSeatChanges.csvFileName) {
            let subscriptions = rows.filter { customers.brief($0).seatChanges.isBlocking }.flatMap { index in
                customers.withView(index) { c in c.subscriptions.indices.map { RankedRow(size: c.subscriptions[$0].seats, index: index, subIndex: $0) } }
            }
            try $0.write(ReportTables.blockedSeatChanges(customers), rows: subscriptions)
        }
        try file(ReportList.invalidConfirmations.csvFileName) {
            try $0.write(ReportTables.invalidConfirmations(customers, context.redactor),
                         rows: rows.filter { customers.brief($0).status == .invalid })
        }
        let summary = try ReportFile(directory: folder, name: path + "/" + summaryFile)
        try writeSummary(context, group: group, positions: positions, to: summary)
        hashes.append((path + "/" + summaryFile, try summary.close()))
        return hashes
    }

    /// A reseller's `summary.md`: its counts and its most blocked customers.
    private static func writeSummary(_ context: ReportContext, group: Int, positions: ArraySlice<Int32>, to file: ReportFile) throws {
        let result = context.result
        let customers = result.customers
        let counts = result.resellers.counts(ofReseller: group)
        var byStatus: [CustomerStatus: Int] = [:]
        for p in positions { byStatus[customers.brief(Int(p)).status, default: 0] += 1 }
        let who = group < result.resellers.ids.count
            ? "reseller \(SummaryMarkdown.markdownEscaped(counts.resellerId))" : "direct customers (no reseller)"
        try file.append { t in
            t.append("# MCA confirmation audit as of \(result.asOf.iso) (\(result.phase.rawValue)): \(who)\n\n")
            t.append("Run date \(result.runDate.iso) (\(SummaryMarkdown.markdownEscaped(result.timeZone))). ")
            t.append("\(context.cutoverSentence). Agreement type \(SummaryMarkdown.markdownEscaped(result.policy.agreementType)).\n\n")
            let statuses = CustomerStatus.allCases.map { "\(byStatus[$0, default: 0]) \(SummaryMarkdown.statusLabel($0))" }
            let atCutover = result.phase == .mandatory ? "" : " at the cutover"
            t.append("- Customers: \(counts.customers) (\(statuses.joined(separator: ", ")))\n")
            t.append("- Blocked from new orders\(atCutover): \(counts.blockedNewOrders)\n")
            t.append("- Blocked from seat changes\(atCutover): \(counts.blockedSeatChanges)\n")
            t.append("- Seats affected: \(counts.seatsAffected)\n")
            t.append("- Order violations: \(counts.violations)\n")
        }
        let blocked = positions.lazy.map { Int($0) }.filter { customers.brief($0).isBlocking }
            .map { RankedRow(size: customers.brief($0).seats, index: $0) }
        let (top, total) = topRanked(blocked, limit: SummaryMarkdown.topCount, by: RankedRow.largestFirst)
        if top.isEmpty {
            try file.append("\nNo customer is blocked.\n")
        } else {
            let heading = total > top.count ? "Top \(top.count) of \(total) blocked customers by seats" : "Blocked customers by seats"
            try file.append("\n## \(heading)\n\n| Customer | Company | Status | New orders | Seat changes | Seats |\n| --- | --- | --- | --- | --- | ---: |\n")
            for row in top {
                let c = customers[row.index]
                try file.append("| \(SummaryMarkdown.markdownEscaped(c.customerId)) | \(SummaryMarkdown.markdownEscaped(c.companyName)) | "
                    + "\(c.status.rawValue) | \(c.newOrders.rawValue) | \(c.seatChanges.rawValue) | \(row.size) |\n")
            }
        }
        try file.append("\nThe lists next to this file hold every row: \(ReportList.blockedNewOrders.csvFileName), "
            + "\(ReportList.blockedSeatChanges.csvFileName), \(ReportList.invalidConfirmations.csvFileName), "
            + "\(ReportList.orderViolations.csvFileName).\n")
    }

    /// Every folder's `order-violations.csv`. One read of the violations sorts each row, as CSV
    /// text, into one of a few bucket files by reseller; each bucket is then read back whole and
    /// its rows written out reseller by reseller, in their order. Memory holds one bucket, not
    /// every violation.
    private static func writeViolations(_ context: ReportContext, members: Members, written: [Int], names: [String],
                                        in folder: String) throws -> [(name: String, sha256: String)] {
        let results = context.result.resellers
        let customers = context.result.customers
        let groups = results.ids.count + 1
        let bucketCount = min(groups, 64)
        func bucket(_ group: Int) -> Int { group * bucketCount / groups }
        let scratch = folder + "/.\(folderName).parts"
        try SystemCall.makeDirectory(scratch, mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var buckets = try (0..<bucketCount).map { try BucketFile(path: scratch + "/bucket\($0)") }

        let lookup = CompanyLookup(customers)
        let table: ReportTable<Violation, TextBuffer> = ReportTables.orderViolations(lookup)
        var row = TextBuffer(capacity: 512)
        for v in context.result.violations {
            let credited: [Int]
            if let own = v.resellerId, let r = results.index(of: own) {
                credited = [r]
            } else if let p = lookup.position(of: v.customerId) {
                let rs = results.resellers(at: p)
                credited = rs.isEmpty ? [groups - 1] : rs.map { Int($0) }
            } else {
                continue  // never: every violation is of a known customer
            }
            row.bytes.removeAll()
            table.row(&row, v)
            row.endCSVRow()
            for g in credited { try buckets[bucket(g)].append(group: g, row: row) }
        }
        if let failure = context.result.violations.failure { throw ReportWriteError(path: folder, reason: failure) }
        for k in buckets.indices { try buckets[k].close() }

        var hashes: [(name: String, sha256: String)] = []
        var next = 0  // in `written`
        for (k, b) in buckets.enumerated() {
            let rows = try b.readBack()
            // Stable by group: each group's rows stay in violation order.
            let byGroup = Dictionary(grouping: rows.indices, by: { rows[$0].group })
            while next < written.count, bucket(written[next]) == k {
                let g = written[next]
                let name = folderName + "/" + names[g] + "/" + ReportList.orderViolations.csvFileName
                let f = try ReportFile(directory: folder, name: name)
                try f.append { t in
                    for column in table.columns { t.text(column) }
                    t.endCSVRow()
                }
                for i in byGroup[g] ?? [] { try f.append { $0.bytes.append(contentsOf: rows[i].bytes) } }
                hashes.append((name, try f.close()))
                next += 1
            }
        }
        return hashes
    }

    /// Folder names for the resellers, then `direct`: letters, digits, `.`, `_` and `-` kept, any
    /// other character `_`; never `.` or `..`; unique, compared case-insensitively (a folder
    /// that would repeat another gets `-2`, `-3`, … appended).
    static func folderNames(_ ids: [String]) -> [String] {
        var taken: Set<String> = []
        return (ids + [ResellerId.direct]).map { id in
            var name = String(id.unicodeScalars.map { s -> Character in
                let kept = (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "." || s == "_" || s == "-"
                return kept ? Character(s) : "_"
            })
            if name.isEmpty || name.allSatisfy({ $0 == "." }) { name = String(repeating: "_", count: max(name.count, 1)) }
            // Leave room for the suffix; a file name is at most 255 bytes.
            if name.count > 200 { name = String(name.prefix(200)) }
            var unique = name, n = 1
            while taken.contains(unique.lowercased()) {
                n += 1
                unique = "\(name)-\(n)"
            }
            taken.insert(unique.lowercased())
            return unique
        }
    }

    /// The customers of each reseller (and of direct, last), as positions in report order.
    struct Members: Sendable {
        private let starts: [Int]
        private let positions: [Int32]

        init(_ results: ResellerResults, customers: Int) {
            let groups = results.ids.count + 1
            var starts = [Int](repeating: 0, count: groups + 1)
            for p in 0..<customers {
                let rs = results.resellers(at: p)
                if rs.isEmpty { starts[groups] += 1 } else { for r in rs { starts[Int(r) + 1] += 1 } }
            }
            for g in 0..<groups { starts[g + 1] += starts[g] }
            var fill = starts
            var positions = [Int32](repeating: 0, count: starts[groups])
            for p in 0..<customers {
                let rs = results.resellers(at: p)
                for g in rs.isEmpty ? [groups - 1] : rs.map({ Int($0) }) {
                    positions[fill[g]] = Int32(p)
                    fill[g] += 1
                }
            }
            self.starts = starts
            self.positions = positions
        }

        func positions(of group: Int) -> ArraySlice<Int32> { positions[starts[group]..<starts[group + 1]] }
    }

    /// Rows of violations waiting for their reseller's file: (group, length, CSV bytes) records.
    private struct BucketFile {
        let path: String
        private var buffer = GrowingBytes(capacity: 1 << 16)
        private var handle: FileHandle?

        init(path: String) throws {
            self.path = path
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw ReportWriteError(path: path, reason: "cannot create a scratch file")
            }
            self.handle = handle
        }

        mutating func append(group: Int, row: TextBuffer) throws {
            var header = (UInt32(group), UInt32(row.bytes.count))
            withUnsafeBytes(of: &header) { buffer.append($0) }
            row.bytes.withUnsafeBytes { buffer.append($0) }
            if buffer.count >= 1 << 20 { try flush() }
        }

        private mutating func flush() throws {
            guard !buffer.isEmpty, let handle else { return }
            do {
                try buffer.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
            } catch {
                throw ReportWriteError(path: path, reason: "cannot write a scratch file: \(error)")
            }
            buffer.removeAll()
        }

        mutating func close() throws {
            try flush()
            try? handle?.close()
            handle = nil
        }

        /// The records written, in order.
        func readBack() throws -> [(group: Int, bytes: [UInt8])] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ReportWriteError(path: path, reason: "cannot read a scratch file back")
            }
            var rows: [(group: Int, bytes: [UInt8])] = []
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var at = 0
                while at < raw.count {
                    guard at + 8 <= raw.count else { throw ReportWriteError(path: path, reason: "a scratch file is cut short") }
                    let group = Int(raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                    let length = Int(raw.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
                    guard at + 8 + length <= raw.count else { throw ReportWriteError(path: path, reason: "a scratch file is cut short") }
                    rows.append((group, Array(raw[(at + 8)..<(at + 8 + length)])))
                    at += 8 + length
                }
            }
            return rows
        }
    }

    /// The file hashes of several threads.
    private final class Hashes: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(name: String, sha256: String)] = []
        func add(_ more: [(String, String)]) { lock.withLock { items += more.map { (name: $0.0, sha256: $0.1) } } }
        var all: [(name: String, sha256: String)] { lock.withLock { items } }
    }

    /// The first error of several threads.
    private final class FirstError: @unchecked Sendable {
        private let lock = NSLock()
        private var error: (any Error)?
        func record(_ e: any Error) { lock.withLock { if error == nil { error = e } } }
        var first: (any Error)? { lock.withLock { error } }
    }
}
