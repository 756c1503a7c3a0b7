import Dispatch
import Foundation
import MCAModel
import MCAStorage
import MCATestSupport
import Testing

/// A row with a number that orders it, its place in the input, and an optional text.
private struct Row: Spoolable, Equatable {
    var number: Int
    var place: Int
    var text: String?

    func spool(into bytes: inout GrowingBytes) {
        bytes.spool(number)
        bytes.spool(place)
        bytes.spool(text)
    }

    init(number: Int, place: Int, text: String?) {
        self.number = number
        self.place = place
        self.text = text
    }

    init(unspooling reader: inout SpoolReader) throws {
        self.init(number: try reader.int(), place: try reader.int(), text: try reader.string())
    }

    /// The number where `spool(into:)` put it: first.
    static func number(_ bytes: UnsafeRawBufferPointer) -> Int { bytes.loadUnaligned(as: Int.self) }
}

/// Rows whose numbers repeat (so that ties show whether the input order is kept), with texts of
/// every kind: none, empty, accented, long.
private func rows(_ count: Int, seed: UInt64 = 7) -> [Row] {
    var state = seed
    return (0..<count).map { place in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let number = Int(state >> 33) % 97 - 40
        let texts: [String?] = [nil, "", "Société Générale, l'Étoile", String(repeating: "ß", count: 300), "o-\(place)"]
        return Row(number: number, place: place, text: texts[place % texts.count])
    }
}

private func writer(budget: Int, in folder: TemporaryFolder) -> SpoolWriter<Row> {
    SpoolWriter<Row>(settings: SpoolSettings(directory: folder.url.path, budget: budget))
}

/// The coarse key (the number's high bits, in order) and the exact order on the number.
private func sortedSeal(_ w: SpoolWriter<Row>) throws -> Spooled<Row> {
    try w.sealed(key: { UInt64(bitPattern: Int64(Row.number($0) >> 3)) ^ (1 << 63) },
                 sortedBy: { Row.number($0) < Row.number($1) })
}

@Suite struct SpoolTests {
    @Test func rowsComeBackInTheirOrderWhetherKeptOrWrittenOut() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = rows(3000)
        for budget in [1, 100, 4096, 1 << 30] {
            var w = writer(budget: budget, in: folder)
            for r in input { w.append(r) }
            #expect(w.count == 3000)
            #expect(w.hasSpilled == (budget < 1 << 30))
            let spooled = try w.sealed()
            #expect(spooled.count == 3000)
            #expect(Array(spooled) == input, "budget \(budget)")
            // Read twice: each iteration reads from the start.
            #expect(Array(spooled.prefix(5)) == Array(input.prefix(5)))
            #expect(Array(spooled) == input)
            #expect(spooled.failure == nil)
        }
        // The spool files were unlinked as soon as they were made.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test func sortedRowsAreAStableSortHoweverManyChunksTheyTake() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = rows(5000)
        let expected = input.sorted { $0.number < $1.number }  // stable
        #expect(expected != input)
        // One row per chunk, a few per chunk, many chunks (each merged from a 4 KiB buffer), one chunk.
        for budget in [1, 300, 20_000, 1 << 30] {
            var w = writer(budget: budget, in: folder)
            for r in input { w.append(r) }
            let spooled = try sortedSeal(w)
            let got = Array(spooled)
            #expect(got.count == expected.count, "budget \(budget)")
            // The first place where they differ, rather than both arrays of 5,000 rows.
            let difference = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(difference == nil, "budget \(budget)")
            #expect(spooled.failure == nil)
        }
    }

    @Test func threadsReadTheSameRowsAtOnce() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = rows(4000)
        var w = writer(budget: 2000, in: folder)
        for r in input { w.append(r) }
        let spooled = try sortedSeal(w)
        let expected = Array(spooled)
        let results = Results(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { n in results.set(n, Array(spooled)) }
        for n in 0..<4 { #expect(results.get(n) == expected) }
    }

    @Test func rowsThatCannotBeWrittenOutFailTheSeal() throws {
        var w = SpoolWriter<Row>(settings: SpoolSettings(directory: "/nonexistent/mca-audit-spool", budget: 10))
        for r in rows(50) { w.append(r) }
        #expect(w.count == 50)
        #expect(throws: SpoolError.self) { try w.sealed() }
        #expect(throws: SpoolError.self) { try sortedSeal(w) }
    }

    @Test func aRowReadBackWrongEndsTheReadingAndIsKeptAsTheFailure() throws {
        // Reads one field fewer than it wrote, or more: as a damaged spool file would read.
        struct Short: Spoolable, Equatable {
            var n: Int
            func spool(into bytes: inout GrowingBytes) { bytes.spool(n); bytes.spool(n) }
            init(n: Int) { self.n = n }
            init(unspooling reader: inout SpoolReader) throws { n = try reader.int() }
        }
        struct Long: Spoolable, Equatable {
            var n: Int
            func spool(into bytes: inout GrowingBytes) { bytes.spool(n) }
            init(n: Int) { self.n = n }
            init(unspooling reader: inout SpoolReader) throws { n = try reader.int() + (try reader.string()?.count ?? 0) }
        }
        let short = Spooled((0..<10).map { Short(n: $0) })
        #expect(short.failure == nil)
        #expect(Array(short).isEmpty)
        #expect(short.failure?.contains("longer than its fields") == true)
        let long = Spooled((0..<10).map { Long(n: $0) })
        #expect(Array(long).isEmpty)
        #expect(long.failure?.contains("shorter than its fields") == true)
    }

    @Test func findingsKeepEveryField() throws {
        let findings = [
            Finding(file: "Exports/clients_été.csv", line: 12, code: .invalidDate, message: "date '31/02/2019' is not a date"),
            Finding(file: "orders.csv", line: 1_000_000, code: .raggedRow, message: ""),
            Finding(file: "", line: 0, code: .unknownCustomer, message: "customer 'O'Brien, \"Søn\"' is unknown\r\n"),
        ]
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var w = SpoolWriter<Finding>(settings: SpoolSettings(directory: folder.url.path, budget: 1))
        for f in findings { w.append(f) }
        let read = Array(try w.sealed())
        #expect(read == findings)
        #expect(Array(Spooled(findings)) == findings)
        // The severity is not spooled: it follows from the code read back.
        #expect(read.map(\.severity) == [.error, .warning, .error])
    }
}

/// Arrays filled by several threads, one slot each.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [[Row]]
    init(count: Int) { rows = Array(repeating: [], count: count) }
    func set(_ n: Int, _ value: [Row]) { lock.withLock { rows[n] = value } }
    func get(_ n: Int) -> [Row] { lock.withLock { rows[n] } }
}
