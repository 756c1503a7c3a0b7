// libFuzzer target for CSVRecordReader (Scripts/fuzz.sh csv SECONDS).
//
// Besides "no crash, no sanitizer report", every input is checked against:
// - the same read with 1..13-byte source chunks (records straddling every boundary) gives the
//   same records and the same fatal error;
// - a plain whole-buffer RFC 4180 reference parser written here (the SPEC 2.2 rules) gives the
//   same records;
// - record lines are >= 2 (the header takes at least line 1), strictly increasing, and within
//   the file's physical line count; a fatal error's line is >= 1 and within it too;
// - an accepted record holds no NUL and only text that occurs in the input;
// - when emit throws, the reader stops at once and rethrows that error.
#if canImport(Glibc)
import Glibc
#endif
import MCAIngest
import MCAModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    var delimiters: [UInt8] = [UInt8(ascii: ",")]
    if bytes.contains(UInt8(ascii: ";")) { delimiters.append(UInt8(ascii: ";")) }
    if bytes.contains(0x09) { delimiters.append(0x09) }
    for delimiter in delimiters {
        for schema in [Schema.customers, .agreements, .subscriptions, .orders] {
            check(bytes, schema: schema, delimiter: delimiter)
        }
    }
    return 0
}

private func check(_ bytes: [UInt8], schema: Schema, delimiter: UInt8) {
    let reader = CSVRecordReader(delimiter: delimiter)
    let whole = readOutcome(reader, bytes, schema: schema, chunk: 1 << 20)
    let name = "csv/\(schema.kind)/delimiter \(delimiter)"
    require(whole.other == nil, "\(name): unexpected error \(whole.other ?? "")")

    let chunk = smallChunk(bytes)
    let chunked = readOutcome(reader, bytes, schema: schema, chunk: chunk)
    if chunked != whole {
        describeDifference(whole, chunked, "whole", "chunk \(chunk)")
        require(false, "\(name): reading in \(chunk)-byte chunks differs from one read")
    }

    let expected = referenceRead(bytes, schema: schema, delimiter: delimiter)
    if expected != whole {
        describeDifference(expected, whole, "reference", "reader")
        require(false, "\(name): the reader differs from the reference parser")
    }

    let physicalLines = lineCount(bytes)
    var previous = 1
    for r in whole.records {
        require(r.line >= 2 && r.line > previous, "\(name): record line \(r.line) after \(previous)")
        require(r.line <= physicalLines, "\(name): record line \(r.line) beyond the \(physicalLines) lines of the file")
        previous = r.line
        require(r.warnings.allSatisfy { $0.code == .raggedRow }, "\(name): unexpected warning \(r.warnings)")
        if let rejection = r.rejection {
            require(rejection.code == .malformedRow || rejection.code == .invalidUTF8, "\(name): unexpected rejection \(rejection)")
            continue
        }
        // A known layout's implicit values (a Customer Agreement record's type) come from the layout, not the bytes.
        let implicit = Set(KnownLayout.all.flatMap { $0.implicit.map(\.value) })
        for value in r.values.compactMap({ $0 }) where !implicit.contains(value) {
            let raw = Array(value.utf8)
            require(!raw.contains(0), "\(name): accepted value holds a NUL")
            let escaped = raw.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] }
            require(contains(bytes, raw) || contains(bytes, escaped), "\(name): value \(value.debugDescription) is not in the input")
        }
    }
    if let e = whole.fatal {
        require(e.line >= 1 && e.line <= physicalLines, "\(name): fatal error at line \(e.line) of \(physicalLines)")
        require([.unterminatedQuote, .missingColumn].contains(e.code), "\(name): unexpected fatal code \(e.code)")
        if e.code == .unterminatedQuote {
            require(e.line >= previous, "\(name): unterminated quote at line \(e.line) before record line \(previous)")
        }
    }
    if !whole.records.isEmpty {
        let stopAt = 1 + bytes.count % whole.records.count
        checkStopsWhenEmitThrows(reader, bytes, schema: schema, chunk: chunk, stopAt: stopAt, target: name)
    }
}

/// Physical lines: LF, CR LF and a lone CR each end one; the last line may have no end.
private func lineCount(_ b: [UInt8]) -> Int {
    var n = 1
    var i = 0
    while i < b.count {
        if b[i] == 0x0A { n += 1 } else if b[i] == 0x0D, i + 1 >= b.count || b[i + 1] != 0x0A { n += 1 }
        i += 1
    }
    return n
}

// MARK: - Reference parser

/// One record as the reference sees it: raw field bytes (quotes collapsed) and where it starts.
private struct RefRecord {
    var line: Int
    var fields: [[UInt8]]
    var problem: String?
    var blank: Bool
}

/// SPEC 2.2 on the whole buffer, written for clarity, not speed: the non-blank records, and the
/// line of a quote that never closes (the records before it are complete).
private func referenceRecords(_ input: [UInt8], delimiter: UInt8) -> (records: [RefRecord], unterminated: Int?) {
    var b = input
    if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { b.removeFirst(3) }
    let quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
    var records: [RefRecord] = []
    var pos = 0
    var line = 1
    while pos < b.count {
        var rec = RefRecord(line: line, fields: [], problem: nil, blank: false)
        var lines = 0
        var quotedEmpty = false
        var ended = false
        while !ended {
            var field: [UInt8] = []
            if pos < b.count, b[pos] == quote {
                let openLine = line + lines
                pos += 1
                var closed = false
                while pos < b.count {
                    if b[pos] == quote {
                        if pos + 1 < b.count, b[pos + 1] == quote { field.append(quote); pos += 2; continue }
                        closed = true
                        break
                    }
                    if b[pos] == lf || (b[pos] == cr && (pos + 1 >= b.count || b[pos + 1] != lf)) { lines += 1 }
                    field.append(b[pos])
                    pos += 1
                }
                guard closed else { return (records, openLine) }
                if field.isEmpty { quotedEmpty = true }
                pos += 1
                if pos < b.count, b[pos] != delimiter, b[pos] != lf, b[pos] != cr {
                    if rec.problem == nil { rec.problem = "text after the closing quote of field \(rec.fields.count + 1)" }
                    while pos < b.count, b[pos] != delimiter, b[pos] != lf, b[pos] != cr { pos += 1 }
                }
            } else {
                while pos < b.count, b[pos] != delimiter, b[pos] != lf, b[pos] != cr { field.append(b[pos]); pos += 1 }
            }
            rec.fields.append(field)
            if pos >= b.count { ended = true; break }
            let c = b[pos]
            if c == delimiter { pos += 1; continue }
            pos += (c == cr && pos + 1 < b.count && b[pos + 1] == lf) ? 2 : 1
            ended = true
        }
        line += lines + 1
        rec.blank = rec.fields.count == 1 && rec.fields[0].isEmpty && rec.problem == nil && !quotedEmpty
        if !rec.blank { records.append(rec) }
    }
    return (records, nil)
}

private func utf8String(_ bytes: [UInt8]) -> String? {
    var it = bytes.makeIterator()
    var decoder = UTF8()
    loop: while true {
        switch decoder.decode(&it) {
        case .scalarValue: continue
        case .emptyInput: break loop
        case .error: return nil
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func referenceRead(_ bytes: [UInt8], schema: Schema, delimiter: UInt8) -> ReadOutcome {
    var out = ReadOutcome()
    let (records, unterminated) = referenceRecords(bytes, delimiter: delimiter)
    let unterminatedError = unterminated.map {
        FatalInputError(line: $0, code: .unterminatedQuote,
                        message: "a quoted field opened on line \($0) is never closed; the rest of the file cannot be read")
    }
    // Windows PowerShell's `#TYPE …` line comes before the header.
    var body = records[...]
    if let first = body.first, first.fields.count == 1, utf8String(first.fields[0])?.hasPrefix("#TYPE") == true {
        body = body.dropFirst()
    }
    guard let header = body.first else {
        out.fatal = unterminatedError
        return out
    }
    var names = header.fields.map { utf8String($0) ?? "" }
    // Per field, the column whose alias ranks first (the first such column on a tie).
    var best: [Field: (column: Int, rank: UInt8)] = [:]
    for (i, name) in names.enumerated() {
        guard let named = schema.namedField(forNormalizedName: normalizedKey(name)) else { continue }
        if let b = best[named.field], b.rank <= named.rank { continue }
        best[named.field] = (i, named.rank)
    }
    let layout = KnownLayout.recognize(kind: schema.kind, normalizedHeader: names.map(normalizedKey))
    let headerCount = names.count
    for field in layout?.unnamedColumns ?? [] where best[field] == nil {
        best[field] = (names.count, 0)
        names.append("(unnamed column \(names.count + 1): \(field))")
    }
    var columns = [Field?](repeating: nil, count: names.count)
    for (field, b) in best { columns[b.column] = field }
    let missing = schema.required.filter { best[$0] == nil }
    if !missing.isEmpty {
        out.fatal = FatalInputError(line: header.line, code: .missingColumn,
                                    message: CSVRecordReader.missingColumnMessage(missing, schema: schema, header: names))
        return out
    }
    for rec in body.dropFirst() {
        var raw = RawRecord(line: rec.line)
        let count = rec.fields.count
        if count != headerCount, !(layout?.isWhole(count, headerCount: headerCount) ?? false) {
            raw.warnings.append(RowIssue(.raggedRow, count > headerCount
                ? "\(count) fields where the header has \(headerCount); the extra fields are ignored"
                : "\(count) fields where the header has \(headerCount); the missing fields are empty"))
        }
        if let p = rec.problem { raw.rejection = RowIssue(.malformedRow, p) }
        for (i, field) in columns.enumerated() {
            guard let field, i < count else { continue }
            if rec.fields[i].contains(0) {
                raw.rejection = raw.rejection ?? RowIssue(.malformedRow, "NUL byte in column '\(names[i])'")
                continue
            }
            guard let value = utf8String(rec.fields[i]) else {
                raw.rejection = raw.rejection ?? RowIssue(.invalidUTF8, "invalid UTF-8 in column '\(names[i])'")
                continue
            }
            raw[field] = value
        }
        // Only for a field the header does not name: a short row leaves a named field empty.
        for value in layout?.implicit ?? [] where best[value.field] == nil && raw[value.field] == nil { raw[value.field] = value.value }
        out.records.append(SeenRecord(raw))
    }
    out.fatal = unterminatedError
    return out
}
