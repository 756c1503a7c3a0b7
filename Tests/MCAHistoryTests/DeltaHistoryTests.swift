import Foundation
import MCAEvaluate
import MCAHistory
import MCAModel
import MCATestSupport
import Testing

/// A small deterministic generator: a failing sequence can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The history as it was before it stored only changes: every run with all its customers. What
/// the delta store reports must be exactly what this reports.
struct FullCopyModel {
    struct Customer: Equatable {
        var id: String
        var name: String
        var confirmedOn: DayDate?
        var state: CustomerSnapshot
    }

    struct Run {
        var asOf: DayDate
        var runDate: DayDate
        var summary: Summary
        /// By customer key.
        var customers: [String: Customer]
    }

    /// Complete runs by as-of date.
    var runs: [String: Run] = [:]

    var ordered: [Run] { runs.values.sorted { $0.asOf.iso < $1.asOf.iso } }

    func previous(before asOf: DayDate) -> Run? { ordered.last { $0.asOf.iso < asOf.iso } }

    func changes(of run: Run) -> RunChanges {
        guard let previous = previous(before: run.asOf) else { return RunChanges() }
        var changes = RunChanges(previousAsOf: previous.asOf, previousRunDate: previous.runDate)
        for (key, after) in run.customers {
            let before = previous.customers[key]
            if before?.state != after.state {
                changes.record(CustomerChange(customerId: after.id, companyName: after.name, before: before?.state, after: after.state))
            }
        }
        changes.sortInCustomerOrder()
        return changes
    }

    func timeline(_ key: String) -> [CustomerRunEntry] {
        ordered.compactMap { run in
            run.customers[key].map {
                CustomerRunEntry(asOf: run.asOf, runDate: run.runDate, customerId: $0.id, companyName: $0.name,
                                 confirmedOn: $0.confirmedOn, state: $0.state)
            }
        }
    }

    func trend(of run: Run, limit: Int) -> [TrendPoint] {
        let earlier = ordered.filter { $0.asOf.iso < run.asOf.iso }.suffix(limit - 1)
        return (earlier + [run]).map { TrendPoint(asOf: $0.asOf, runDate: $0.runDate, summary: $0.summary) }
    }

    mutating func prune(keep: Int) {
        for run in ordered.dropLast(keep) { runs[run.asOf.iso] = nil }
    }
}

/// Random nights over a pool of customers whose outcomes, ids' case, names and violations change.
struct RandomNights {
    var random: SeededRandom
    static let keys = (0..<24).map { "cust-\($0)" }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }

    mutating func night(_ asOf: DayDate, runDate: DayDate) -> (AuditResult, FullCopyModel.Run) {
        var outcomes: [CustomerOutcome] = []
        var violations: [String] = []
        var customers: [String: FullCopyModel.Customer] = [:]
        // Most customers keep a stable base so that consecutive nights share most rows.
        for (n, key) in RandomNights.keys.enumerated() where !chance(0.15) {
            let id = chance(0.2) ? key.uppercased() : (chance(0.1) ? "Cust-\(n)" : key)
            let status = chance(0.7) ? [CustomerStatus.confirmed, .unconfirmed, .invalid, .outOfScope][n % 4]
                : [CustomerStatus.confirmed, .unconfirmed, .invalid, .outOfScope].randomElement(using: &random)!
            let reasons: [String]
            switch status {
            case .confirmed: reasons = []
            case .unconfirmed: reasons = ["NO_CONFIRMATION"]
            case .invalid: reasons = chance(0.5) ? ["MISSING_EMAIL"] : ["MISSING_EMAIL", "INVALID_DATE"]
            case .outOfScope: reasons = ["CLOUD_NOT_SUPPORTED"]
            }
            let impacts: [Impact] = [.allowed, .blocked, .blockedAtCutover, .none]
            let newOrders = status == .confirmed || status == .outOfScope ? Impact.allowed
                : (chance(0.8) ? .blocked : impacts.randomElement(using: &random)!)
            let seatChanges = chance(0.7) ? newOrders : impacts.randomElement(using: &random)!
            let seats = chance(0.8) ? n % 3 : Int.random(in: 0...5, using: &random)
            let name = chance(0.9) ? "Company \(n)" : (chance(0.5) ? "Company \(n), renamed" : "")
            let confirmedOn = status == .confirmed ? DayDate(daysSinceEpoch: 17_800 + (chance(0.8) ? n : n + 1)) : nil
            let count = chance(0.8) ? (n % 5 == 0 ? 1 : 0) : Int.random(in: 0...3, using: &random)
            violations += Array(repeating: id, count: count)
            outcomes.append(CustomerOutcome(
                customerId: id, companyName: name, domain: nil, cloud: .public, status: status, reasons: reasons,
                confirmedOn: confirmedOn, newOrders: newOrders, seatChanges: seatChanges, daysToCutover: nil,
                subscriptions: seats == 0 ? [] : [SeatSubscription(subscriptionId: "S-\(n)", offerId: "O", seats: seats)],
                newestRecord: nil))
            customers[key] = FullCopyModel.Customer(
                id: id, name: name, confirmedOn: confirmedOn,
                state: CustomerSnapshot(status: status, reasons: reasons, newOrders: newOrders, seatChanges: seatChanges,
                                        seats: seats, violations: count))
        }
        var r = result(asOf.iso, runDate: runDate.iso, outcomes, violations: violations)
        // Now and then the outcomes come in another order than the evaluator's.
        if chance(0.15) { r.customers = CustomerOutcomes(Array(r.customers).shuffled(using: &random)) }
        return (r, FullCopyModel.Run(asOf: asOf, runDate: runDate, summary: r.summary, customers: customers))
    }
}

@Suite struct DeltaHistoryTests {
    /// Checks everything the history reports against the model.
    func expectSame(_ history: RunHistory, _ model: FullCopyModel, _ note: String) throws {
        let runs = try history.runs()
        #expect(runs.map(\.asOf.iso) == model.ordered.reversed().map(\.asOf.iso), "\(note)")
        #expect(runs.map(\.summary) == model.ordered.reversed().map(\.summary), "\(note)")
        #expect(runs.map(\.runDate) == model.ordered.reversed().map(\.runDate), "\(note)")
        for key in RandomNights.keys + ["nobody"] {
            #expect(try history.customerHistory(key) == model.timeline(key), "\(note): \(key)")
        }
        for run in runs {
            guard let expected = model.runs[run.asOf.iso] else { continue }
            let previous = try history.previousRun(before: run.asOf)
            #expect(previous?.asOf == model.previous(before: run.asOf)?.asOf, "\(note)")
            #expect(try history.changes(for: run, since: previous) == model.changes(of: expected), "\(note): \(run.asOf.iso)")
            #expect(try history.trend(for: run, limit: 4) == model.trend(of: expected, limit: 4), "\(note): \(run.asOf.iso)")
        }
    }

    /// Runs recorded in any date order, re-runs, runs left pending while others complete, discarded
    /// runs and prunes: after every step, runs, counts, every customer's timeline, every run's
    /// changes and trend are those of a history that keeps every customer of every run.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func reportsWhatAFullCopyWouldReport(seed: UInt64) throws {
        let file = try HistoryFile()
        let history = try file.open()
        var model = FullCopyModel()
        var nights = RandomNights(random: SeededRandom(state: seed))
        var waiting: [(HistoryRun, FullCopyModel.Run)] = []
        for step in 0..<36 {
            let note = "seed \(seed) step \(step)"
            let roll = Double.random(in: 0..<1, using: &nights.random)
            if roll < 0.12 {
                let keep = Int.random(in: 1...4, using: &nights.random)
                try history.prune(keep: keep)
                model.prune(keep: keep)
            } else if roll < 0.2, !waiting.isEmpty {
                let (pending, expected) = waiting.removeFirst()
                var run = pending
                try history.complete(&run)
                model.runs[expected.asOf.iso] = expected
            } else {
                let asOf = DayDate(daysSinceEpoch: 17_840 + Int.random(in: 0..<10, using: &nights.random))
                let (r, expected) = nights.night(asOf, runDate: DayDate(daysSinceEpoch: 17_850 + step))
                var handed: RunChanges?
                var run = try history.recordPending(r, outDir: "/reports", exitCode: 0, trendLimit: 30) { changes, _ in
                    handed = changes
                    return "sha-\(step)"
                }
                // What the report was given: the changes since the run before it, as it stood then.
                var then = model
                then.runs[asOf.iso] = expected
                #expect(handed == then.changes(of: expected), "\(note): recorded")
                let fate = Double.random(in: 0..<1, using: &nights.random)
                if fate < 0.7 {
                    try history.complete(&run)
                    model.runs[asOf.iso] = expected
                } else if fate < 0.85 {
                    try history.discard(run)
                } else {
                    waiting.append((run, expected))
                }
            }
            try expectSame(history, model, note)
        }
        // What was left pending completes last, still with its own customers.
        for (pending, expected) in waiting {
            var run = pending
            try history.complete(&run)
            model.runs[expected.asOf.iso] = expected
        }
        try expectSame(history, model, "seed \(seed) end")
    }

    /// A night where few customers change stores only them: the newest run's customers once, and a
    /// row per changed customer for the run before.
    @Test func aNightStoresOnlyTheCustomersThatChanged() throws {
        let file = try HistoryFile()
        let history = try file.open()
        let customers = (0..<200).map { outcome("C\($0)", $0 % 3 == 0 ? .unconfirmed : .confirmed) }
        try recordComplete(history, result("2018-11-07", customers))
        var next = customers
        next[3] = outcome("C3", .confirmed)
        next[4] = outcome("C4", .invalid)
        next.remove(at: 10)
        next.append(outcome("D1", .unconfirmed))
        let (_, changes, _) = try recordComplete(history, result("2018-11-08", next))
        #expect(ids(changes.newlyConfirmed) == ["C3"])
        #expect(ids(changes.newlyInvalid) == ["C4"])
        #expect(ids(changes.newlyBlocked) == ["C4", "D1"])
        let counts = try rowCounts(file.path)
        #expect(counts.state == 200)
        // C3 and C4 as they were, C10 as it was, D1 absent before.
        #expect(counts.changes == 4)
        #expect(try history.customerHistory("c10").map(\.asOf.iso) == ["2018-11-07"])
        #expect(try history.customerHistory("D1").map(\.asOf.iso) == ["2018-11-08"])
        #expect(try history.customerHistory("C3").map(\.state.status) == [.unconfirmed, .confirmed])
    }

    func rowCounts(_ path: String) throws -> (state: Int, changes: Int) {
        let output = try runPython("""
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print(c.execute('SELECT count(*) FROM customer_state').fetchone()[0], c.execute('SELECT count(*) FROM customer_change').fetchone()[0])
            """, path)
        let numbers = output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(numbers.count == 2, "\(output)")
        return (numbers[0], numbers[1])
    }
}

@Suite struct HistoryPruneTests {
    @Test func keepsTheNewestRunsAndWhatTheyReport() throws {
        let file = try HistoryFile()
        let history = try file.open()
        let nights: [(String, [CustomerOutcome])] = [
            ("2018-11-05", [outcome("A", .unconfirmed), outcome("B", .confirmed), outcome("C", .invalid)]),
            ("2018-11-06", [outcome("A", .confirmed), outcome("B", .confirmed), outcome("C", .invalid)]),
            ("2018-11-07", [outcome("A", .confirmed), outcome("B", .unconfirmed)]),
            ("2018-11-08", [outcome("A", .invalid), outcome("B", .unconfirmed), outcome("D", .confirmed)]),
        ]
        for (asOf, customers) in nights { try recordComplete(history, result(asOf, customers)) }
        let runs = try history.runs()
        let newest = try #require(runs.first)
        let changesBefore = try history.changes(for: newest, since: runs[1])
        let removed = try history.prune(keep: 2)
        #expect(removed.map(\.asOf.iso) == ["2018-11-05", "2018-11-06"])
        #expect(try history.runs().map(\.asOf.iso) == ["2018-11-08", "2018-11-07"])
        #expect(try history.runs().map(\.summary) == Array(runs.prefix(2).map(\.summary)))
        #expect(try history.changes(for: newest, since: history.previousRun(before: newest.asOf)) == changesBefore)
        #expect(try history.customerHistory("A").map(\.state.status) == [.confirmed, .invalid])
        // C was in the 5th and 6th only: gone with them.
        #expect(try history.customerHistory("C").isEmpty)
        #expect(try history.customerHistory("D").map(\.asOf.iso) == ["2018-11-08"])
        // A run of an older date than every kept one is compared with none of the removed ones.
        let (_, changes, trend) = try recordComplete(history, result("2018-11-06", [outcome("A", .confirmed)]))
        #expect(changes == RunChanges())
        #expect(trend.map(\.asOf.iso) == ["2018-11-06"])
        #expect(try history.prune(keep: 5).isEmpty)
    }

    @Test func aRunPendingAgainstAPrunedRunCompletesWithItsOwnCustomers() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-05", [outcome("A", .unconfirmed), outcome("B", .confirmed)]))
        try recordComplete(history, result("2018-11-07", [outcome("A", .confirmed), outcome("B", .invalid)]))
        // Recorded against the 5th, which another run's prune then removes.
        var pending = try history.begin(result("2018-11-06", [outcome("A", .unconfirmed), outcome("B", .invalid)]),
                                        outDir: "/elsewhere", exitCode: 0)
        try recordComplete(history, result("2018-11-08", [outcome("A", .confirmed), outcome("B", .confirmed)]))
        try history.prune(keep: 2)
        #expect(try history.runs().map(\.asOf.iso) == ["2018-11-08", "2018-11-07"])
        try history.complete(&pending)
        #expect(try history.customerHistory("A").map(\.state.status) == [.unconfirmed, .confirmed, .confirmed])
        #expect(try history.customerHistory("B").map(\.state.status) == [.invalid, .invalid, .confirmed])
        let seventh = try #require(try history.runs().first { $0.asOf.iso == "2018-11-07" })
        let changes = try history.changes(for: seventh, since: history.previousRun(before: seventh.asOf))
        #expect(changes.previousAsOf?.iso == "2018-11-06")
        #expect(ids(changes.newlyConfirmed) == ["A"])
        #expect(ids(changes.newlyInvalid) == [])
    }

    /// Removing runs frees their rows; `compact` gives the space back to the file system.
    @Test func compactShrinksTheFile() throws {
        let file = try HistoryFile()
        let history = try file.open()
        for night in 0..<6 {
            // Every customer changes every night: each run keeps a row per customer.
            let customers = (0..<3_000).map { n in
                outcome("CUSTOMER-\(n)", [.confirmed, .unconfirmed, .invalid][(n + night) % 3], seats: night)
            }
            try recordComplete(history, result("2018-11-0\(night + 1)", customers))
        }
        func size() throws -> Int {
            try [file.path, file.path + "-wal"].reduce(0) { total, path in
                total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
            }
        }
        try history.compact()
        let before = try size()
        try history.prune(keep: 1)
        #expect(try history.freeFraction() > 0.5)
        try history.compact()
        let after = try size()
        #expect(after * 3 < before, "\(before) → \(after) bytes")
        #expect(try history.freeFraction() == 0)
        #expect(try history.customerHistory("customer-7").map(\.asOf.iso) == ["2018-11-06"])
        #expect(try history.runs().map(\.summary.customers) == [3_000])
    }
}

/// Runs a Python 3 script with arguments and returns what it printed.
func runPython(_ script: String, _ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readAllRetryingInterrupts()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
}
