import Crypto
import MCAEvaluate
import MCAIngest
import MCAModel

/// Reads every input into the evaluator (customers, then agreements, then order lines: an order
/// line can only be judged once all of its customer's confirmations are known), counting every
/// row as accepted or rejected and collecting the findings.
struct Ingestion {
    let mapper: RowMapper
    let delimiter: UInt8
    let evaluator: Evaluator
    var findings: [Finding] = []
    var inputs: [InputSummary] = []
    /// Called after each file with its summary (progress on a terminal).
    var onFileDone: (InputSummary) -> Void = { _ in }

    init(mapper: RowMapper, delimiter: UInt8, evaluator: Evaluator) {
        self.mapper = mapper
        self.delimiter = delimiter
        self.evaluator = evaluator
    }

    /// Reads all inputs in the evaluation order. Throws `AuditFailure` for an unreadable or unusable file.
    mutating func readAll(_ specs: [InputSpec]) throws {
        for kind in [InputKind.customers, .agreements, .orders] {
            for spec in specs where spec.kind == kind { try read(spec) }
        }
    }

    private func reader(for format: InputFormat) -> any RecordReader {
        switch format {
        case .csv: return CSVRecordReader(delimiter: delimiter)
        case .xml: return XMLRecordReader()
        case .json: return JSONRecordReader()
        }
    }

    private mutating func read(_ spec: InputSpec) throws {
        let hasher = HashingObserver()
        let source: FileByteSource
        do {
            source = try FileByteSource(path: spec.path) { hasher.update($0) }
        } catch let e as FileReadError {
            throw AuditFailure(.noInput, "\(e.path): cannot read \(spec.kind.rawValue) file: \(e.reason)")
        }
        var summary = InputSummary(kind: spec.kind, path: spec.path, format: spec.format)
        var found: [Finding] = []
        let mapper = self.mapper
        let evaluator = self.evaluator
        do {
            try reader(for: spec.format).read(source, schema: .forKind(spec.kind)) { raw in
                summary.rowsRead += 1
                let outcome = Ingestion.accept(raw, kind: spec.kind, mapper: mapper, evaluator: evaluator)
                for w in outcome.warnings { found.append(Finding(file: spec.path, line: raw.line, issue: w)) }
                summary.warnings += outcome.warnings.count
                if let rejection = outcome.rejection {
                    summary.rowsRejected += 1
                    found.append(Finding(file: spec.path, line: raw.line, issue: rejection))
                } else {
                    summary.rowsAccepted += 1
                }
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
        summary.sha256 = hasher.hexDigest()
        findings.append(contentsOf: found)
        inputs.append(summary)
        onFileDone(summary)
    }

    private static func accept(_ raw: RawRecord, kind: InputKind, mapper: RowMapper,
                               evaluator: Evaluator) -> (warnings: [RowIssue], rejection: RowIssue?) {
        switch kind {
        case .customers:
            switch mapper.customer(raw) {
            case .failure(let issue): return (raw.warnings, issue)
            case .success(let m): return (m.warnings, evaluator.add(m.row))
            }
        case .agreements:
            switch mapper.agreement(raw) {
            case .failure(let issue): return (raw.warnings, issue)
            case .success(let m): return (m.warnings, evaluator.add(m.row))
            }
        case .orders:
            switch mapper.orderLine(raw) {
            case .failure(let issue): return (raw.warnings, issue)
            case .success(let m): return (m.warnings, evaluator.add(m.row))
            }
        }
    }
}

/// SHA-256 of a file, fed chunk by chunk as it is read.
final class HashingObserver {
    private var hasher = SHA256()

    func update(_ chunk: UnsafeRawBufferPointer) { hasher.update(bufferPointer: chunk) }

    func hexDigest() -> String {
        hasher.finalize().map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
