#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MCAModel

/// A streaming RFC 4180 reader (docs/inputs.md): quoted fields with delimiters, doubled quotes and
/// line breaks; CRLF, LF or CR line ends; an optional UTF-8 BOM; any one-byte delimiter.
///
/// The first non-blank record is the header. Blank lines are skipped. Every other record is
/// emitted with its physical start line; a record with more or fewer fields than the header
/// keeps the named fields and carries a RAGGED_ROW warning. An unterminated quote is fatal,
/// reported at the line where the quoted field starts.
public struct CSVRecordReader: RecordReader {
    public var delimiter: UInt8

    public init(delimiter: UInt8 = UInt8(ascii: ",")) { self.delimiter = delimiter }

    public func read(_ source: any ByteSource, schema: Schema, emit: (RawRecord) throws -> Void) throws {
        let scanner = CSVScanner(source: source, delimiter: delimiter)
        guard try scanner.next() else { return }
        // Windows PowerShell 5.1's Export-Csv writes `#TYPE <class>` above the header.
        if scanner.fieldCount == 1, scanner.string(at: 0)?.hasPrefix("#TYPE") == true {
            guard try scanner.next() else { return }
        }

        // Resolve the header once: column index -> field. Where several columns name one field, the
        // column whose alias comes first in the field's list wins (on a tie, the first column).
        var columnNames = [String](repeating: "", count: scanner.fieldCount)
        var chosen: [Field: (column: Int, rank: UInt8)] = [:]
        for i in 0..<scanner.fieldCount {
            let name = scanner.string(at: i) ?? ""
            columnNames[i] = name
            guard let named = schema.namedField(forNormalizedName: normalizedKey(name)) else { continue }
            if let current = chosen[named.field], current.rank <= named.rank { continue }
            chosen[named.field] = (i, named.rank)
        }
        let normalizedHeader = columnNames.map(normalizedKey)
        let layout = KnownLayout.recognize(kind: schema.kind, normalizedHeader: normalizedHeader)
        for (k, field) in (layout?.unnamedColumns ?? []).enumerated() where chosen[field] == nil {
            chosen[field] = (columnNames.count + k, 0)
            columnNames.append("(unnamed column \(columnNames.count + 1): \(field))")
        }
        let missing = schema.required.filter { chosen[$0] == nil }
        if !missing.isEmpty {
            throw FatalInputError(line: scanner.recordLine, code: .missingColumn,
                                  message: Self.missingColumnMessage(missing, schema: schema, header: columnNames))
        }
        let headerCount = scanner.fieldCount
        let mapped = chosen.map { (column: $0.value.column, field: $0.key) }.sorted { $0.column < $1.column }
        let implicit = (layout?.implicit ?? []).filter { chosen[$0.field] == nil }

        // Read through a buffer pointer: iterating the array itself would count a reference per record.
        try mapped.withUnsafeBufferPointer { mapped in
            var record = RawRecord()
            while try scanner.next() {
                record.reset(line: scanner.recordLine)
                let count = scanner.fieldCount
                if count != headerCount, !(layout?.isWhole(count, headerCount: headerCount) ?? false) {
                    record.warnings.append(RowIssue(.raggedRow, count > headerCount
                        ? "\(count) fields where the header has \(headerCount); the extra fields are ignored"
                        : "\(count) fields where the header has \(headerCount); the missing fields are empty"))
                }
                if let problem = scanner.problem { record.rejection = RowIssue(.malformedRow, problem) }
                // The usual record is plain ASCII: then no field needs checking, and one copy serves all
                // fields but those with doubled quotes, set in one pass.
                let plain = scanner.recordIsPlainASCII
                var escaped = false
                if plain {
                    let base = record.appendBytes(scanner.recordBytes)
                    escaped = record.withSpans { scanner.setPlainSpans($0, mapped: mapped, base: base) }
                }
                // Otherwise, and for fields with doubled quotes, field by field.
                if !plain || escaped {
                    for (i, field) in mapped where i < count {
                        if plain, !scanner.hasEscapes(at: i) { continue }  // set above
                        if scanner.containsNUL(at: i) {
                            record.rejection = record.rejection ?? RowIssue(.malformedRow, "NUL byte in column '\(columnNames[i])'")
                            continue
                        }
                        guard scanner.withValidUTF8(at: i, { record.setValidUTF8(field, $0) }) else {
                            record.rejection = record.rejection ?? RowIssue(.invalidUTF8, "invalid UTF-8 in column '\(columnNames[i])'")
                            continue
                        }
                    }
                }
                for value in implicit where !record.has(value.field) {
                    var text = value.value
                    text.withUTF8 { record.setValidUTF8(value.field, UnsafeRawBufferPointer($0)) }
                }
                try emit(record)
            }
        }
    }

    /// Why a header is unusable: the required columns it lacks (with their aliases), the columns
    /// it has, and the known layout it most resembles.
    public static func missingColumnMessage(_ missing: [Field], schema: Schema, header: [String]) -> String {
        let wanted = missing.map { "\($0) (one of: \(schema.aliases(of: $0).joined(separator: ", ")))" }
        var message = "required column missing from the header: \(wanted.joined(separator: "; "))"
        message += "; the header has: \(header.map { "'\($0)'" }.joined(separator: ", "))"
        if let near = KnownLayout.nearest(to: header.map(normalizedKey)) {
            message += "; it looks most like \(near.name) (\(near.header))"
            if near.kind != schema.kind { message += ", an export of \(near.kind.rawValue): give it with --\(near.kind.rawValue)" }
        }
        return message
    }
}

/// The byte-level scanner behind `CSVRecordReader`: one record at a time, fields as byte ranges
/// into a buffer that grows only to hold the longest record.
final class CSVScanner {
    private struct FieldRange {
        var start: Int
        var end: Int
        /// The field was quoted and holds doubled quotes to collapse.
        var hasEscapes: Bool
    }

    private enum Outcome { case complete, needMore }

    private let source: any ByteSource
    private let delimiter: UInt8
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var eof = false
    private var atFileStart = true
    /// The current record's fields, `fields[0..<fieldCount]`, in storage that only grows: an
    /// array's append would check uniqueness and count references for every field.
    private var fields: UnsafeMutablePointer<FieldRange>
    private var fieldCapacity = 64
    private(set) var fieldCount = 0
    private var scratch: [UInt8] = []
    /// The line the next record starts on (1-based).
    private var line = 1
    private var consumedLines = 0
    private var recordEnd = 0
    private var unterminatedLine = 0

    private(set) var recordLine = 0
    /// Where the current record starts in the buffer (it ends at `recordEnd`).
    private var recordStart = 0
    /// Why the current record is malformed (text after a closing quote), if it is.
    private(set) var problem: String?

    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let lfMask: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
    private static let crMask: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
    /// A record may not exceed this (a 10 MB field is fine; a runaway file is not read into memory).
    static let maxRecordBytes = 256 << 20

    init(source: any ByteSource, delimiter: UInt8, initialCapacity: Int = 1 << 20) {
        self.source = source
        self.delimiter = delimiter
        buffer = .allocate(byteCount: initialCapacity, alignment: 16)
        fields = .allocate(capacity: fieldCapacity)
    }

    deinit {
        buffer.deallocate()
        fields.deallocate()
    }

    /// Advances to the next non-blank record; false at the end of the input.
    func next() throws -> Bool {
        while true {
            if start >= end {
                if eof { return false }
                try refill()
                continue
            }
            switch try parseRecord() {
            case .needMore:
                if eof {
                    throw FatalInputError(line: unterminatedLine, code: .unterminatedQuote,
                                          message: "a quoted field opened on line \(unterminatedLine) is never closed; the rest of the file cannot be read")
                }
                try refill()
            case .complete:
                recordStart = start
                recordLine = line
                line += consumedLines
                start = recordEnd
                if fieldCount == 1, fields[0].start == fields[0].end, !fields[0].hasEscapes, problem == nil,
                   !isQuotedEmpty {
                    continue  // a blank line is no record
                }
                return true
            }
        }
    }

    private var isQuotedEmpty = false

    /// Parses one record from `start`. On `.needMore` nothing is consumed.
    private func parseRecord() throws -> Outcome {
        // The fields are counted in a local, and stored where `fields` points (grown when full).
        var count = 0
        defer { fieldCount = count }
        @inline(__always) func add(_ field: FieldRange) {
            if count == fieldCapacity { growFields() }
            fields[count] = field
            count += 1
        }
        problem = nil
        isQuotedEmpty = false
        // Flags of the bytes read into fields that are not ASCII or are NUL (`notPlain`).
        var flags: UInt64 = 0
        defer { recordIsPlainASCII = flags == 0 }
        var lines = 0
        let b = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = self.end
        let delim = delimiter
        let delimMask = UInt64(delim) &* 0x0101_0101_0101_0101
        var pos = start
        while true {
            if pos < end, b[pos] == CSVScanner.quote {
                // Quoted field.
                unterminatedLine = line + lines
                pos += 1
                let fieldStart = pos
                var hasEscapes = false
                while true {
                    guard pos < end else { return .needMore }
                    let c = b[pos]
                    if c == 0 || c >= 0x80 { flags |= 0x80 }
                    if c == CSVScanner.quote {
                        if pos + 1 < end {
                            if b[pos + 1] == CSVScanner.quote { hasEscapes = true; pos += 2; continue }
                            break
                        }
                        if !eof { return .needMore }
                        break
                    }
                    if c == CSVScanner.lf || (c == CSVScanner.cr && (pos + 1 >= end || b[pos + 1] != CSVScanner.lf)) {
                        lines += 1
                    }
                    pos += 1
                }
                add(FieldRange(start: fieldStart, end: pos, hasEscapes: hasEscapes))
                if pos == fieldStart { isQuotedEmpty = true }
                pos += 1  // closing quote
                if pos < end, b[pos] != delim, b[pos] != CSVScanner.lf, b[pos] != CSVScanner.cr {
                    // Text after the closing quote: keep reading to the end of the field, reject the row.
                    problem = problem ?? "text after the closing quote of field \(count)"
                    while pos < end, b[pos] != delim, b[pos] != CSVScanner.lf, b[pos] != CSVScanner.cr {
                        if b[pos] == 0 || b[pos] >= 0x80 { flags |= 0x80 }
                        pos += 1
                    }
                    if pos >= end, !eof { return .needMore }
                }
            } else {
                let fieldStart = pos
                // Eight bytes at a time up to the first delimiter, CR or LF (fields are mostly plain):
                // the lowest flagged byte of a word is exactly the first match in it.
                var found = false
                while pos + 8 <= end {
                    let w = UInt64(littleEndian: UnsafeRawPointer(b + pos).loadUnaligned(as: UInt64.self))
                    let hits = swarHasByte(w, delimMask) | swarHasByte(w, CSVScanner.lfMask) | swarHasByte(w, CSVScanner.crMask)
                    if hits != 0 {
                        // Only the bytes before the field's end are the field's. Below the lowest
                        // zero byte the zero test is exact (its borrows only run upwards).
                        let n = hits.trailingZeroBitCount >> 3
                        flags |= notPlain(w) & (n == 0 ? 0 : UInt64.max >> (64 - 8 * UInt64(n)))
                        pos += n
                        found = true
                        break
                    }
                    flags |= notPlain(w)
                    pos += 8
                }
                while !found, pos < end {
                    let c = b[pos]
                    if c == delim || c == CSVScanner.lf || c == CSVScanner.cr { break }
                    if c == 0 || c >= 0x80 { flags |= 0x80 }
                    pos += 1
                }
                if pos >= end, !eof { return .needMore }
                add(FieldRange(start: fieldStart, end: pos, hasEscapes: false))
            }
            // Terminator.
            if pos >= end {  // end of file ends the record
                recordEnd = pos
                consumedLines = lines + 1
                return .complete
            }
            let c = b[pos]
            if c == delim { pos += 1; continue }
            if c == CSVScanner.cr {
                if pos + 1 >= end, !eof { return .needMore }
                pos += (pos + 1 < end && b[pos + 1] == CSVScanner.lf) ? 2 : 1
            } else {
                pos += 1
            }
            recordEnd = pos
            consumedLines = lines + 1
            return .complete
        }
    }

    /// Doubles the room for fields (a record with more fields than any before).
    private func growFields() {
        let bigger = UnsafeMutablePointer<FieldRange>.allocate(capacity: 2 * fieldCapacity)
        bigger.moveInitialize(from: fields, count: fieldCapacity)
        fields.deallocate()
        fields = bigger
        fieldCapacity *= 2
    }

    /// Moves the unread tail to the front, grows the buffer if a record fills it, reads more.
    private func refill() throws {
        if start > 0 {
            let tail = end - start
            if tail > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: tail) }
            end = tail
            start = 0
        }
        if end == buffer.count {
            guard buffer.count < CSVScanner.maxRecordBytes else {
                throw FatalInputError(line: line, code: .malformedDocument,
                                      message: "a record starting on line \(line) is longer than \(CSVScanner.maxRecordBytes >> 20) MiB")
            }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 { eof = true; return }
        if atFileStart {
            atFileStart = false
            // Skip a UTF-8 BOM (only ever at the very start; wait for 3 bytes).
            var have = end + n
            while have < 3 {
                let m = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[have...]))
                if m == 0 { eof = true; break }
                have += m
            }
            end = have
            if end >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
            return
        }
        end += n
        // A record that does not fit is scanned again from its start after every refill, so read
        // at least as much again as is pending (or up to a full buffer or the end): a pipe hands
        // out 64 KiB per read, and refilling by that much would make a long record quadratic.
        let wanted = min(buffer.count, 2 * (end - n))
        while end < wanted {
            let m = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if m == 0 { eof = true; break }
            end += m
        }
    }

    /// The current record's bytes, from its first field to its line end.
    var recordBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer.baseAddress! + recordStart, count: recordEnd - recordStart)
    }

    /// Whether every byte of the current record's fields is ASCII other than NUL, so that every
    /// field is valid UTF-8 without a NUL. Found while the record is parsed (`parseRecord`), in
    /// the same words that are searched for the fields' ends.
    private(set) var recordIsPlainASCII = false

    /// Whether field `i` was quoted and holds doubled quotes to collapse.
    func hasEscapes(at i: Int) -> Bool {
        precondition(i < fieldCount)
        return fields[i].hasEscapes
    }

    /// Sets the span of every mapped field of a plain record whose bytes are its value (no doubled
    /// quotes): `base` is where `recordBytes` start in the record's storage. Returns whether some
    /// mapped field has doubled quotes (left for the caller).
    func setPlainSpans(_ spans: UnsafeMutableBufferPointer<Int>, mapped: UnsafeBufferPointer<(column: Int, field: Field)>,
                       base: Int) -> Bool {
        let offset = base - recordStart
        var escaped = false
        for (column, field) in mapped where column < fieldCount {
            let f = fields[column]
            if f.hasEscapes {
                escaped = true
                continue
            }
            spans[2 * field.rawValue] = f.start + offset
            spans[2 * field.rawValue + 1] = f.end - f.start
        }
        return escaped
    }

    private func bytes(at i: Int) -> UnsafeRawBufferPointer {
        precondition(i < fieldCount)
        let f = fields[i]
        return UnsafeRawBufferPointer(start: buffer.baseAddress! + f.start, count: f.end - f.start)
    }

    /// The field's text with doubled quotes collapsed, or `nil` if it is not valid UTF-8.
    func string(at i: Int) -> String? {
        var result: String?
        _ = withValidUTF8(at: i) { result = String(decoding: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
        return result
    }

    /// Calls `body` with the field's bytes (doubled quotes collapsed) when they are valid UTF-8; false when not.
    func withValidUTF8(at i: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let raw = bytes(at: i)
        if !fields[i].hasEscapes {
            guard UTF8Text.isValid(raw) else { return false }
            body(raw)
            return true
        }
        unescape(raw)
        return scratch.withUnsafeBytes { s in
            guard UTF8Text.isValid(s) else { return false }
            body(s)
            return true
        }
    }

    private func unescape(_ raw: UnsafeRawBufferPointer) {
        scratch.removeAll(keepingCapacity: true)
        var skip = false
        for c in raw {
            if skip { skip = false; continue }
            scratch.append(c)
            if c == CSVScanner.quote { skip = true }
        }
    }

    func containsNUL(at i: Int) -> Bool {
        let raw = bytes(at: i)
        guard let base = raw.baseAddress, raw.count > 0 else { return false }
        return memchr(base, 0, raw.count) != nil
    }
}

/// The high bit of each byte of `word` that is not ASCII, and of each zero byte (the classic SWAR
/// test, exact up to the lowest zero byte; any flag at all means the word has such a byte).
@inline(__always) private func notPlain(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
    return (word & highs) | ((word &- ones) & ~word & highs)
}

/// Non-zero when some byte of `word` equals the byte repeated in `mask` (the classic SWAR test).
/// The lowest byte whose high bit is set is the first match (little-endian); bytes above it may be
/// flagged falsely, which the callers never read.
@inline(__always) private func swarHasByte(_ word: UInt64, _ mask: UInt64) -> UInt64 {
    let x = word ^ mask
    return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
}
