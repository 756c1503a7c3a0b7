import Crypto
import MCAEvaluate
import MCAIngest
import MCAModel
import MCAStorage

/// Reads every input into the evaluator (customers, then agreements, then order lines: an order
/// line can only be judged once all of its customer's confirmations are known), counting every
/// row as accepted or rejected and collecting the findings.
///
/// Two threads: a reading thread parses, hashes and maps the files, in that order, and hands the
/// mapped rows over in batches; the calling thread hands each batch to the evaluator, which looks
/// up its rows' customers at once and judges them, which keeps the two threads about equally
/// busy. At most `batchesAhead` batches wait between them, so memory does not grow with the files.
/// Rows keep their texts as bytes in their batch (`PackedText`), so a row costs no String.
struct Ingestion {
    let mapper: RowMapper
    let delimiter: UInt8
    let evaluator: Evaluator
    /// Spooled: a wrong customers export makes every order line a finding.
    var findings: SpoolWriter<Finding>
    var inputs: [InputSummary] = []
    /// One message per file and date column whose unreadable dates look like a layout `--date-format` would read.
    var dateHints: [String] = []
    /// Called after each file with its summary (progress on a terminal).
    var onFileDone: (InputSummary) -> Void = { _ in }

    static let batchSize = 4096
    static let batchesAhead = 8
    /// After this many rows of a file, its number of rows is estimated from the bytes they took
    /// (`Batch.expectedMoreRows`).
    static let rowsBeforeEstimate = 16 * batchSize

    init(mapper: RowMapper, delimiter: UInt8, evaluator: Evaluator, spool: SpoolSettings = SpoolSettings()) {
        findings = SpoolWriter(settings: spool)
        self.mapper = mapper
        self.delimiter = delimiter
        self.evaluator = evaluator
    }

    /// Reads all inputs in the evaluation order. Throws `AuditFailure` for an unreadable or unusable file.
    mutating func readAll(_ specs: [InputSpec]) throws {
        let ordered = InputKind.allCases.flatMap { kind in specs.filter { $0.kind == kind } }
        let handOver = HandOver<Delivery>(capacity: Ingestion.batchesAhead)
        // However this ends, the reading thread stops at its next hand-over.
        defer { handOver.close() }
        let mapper = self.mapper, delimiter = self.delimiter
        startThread(name: "mca-audit read") {
            Ingestion.produce(ordered, mapper: mapper, delimiter: delimiter, into: handOver)
        }
        for spec in ordered {
            var summary = InputSummary(kind: spec.kind, path: spec.path, format: spec.format)
            // Taken out of `self` while the file is read, as `consume` reads `self`.
            var found = findings
            findings = SpoolWriter(settings: found.settings)
            reading: while true {
                switch handOver.take()! {
                case .rows(let batch):
                    consume(batch, of: spec, into: &summary, findings: &found)
                case .fileEnd(let sha256, let dateHint):
                    summary.sha256 = sha256
                    if let dateHint { dateHints.append(dateHint) }
                    break reading
                case .failed(let failure):
                    throw failure
                }
            }
            findings = found
            inputs.append(summary)
            onFileDone(summary)
        }
    }

    /// Hands a batch's rows to the evaluator, then accounts for every record in input order: read,
    /// then accepted or rejected (by the mapper, or by the evaluator).
    private func consume(_ batch: Batch, of spec: InputSpec, into summary: inout InputSummary, findings found: inout SpoolWriter<Finding>) {
        // Records are read in place: a copy of each would count references.
        batch.records.withUnsafeBufferPointer { records in batch.text.bytes.withUnsafeBytes { text in
            let judged = evaluate(records, of: spec.kind, text: text, moreToCome: batch.expectedMoreRows)
            var next = 0  // in judged: one per record the mapper did not reject
            for record in records {
                summary.rowsRead += 1
                let warnings = Int(record.issueStart)..<(Int(record.issueStart) + Int(record.warningCount))
                for w in batch.issues[warnings] { found.append(Finding(file: spec.path, line: record.line, issue: w)) }
                summary.warnings += warnings.count
                let rejection: RowIssue?
                if case .rejected = record.row {
                    rejection = batch.issues[warnings.upperBound]
                } else {
                    rejection = judged[next]
                    next += 1
                }
                if let rejection {
                    summary.rowsRejected += 1
                    found.append(Finding(file: spec.path, line: record.line, issue: rejection))
                } else {
                    summary.rowsAccepted += 1
                }
            }
        } }
    }

    /// The evaluator's verdict on each record of a batch that the mapper did not reject, in order
    /// (a batch holds rows of one kind: one file's).
    private func evaluate(_ records: UnsafeBufferPointer<MappedRecord>, of kind: InputKind, text: UnsafeRawBufferPointer,
                          moreToCome: Int?) -> [RowIssue?] {
        /// The rows `pick` finds in the records, as views of the batch's texts.
        func rows<Row>(_ pick: (MappedRecord.Row) -> Row?) -> [PackedView<Row>] {
            var views: [PackedView<Row>] = []
            views.reserveCapacity(records.count)
            for record in records { if let row = pick(record.row) { views.append(PackedView(row: row, text: text)) } }
            return views
        }
        switch kind {
        case .customers:
            return evaluator.add(customers: rows { if case .customer(let r) = $0 { r } else { nil } }, moreToCome: moreToCome)
        case .agreements:
            return evaluator.add(agreements: rows { if case .agreement(let r) = $0 { r } else { nil } }, moreToCome: moreToCome)
        case .subscriptions:
            return evaluator.add(subscriptions: rows { if case .subscription(let r) = $0 { r } else { nil } }, moreToCome: moreToCome)
        case .orders:
            return evaluator.add(orderLines: rows { if case .order(let r) = $0 { r } else { nil } }, moreToCome: moreToCome)
        }
    }

    // MARK: - The reading thread

    /// What the reading thread hands over: each file's mapped rows in batches, then its end.
    enum Delivery: Sendable {
        /// Records, and the bytes their order lines' texts are in.
        case rows(Batch)
        /// The file is read to its end; its SHA-256, and the layout its unreadable dates seem to
        /// have (`DateLayoutSniffer`), if they share one.
        case fileEnd(sha256: String, dateHint: String?)
        /// The file cannot be read or is unusable: the run stops.
        case failed(AuditFailure)
    }

    /// Records as the mapper left them, with what the evaluator needs to take them.
    struct Batch: Sendable {
        var records: [MappedRecord] = []
        /// The records' warnings and rejections (`MappedRecord.issueStart`).
        var issues: [RowIssue] = []
        /// The texts of the records.
        var text = PackedText()
        /// Set on one batch of a large file: about how many rows follow it (`Evaluator.add(…, moreToCome:)`).
        var expectedMoreRows: Int?

        /// An empty batch with room for a full one whose texts take `textBytes`.
        init(textBytes: Int = 0) {
            records.reserveCapacity(Ingestion.batchSize)
            text = PackedText(capacity: textBytes)
        }

        var isFull: Bool { records.count == Ingestion.batchSize || text.isFull }
    }

    /// One record as the mapper left it, with its line and the warnings that keep it. It holds no
    /// reference (texts and issues are in its batch), so records are copied without counting any.
    struct MappedRecord: Sendable {
        enum Row: Sendable {
            case customer(PackedCustomerRow)
            case agreement(PackedAgreementRow)
            case subscription(PackedSubscriptionRow)
            case order(PackedOrderLine)
            /// Why: the batch's issue after the record's warnings.
            case rejected
        }
        var line: Int
        /// The record's warnings are the batch's `issues[issueStart..<(issueStart + warningCount)]`.
        var issueStart: Int32
        var warningCount: Int32
        var row: Row
    }

    /// The consumer closed the hand-over: stop reading.
    private struct Stopped: Error {}

    private static func produce(_ specs: [InputSpec], mapper: RowMapper, delimiter: UInt8, into handOver: HandOver<Delivery>) {
        for spec in specs {
            do {
                let (sha256, dateHint) = try read(spec, mapper: mapper, delimiter: delimiter) { batch in
                    guard handOver.put(.rows(batch)) else { throw Stopped() }
                }
                guard handOver.put(.fileEnd(sha256: sha256, dateHint: dateHint)) else { return }
            } catch let failure as AuditFailure {
                _ = handOver.put(.failed(failure))
                return
            } catch {
                return  // Stopped
            }
        }
    }

    private static func reader(for format: InputFormat, delimiter: UInt8) -> any RecordReader {
        switch format {
        case .csv: return CSVRecordReader(delimiter: delimiter)
        case .xml: return XMLRecordReader()
        case .json: return JSONRecordReader()
        }
    }

    /// Reads, hashes and maps one file, handing its records to `deliver` in batches; returns its
    /// SHA-256 and the hint its unreadable dates give, if any.
    private static func read(_ spec: InputSpec, mapper: RowMapper, delimiter: UInt8,
                             deliver: (Batch) throws -> Void) throws -> (String, String?) {
        let hasher = HashingObserver()
        let source: FileByteSource
        do {
            source = try FileByteSource(path: spec.path) { hasher.update($0) }
        } catch let e as FileReadError {
            throw AuditFailure(.noInput, "\(e.path): cannot read \(spec.kind.rawValue) file: \(e.reason)")
        }
        var batch = Batch()
        var rows = 0
        var unreadableDates = DateLayoutSniffer()
        do {
            try reader(for: spec.format, delimiter: delimiter).read(source, schema: .forKind(spec.kind)) { raw in
                let record = map(raw, kind: spec.kind, mapper: mapper, into: &batch, unreadableDates: &unreadableDates)
                batch.records.append(record)
                rows += 1
                if rows == Ingestion.rowsBeforeEstimate, let size = source.size {
                    batch.expectedMoreRows = expectedMoreRows(after: rows, bytesRead: source.bytesRead, of: size)
                }
                if batch.isFull {
                    try deliver(batch)
                    // New storage: the delivered batch is the other thread's now. The next batch's
                    // texts likely take about as much room: a little more, so that they need no copy.
                    batch = Batch(textBytes: batch.text.bytes.count + batch.text.bytes.count / 8)
                }
            }
            if !batch.records.isEmpty {
                try deliver(batch)
            }
            // Hash the whole file even where a reader stops before its end (trailing bytes).
            var tail = [UInt8](repeating: 0, count: 1 << 16)
            while try tail.withUnsafeMutableBytes({ try source.read(into: $0) }) > 0 {}
        } catch let e as FatalInputError {
            let f = Finding(file: spec.path, line: e.line, code: e.code, message: e.message)
            throw AuditFailure(.dataError, f.diagnostic + "\n\(spec.path): unusable; no report written")
        } catch let e as FileReadError {
            throw AuditFailure(.noInput, "\(e.path): read failed: \(e.reason)")
        }
        let column = spec.kind == .customers || spec.kind == .agreements ? "acceptance dates" : "creation dates"
        return (hasher.hexDigest(), unreadableDates.hint(file: spec.path, column: column))
    }

    /// About how many rows follow the first `rows` of a file of `size` bytes, when reading them took
    /// `bytesRead`: the rest of the file is taken to hold rows of the same length. The bytes read run
    /// ahead of the rows by at most a reader's chunk, which a tenth more makes up for.
    static func expectedMoreRows(after rows: Int, bytesRead: Int, of size: Int) -> Int? {
        guard rows > 0, bytesRead > 0, size >= bytesRead else { return nil }
        let total = Double(rows) * Double(size) / Double(bytesRead) * 1.1
        return max(0, Int(min(total, Double(Int32.max))) - rows)
    }

    /// Maps one record into `batch`: its texts into the batch's text, its customer id (agreement
    /// rows, order lines) into the batch's ids to look up. A date that cannot be read goes to
    /// `unreadableDates`, for the hint (which never changes how a row is judged).
    private static func map(_ raw: RawRecord, kind: InputKind, mapper: RowMapper, into batch: inout Batch,
                            unreadableDates: inout DateLayoutSniffer) -> MappedRecord {
        func noteUnreadable(_ record: PackedConfirmation?) {
            guard let span = record?.unreadableDate, !span.isAbsent else { return }
            batch.text.withBytes(span) { unreadableDates.note($0) }
        }
        func noteRejected(_ result: Result<some Any, RowIssue>) {
            guard case .failure(let issue) = result, issue.code == .invalidDate, let value = raw[.creationDate] else { return }
            unreadableDates.note(value.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        func mapped<Row>(_ result: Result<RowMapper.Mapped<Row>, RowIssue>, _ wrap: (Row) -> MappedRecord.Row) -> MappedRecord {
            let start = Int32(truncatingIfNeeded: batch.issues.count)
            switch result {
            case .failure(let issue):
                batch.issues.append(contentsOf: raw.warnings)
                batch.issues.append(issue)
                return MappedRecord(line: raw.line, issueStart: start, warningCount: Int32(raw.warnings.count), row: .rejected)
            case .success(let m):
                if !m.warnings.isEmpty { batch.issues.append(contentsOf: m.warnings) }
                return MappedRecord(line: raw.line, issueStart: start, warningCount: Int32(m.warnings.count), row: wrap(m.row))
            }
        }
        switch kind {
        case .customers:
            return mapped(mapper.packedCustomer(raw, into: &batch.text)) { row in
                noteUnreadable(row.embedded)
                return .customer(row)
            }
        case .agreements:
            return mapped(mapper.packedAgreement(raw, into: &batch.text)) { row in
                noteUnreadable(row.record)
                return .agreement(row)
            }
        case .subscriptions:
            let result = mapper.packedSubscription(raw, into: &batch.text)
            noteRejected(result)
            return mapped(result) { row in
                return .subscription(row)
            }
        case .orders:
            let result = mapper.packedOrderLine(raw, into: &batch.text)
            noteRejected(result)
            return mapped(result) { line in
                return .order(line)
            }
        }
    }
}

/// SHA-256 of a file, fed chunk by chunk as it is read, computed on a thread of its own.
///
/// Hashing a gigabyte costs a second or two; on a thread of its own it does not hold up the
/// reading thread, which is as busy as the evaluating one. Each chunk is copied (the reader reuses
/// its buffer) and hashed in order, so the digest is of exactly the bytes that were parsed. At
/// most `chunksAhead` chunks wait, so memory stays bounded.
final class HashingObserver: @unchecked Sendable {
    static let chunksAhead = 8
    private let chunks = HandOver<[UInt8]?>(capacity: HashingObserver.chunksAhead)
    private let digest = HandOver<String>(capacity: 1)

    init() {
        let chunks = self.chunks, digest = self.digest
        startThread(name: "mca-audit sha256") {
            var hasher = SHA256()
            while let chunk = chunks.take() {
                guard let chunk else {
                    _ = digest.put(hasher.finalize().map { byte in
                        let s = String(byte, radix: 16)
                        return byte < 16 ? "0" + s : s
                    }.joined())
                    return
                }
                chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
    }

    /// The hashing thread stops at its next chunk, whether or not the digest was asked for.
    deinit {
        chunks.close()
        digest.close()
    }

    func update(_ chunk: UnsafeRawBufferPointer) { _ = chunks.put(Array(chunk)) }

    /// The digest of every chunk given, once the hashing thread has caught up.
    func hexDigest() -> String {
        _ = chunks.put(nil)
        return digest.take() ?? ""
    }
}
