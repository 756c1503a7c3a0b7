// Shared by every fuzz target (compiled into each one; see Scripts/fuzz.sh).
#if canImport(Glibc)
import Glibc
#endif
import MCAIngest
import MCAModel

/// One emitted record reduced to values that compare with `==`.
struct SeenRecord: Equatable, CustomStringConvertible {
    var line: Int
    var values: [String?]
    var rejection: RowIssue?
    var warnings: [RowIssue]

    init(_ r: RawRecord) {
        line = r.line
        values = Field.allCases.map { r[$0] }
        rejection = r.rejection
        warnings = r.warnings
    }

    var description: String {
        let set = zip(Field.allCases, values).compactMap { f, v in v.map { "\(f)=\($0.debugDescription)" } }
        return "line \(line) [\(set.joined(separator: ", "))] rejection=\(rejection.map { "\($0)" } ?? "nil") warnings=\(warnings)"
    }
}

/// Everything one read produced: the records in order and how it ended.
struct ReadOutcome: Equatable {
    var records: [SeenRecord] = []
    /// The fatal error the reader threw, if any.
    var fatal: FatalInputError?
    /// Any other error (none is expected from a memory source).
    var other: String?
}

/// Thrown by `emit` to check that a reader stops at once and rethrows it.
struct StopReading: Error, Equatable {}

/// Reads `bytes` whole with `reader`, the source handing out `chunk` bytes at a time.
func readOutcome(_ reader: some RecordReader, _ bytes: [UInt8], schema: Schema, chunk: Int) -> ReadOutcome {
    var out = ReadOutcome()
    var finished = false
    do {
        try reader.read(MemoryByteSource(bytes, chunkSize: chunk), schema: schema) { record in
            require(!finished, "a record was emitted after read returned or threw")
            out.records.append(SeenRecord(record))
        }
    } catch let e as FatalInputError {
        out.fatal = e
    } catch {
        out.other = "\(error)"
    }
    finished = true
    return out
}

/// The stop check: `emit` throws at the `stopAt`-th record (1-based); the reader must call it no
/// more and rethrow exactly that error.
func checkStopsWhenEmitThrows(_ reader: some RecordReader, _ bytes: [UInt8], schema: Schema, chunk: Int,
                              stopAt: Int, target: String) {
    var calls = 0
    var thrown: (any Error)?
    do {
        try reader.read(MemoryByteSource(bytes, chunkSize: chunk), schema: schema) { _ in
            calls += 1
            require(calls <= stopAt, "\(target): emit called again after it threw (call \(calls), stop at \(stopAt))")
            if calls == stopAt { throw StopReading() }
        }
    } catch {
        thrown = error
    }
    require(calls == stopAt, "\(target): emit called \(calls) times, expected \(stopAt) before the stop")
    require(thrown is StopReading, "\(target): the error emit threw was not rethrown (got \(String(describing: thrown)))")
}

/// Aborts with `message` on stderr when `condition` is false, so libFuzzer records the input as a crash.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if condition() { return }
    let text = "FUZZ INVARIANT BROKEN: " + message() + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    abort()
}

/// Whether `needle` occurs in `haystack` (memchr for the first byte, then memcmp).
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard let first = needle.first else { return true }
    guard needle.count <= haystack.count else { return false }
    return haystack.withUnsafeBytes { h in
        needle.withUnsafeBytes { n in
            guard let hb = h.baseAddress, let nb = n.baseAddress else { return false }
            var from = 0
            let last = h.count - n.count
            while from <= last {
                guard let hit = memchr(hb + from, Int32(first), last - from + 1) else { return false }
                let at = hb.distance(to: UnsafeRawPointer(hit))
                if memcmp(hb + at, nb, n.count) == 0 { return true }
                from = at + 1
            }
            return false
        }
    }
}

/// A chunk size between 1 and 13 picked from the input, so boundaries move as it mutates.
func smallChunk(_ bytes: [UInt8]) -> Int {
    var h = 0
    for b in bytes.prefix(16) { h = h &* 31 &+ Int(b) }
    return 1 + (h & 0x7FFF_FFFF) % 13
}

/// Writes to stderr how two outcomes differ (counts, errors, the first differing record).
func describeDifference(_ a: ReadOutcome, _ b: ReadOutcome, _ an: String, _ bn: String) {
    var text = "\(an): \(a.records.count) records, fatal \(String(describing: a.fatal)); "
        + "\(bn): \(b.records.count) records, fatal \(String(describing: b.fatal))\n"
    for (i, (x, y)) in zip(a.records, b.records).enumerated() where x != y {
        text += "first differing record #\(i):\n  \(an): \(x)\n  \(bn): \(y)\n"
        break
    }
    _ = text.withCString { write(2, $0, strlen($0)) }
}
