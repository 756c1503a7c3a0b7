import MCAModel
import MCAStorage

/// A streaming reader for the Partner Center REST shapes (docs/inputs.md, "XML, JSON and dates"): a bare array of items, or
/// an object whose `items` member is that array (`{"totalCount": n, "items": [...], "links": …}`;
/// its other members are validated and skipped). Member names, `items` included, are matched
/// after the usual normalisation (`normalizedKey`), so `Items` from a PowerShell export works too.
///
/// Each item is read into one `RawRecord` and emitted before the next is read, so memory does
/// not grow with the file. An item's scalar members map to fields through the schema's aliases
/// (the first value of a field wins); objects named in `Schema.nestedContainers` (`companyProfile`,
/// `primaryContact`, …) are flattened into the item; every other object or array is skipped, so a
/// `billingProfile` contact is never taken for an acceptance. Numbers keep their literal text,
/// `true`/`false` become those words, `null` is no value.
///
/// For orders (a schema with `containerItemsKey`), each element of an order's `lineItems` array is
/// one record that also takes the order's fields (its own values win), all at the order's item
/// number; an order with no line items is one record.
///
/// Per-row problems reject the item and reading goes on: an item that is not an object
/// (MALFORMED_ROW), invalid UTF-8 anywhere in it (INVALID_UTF8), a `\u0000` in a field value
/// (MALFORMED_ROW). Anything that is not JSON, a truncated document, trailing data, nesting deeper
/// than `maxDepth`, an unescaped control character in a string or a string longer than
/// `maxStringBytes` throws `FatalInputError(.malformedDocument)` whose `line` is the item being
/// read (0 outside the items array), its message naming the physical line and 0-based byte offset.
public struct JSONRecordReader: RecordReader, Sendable {
    /// Deepest nesting allowed, counting the item object as level 1.
    public var maxDepth: Int
    /// Longest string (in encoded bytes) allowed; a longer one is fatal, which bounds memory.
    public var maxStringBytes: Int
    /// Size of the read buffer.
    public var bufferSize: Int

    /// - Parameters:
    ///   - maxDepth: deepest nesting allowed inside an item (the item object is level 1).
    ///   - maxStringBytes: longest string or number literal allowed, in bytes.
    ///   - bufferSize: bytes asked of the source per read.
    public init(maxDepth: Int = 64, maxStringBytes: Int = 16 << 20, bufferSize: Int = 256 << 10) {
        self.maxDepth = max(1, maxDepth)
        self.maxStringBytes = max(1, maxStringBytes)
        self.bufferSize = bufferSize
    }

    public func read(_ source: any ByteSource, schema: Schema, emit: (RawRecord) throws -> Void) throws {
        var parser = JSONItemParser(
            tokenizer: JSONTokenizer(source: source, capacity: bufferSize, maxDepth: maxDepth,
                                     maxStringBytes: maxStringBytes),
            schema: schema, maxDepth: maxDepth)
        defer { parser.tok.deallocate() }
        try parser.readDocument(emit: emit)
    }
}

/// What a member name means in one schema, resolved once per distinct name.
private struct KeyInfo {
    /// The field a scalar value under this name sets, with its alias's rank.
    var field: NamedField?
    /// A number under this name is Unix time (seconds, or milliseconds past 10 digits), 0 for none.
    var epoch: Bool
    /// An object under this name is flattened into the record, for these fields; `nil`: skipped.
    var nested: FieldSet?
    /// An array under this name holds an order's line items.
    var lineItems: Bool
    /// The top-level object's array of items.
    var items: Bool
    /// What the items of that array are, when its name tells (`customerAgreementRecords`).
    var itemsLayout: KnownLayout?
}

/// Field order for merging an order's fields into its line items (computed once, not per line).
private let allFields = Field.allCases

/// Member name bytes → meaning, without `Hasher` or an array per lookup: a word-at-a-time hash,
/// open addressing, names kept in one flat byte array. Capped, so hostile, ever-new names cannot
/// grow it without bound (names past the cap are resolved each time).
private struct KeyTable {
    private static let slotCount = 8192 // a power of two, twice the entry cap
    private static let maxEntries = 4096
    private static let maxNameBytes = 1 << 20
    private var slots = [Int32](repeating: -1, count: KeyTable.slotCount)
    private var hashes: [UInt64] = []
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var infos: [KeyInfo] = []
    private var nameBytes: [UInt8] = []

    static func hash(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let p = name.baseAddress else { return 0 }
        let n = name.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }

    func find(_ name: UnsafeBufferPointer<UInt8>, hash: UInt64) -> KeyInfo? {
        var i = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        while true {
            let e = Int(slots[i])
            if e < 0 { return nil }
            if hashes[e] == hash && lengths[e] == name.count && equalName(e, name) { return infos[e] }
            i = (i + 1) & (Self.slotCount - 1)
        }
    }

    private func equalName(_ e: Int, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        nameBytes.withUnsafeBufferPointer { all in
            guard let a = all.baseAddress, let b = name.baseAddress else { return name.isEmpty }
            let stored = a + starts[e]
            var i = 0
            let n = name.count
            while i + 8 <= n {
                if UnsafeRawPointer(stored + i).loadUnaligned(as: UInt64.self)
                    != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
                i += 8
            }
            while i < n {
                if stored[i] != b[i] { return false }
                i += 1
            }
            return true
        }
    }

    mutating func insert(_ name: UnsafeBufferPointer<UInt8>, hash: UInt64, info: KeyInfo) {
        guard infos.count < Self.maxEntries, nameBytes.count + name.count <= Self.maxNameBytes else { return }
        var i = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        while slots[i] >= 0 { i = (i + 1) & (Self.slotCount - 1) }
        slots[i] = Int32(infos.count)
        hashes.append(hash)
        starts.append(nameBytes.count)
        lengths.append(name.count)
        nameBytes.append(contentsOf: name)
        infos.append(info)
    }
}

/// The structural half of `JSONRecordReader`: items, members, line items.
private struct JSONItemParser {
    var tok: JSONTokenizer
    let schema: Schema
    let maxDepth: Int
    private var keys = KeyTable()
    private var itemNumber = 0
    /// 1-based index of the line item being read, for messages.
    private var lineItemIndex = 0
    private var inLineItem = false
    /// The current order's line items (the first `lineCount`), emitted once the order object has
    /// closed (its own fields may come after `lineItems`). Records are reused across items.
    private var lines: [RawRecord] = []
    private var lineCount = 0
    private var spare = RawRecord()
    /// The layout the items array's name tells, if any (its implicit values go to every record).
    private var layout: KnownLayout?
    /// Stands in for a record taken out of `spare` or `lines`, so the taken one is uniquely
    /// referenced and `reset` clears it in place instead of copying it.
    private static let placeholder = RawRecord()

    init(tokenizer: JSONTokenizer, schema: Schema, maxDepth: Int) {
        self.tok = tokenizer
        self.schema = schema
        self.maxDepth = maxDepth
    }

    mutating func readDocument(emit: (RawRecord) throws -> Void) throws {
        try tok.skipByteOrderMark()
        let first = try tok.peekNonWhitespace()
        switch first {
        case 0x5B: // [
            try readItems(emit: emit)
        case 0x7B: // {
            try readWrapper(emit: emit)
        case nil:
            throw documentError("the document is empty")
        case let b?:
            guard let kind = valueKind(b) else { throw tok.unexpected(b, expecting: "'[' or '{'") }
            throw documentError("the document is \(kind), not an array of items or an object with an \"items\" array")
        }
        tok.position = .afterDocument
        if let b = try tok.peekNonWhitespace() { throw tok.fail("unexpected \(tok.describe(b))") }
    }

    private func documentError(_ what: String) -> FatalInputError {
        FatalInputError(line: 0, code: .malformedDocument, message: "\(what) (line \(tok.line), byte \(tok.offset))")
    }

    /// `{"totalCount": n, "items": [...], "links": {...}}`: the items array, other members skipped.
    private mutating func readWrapper(emit: (RawRecord) throws -> Void) throws {
        tok.advance()
        var sawItems = false
        var b = try tok.peekNonWhitespace()
        if b == 0x7D {
            tok.advance()
        } else {
            while true {
                guard b == 0x22 else { throw tok.unexpected(b, expecting: "a member name") }
                try tok.readString(decode: true)
                let info = keyInfo()
                try tok.expect(0x3A, "':'")
                if info.items {
                    layout = info.itemsLayout
                    let v = try tok.peekNonWhitespace()
                    guard v == 0x5B else {
                        guard let v, let kind = valueKind(v) else { throw tok.unexpected(v, expecting: "'['") }
                        throw documentError("the \"items\" member is \(kind), not an array")
                    }
                    try readItems(emit: emit)
                    sawItems = true
                } else {
                    try tok.skipValue(level: 1)
                }
                guard try tok.continueAfterValue(closer: 0x7D) else { break }
                b = try tok.peekNonWhitespace()
            }
        }
        if !sawItems { throw documentError("the top-level object has no \"items\" array") }
    }

    /// The items array, whose opening bracket is the next byte.
    private mutating func readItems(emit: (RawRecord) throws -> Void) throws {
        tok.advance()
        tok.position = itemNumber == 0 ? .beforeItems : .afterItem(itemNumber)
        var b = try tok.peekNonWhitespace()
        if b == 0x5D {
            tok.advance()
            tok.position = .afterItems
            return
        }
        while true {
            // Checked here so that a missing item is reported between items, not inside the next.
            guard let first = b, valueKind(first) != nil else { throw tok.unexpected(b, expecting: "an item") }
            itemNumber += 1
            tok.position = .inItem(itemNumber)
            try readItem(first, emit: emit)
            tok.position = .afterItem(itemNumber)
            guard try tok.continueAfterValue(closer: 0x5D) else {
                tok.position = .afterItems
                return
            }
            b = try tok.peekNonWhitespace()
        }
    }

    /// One item starting with byte `b`: emitted as one record, or one per line item.
    private mutating func readItem(_ b: UInt8, emit: (RawRecord) throws -> Void) throws {
        tok.invalidUTF8 = nil
        guard b == 0x7B else {
            let kind = valueKind(b) ?? "not a value"
            try tok.skipValue(level: 1)
            var record = RawRecord(line: itemNumber)
            record.rejection = RowIssue(.malformedRow, "item \(itemNumber) is \(kind), not an object")
            try emit(record)
            return
        }
        var record = spare
        spare = Self.placeholder
        defer { spare = record }
        record.reset(line: itemNumber)
        lineCount = 0
        lineItemIndex = 0
        try readObject(into: &record, level: 1, orderLevel: schema.containerItemsKey != nil, allowed: .all)
        for value in layout?.implicit ?? [] where !record.has(value.field) { record[value.field] = value.value }

        // Invalid UTF-8 outside every line item spoils the whole item (all its records).
        let itemIssue = tok.invalidUTF8.map {
            RowIssue(.invalidUTF8, "item \(itemNumber) holds invalid UTF-8 (line \($0.line), byte \($0.offset))")
        }
        if lineCount == 0 {
            if record.rejection == nil, let itemIssue { record.rejection = itemIssue }
            try emit(record)
            return
        }
        for i in 0..<lineCount {
            var line = lines[i]
            lines[i] = Self.placeholder
            defer { lines[i] = line }
            line.fillAbsent(allFields, from: record, except: schema.notInherited)
            if line.rejection == nil { line.rejection = itemIssue ?? record.rejection }
            try emit(line)
        }
    }

    /// The members of the object whose opening brace is the next byte, mapped into `rec`.
    /// Recursion only follows nested containers and line items, at most `maxDepth` deep.
    /// Only `allowed` fields are set: a nested object gives only the fields its name allows (`Schema.nestedContainers`).
    private mutating func readObject(into rec: inout RawRecord, level: Int, orderLevel: Bool, allowed: FieldSet) throws {
        tok.advance()
        var b = try tok.peekNonWhitespace()
        if b == 0x7D {
            tok.advance()
            return
        }
        while true {
            guard b == 0x22 else { throw tok.unexpected(b, expecting: "a member name") }
            try tok.readString(decode: true)
            let info = keyInfo()
            try tok.expect(0x3A, "':'")
            let v = try tok.peekNonWhitespace()
            // The field this value sets, when it may set one here and no better-named value is in.
            let target = info.field.flatMap { allowed.contains($0.field) && rec.takes($0) ? $0 : nil }
            switch v ?? 0 { // NUL stands for the end of the file: no value starts with either
            case 0x22: // "
                if let f = target {
                    tok.decodedNUL = false
                    try tok.readString(decode: true)
                    if tok.decodedNUL { rejectNUL(&rec, f.field) }
                    let text = String(decoding: tok.text, as: UTF8.self)
                    if !info.epoch {
                        rec.set(f, text)
                    } else if let date = Self.epochDate(text.trimmingCharacters(in: .whitespaces)) {
                        rec.set(f, date)
                    }
                } else {
                    try tok.readString(decode: false)
                }
            case 0x2D, 0x30...0x39:
                if let f = target {
                    try tok.readNumber(decode: true)
                    let number = String(decoding: tok.text, as: UTF8.self)
                    if !info.epoch {
                        rec.set(f, number)
                    } else if let date = Self.epochDate(number) {
                        rec.set(f, date)
                    }
                } else {
                    try tok.readNumber(decode: false)
                }
            case 0x74, 0x66, 0x6E: // t f n
                let literal = try tok.readLiteral()
                if let f = target, literal != .null { rec.set(f, literal.text) }
            case 0x7B: // {
                if let fields = info.nested {
                    if level + 1 > maxDepth { throw tok.tooDeep() }
                    try readObject(into: &rec, level: level + 1, orderLevel: false, allowed: allowed.intersection(fields))
                } else {
                    try tok.skipValue(level: level + 1)
                }
            case 0x5B: // [
                if orderLevel && info.lineItems {
                    if level + 1 > maxDepth { throw tok.tooDeep() }
                    try readLineItems(level: level + 1)
                } else {
                    try tok.skipValue(level: level + 1)
                }
            default:
                throw tok.unexpected(v, expecting: "a value")
            }
            guard try tok.continueAfterValue(closer: 0x7D) else { return }
            b = try tok.peekNonWhitespace()
        }
    }

    /// An order's `lineItems` array (opening bracket next), each element collected into `lines`.
    private mutating func readLineItems(level: Int) throws {
        tok.advance()
        var b = try tok.peekNonWhitespace()
        if b == 0x5D {
            tok.advance()
            return
        }
        while true {
            lineItemIndex += 1
            if lineCount == lines.count { lines.append(RawRecord()) }
            var line = lines[lineCount]
            lines[lineCount] = Self.placeholder
            line.reset(line: itemNumber)
            if b == 0x7B {
                if level + 1 > maxDepth { throw tok.tooDeep() }
                // Invalid UTF-8 inside this line item rejects only it; keep the order's own state.
                let orderInvalid = tok.invalidUTF8
                tok.invalidUTF8 = nil
                inLineItem = true
                try readObject(into: &line, level: level + 1, orderLevel: false, allowed: .all)
                inLineItem = false
                if let at = tok.invalidUTF8, line.rejection == nil {
                    line.rejection = RowIssue(.invalidUTF8, "item \(itemNumber), line item \(lineItemIndex) holds "
                                              + "invalid UTF-8 (line \(at.line), byte \(at.offset))")
                }
                tok.invalidUTF8 = orderInvalid
            } else {
                guard let b, let kind = valueKind(b) else { throw tok.unexpected(b, expecting: "a line item") }
                try tok.skipValue(level: level + 1)
                line.rejection = RowIssue(.malformedRow,
                                          "item \(itemNumber), line item \(lineItemIndex) is \(kind), not an object")
            }
            lines[lineCount] = line
            lineCount += 1
            guard try tok.continueAfterValue(closer: 0x5D) else { return }
            b = try tok.peekNonWhitespace()
        }
    }

    /// A field value holding U+0000 would corrupt the reports that cannot carry it (the CSV
    /// reader rejects a NUL byte the same way).
    private func rejectNUL(_ rec: inout RawRecord, _ field: Field) {
        guard rec.rejection == nil else { return }
        let whereText = inLineItem ? "item \(itemNumber), line item \(lineItemIndex)" : "item \(itemNumber)"
        rec.rejection = RowIssue(.malformedRow, "\(whereText) has a NUL character (\\u0000) in \(field)")
    }

    /// The meaning of the member name just read (`tok.text`).
    private mutating func keyInfo() -> KeyInfo {
        let name = tok.text
        let hash = KeyTable.hash(name)
        if let known = keys.find(name, hash: hash) { return known }
        let normalized = normalizedKey(String(decoding: name, as: UTF8.self))
        let epoch = schema.epochNames[normalized]
        let info = KeyInfo(field: epoch ?? schema.namedField(forNormalizedName: normalized), epoch: epoch != nil,
                           nested: schema.nestedContainers[normalized],
                           lineItems: normalized == schema.containerItemsKey,
                           items: schema.itemArrays.keys.contains(normalized),
                           itemsLayout: schema.itemArrays[normalized] ?? nil)
        keys.insert(name, hash: hash, info: info)
        return info
    }

    /// A Unix time as an ISO 8601 date-time in UTC: seconds, or milliseconds when it has more than 10
    /// digits; `nil` for 0 (no date). Anything but a plain non-negative integer is kept as written,
    /// so that it is reported as an unreadable date.
    static func epochDate(_ number: String) -> String? {
        guard !number.isEmpty, number.count <= 18, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(number) else {
            return number
        }
        guard value != 0 else { return nil }
        let seconds = number.count > 10 ? value / 1000 : value
        let day = DayDate(daysSinceEpoch: seconds / 86_400), time = seconds % 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(day.iso)T\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))Z"
    }

    /// "a number", "a string", … for the value starting with `b`; nil when no value starts so.
    private func valueKind(_ b: UInt8) -> String? {
        switch b {
        case 0x22: return "a string"
        case 0x2D, 0x30...0x39: return "a number"
        case 0x74, 0x66: return "a boolean"
        case 0x6E: return "null"
        case 0x5B: return "an array"
        case 0x7B: return "an object"
        default: return nil
        }
    }
}
