import MCAModel

/// Where in a JSON document the tokenizer is, so a fatal error names the item that broke
/// (docs/inputs.md, "Data quality": the line of a JSON finding is its 1-based item number).
enum JSONPosition: Equatable {
    /// Before the first item (or with no items array at all).
    case beforeItems
    /// Reading item `n`.
    case inItem(Int)
    /// Between item `n` and the next one (or the end of the array).
    case afterItem(Int)
    /// After the items array has closed.
    case afterItems
    /// After the top-level value: only white space may follow.
    case afterDocument

    var itemNumber: Int {
        switch self {
        case .inItem(let n), .afterItem(let n): return n
        case .beforeItems, .afterItems, .afterDocument: return 0
        }
    }

    var phrase: String {
        switch self {
        case .beforeItems: return "before the first item"
        case .inItem(let n): return "inside item \(n)"
        case .afterItem(let n): return "after item \(n)"
        case .afterItems: return "after the items array"
        case .afterDocument: return "after the end of the JSON document"
        }
    }
}

/// The byte-level half of `JSONRecordReader`: a refilled buffer, RFC 8259 tokens, strict UTF-8.
///
/// Nothing here builds a tree or a `String` per byte. A string or number the caller wants is
/// exposed as `text`: in place in the read buffer when it lies there whole without escapes (the
/// common case, no copy), otherwise decoded into a scratch buffer. Strings that are not wanted
/// are only validated. Containers that are not wanted are skipped with an explicit stack, so
/// hostile nesting costs no native stack. Tokens may straddle reads: the unread tail of the
/// buffer is moved to its start before the next read.
///
/// Invalid UTF-8 inside a string is not fatal: it is replaced by U+FFFD and remembered in
/// `invalidUTF8` so the reader can reject the one item that holds it. Everything else that is
/// not JSON throws `FatalInputError(.malformedDocument)`.
///
/// The owner must call `deallocate()` when done (the buffers are manually managed so the hot
/// loops work on raw pointers).
struct JSONTokenizer {
    private let source: any ByteSource
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Next unread byte and end of the valid bytes in `buffer`.
    private var pos = 0
    private var end = 0
    /// File offset of `buffer[0]`.
    private var base = 0
    private var atEOF = false
    /// Physical line (1-based). Raw line breaks can only appear in white space (they are
    /// control characters inside strings), so only the white-space loop counts them.
    private(set) var line = 1
    private let maxDepth: Int
    private let maxStringBytes: Int
    /// Closers of the containers being skipped; reused so skipping allocates nothing.
    private var skipStack: [UInt8] = []
    /// Decoded bytes of a string or number that could not be used in place.
    private var scratch: ByteScratch
    private var textStart: UnsafePointer<UInt8>
    private var textCount = 0

    /// Used in error messages.
    var position: JSONPosition = .beforeItems
    /// The first invalid UTF-8 sequence since the caller last cleared it: file offset and line.
    var invalidUTF8: (offset: Int, line: Int)?
    /// Set when a decoded string held U+0000 (only possible as `\u0000`); the caller clears it.
    var decodedNUL = false

    init(source: any ByteSource, capacity: Int, maxDepth: Int, maxStringBytes: Int) {
        self.source = source
        self.capacity = max(capacity, 16)
        self.buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
        self.textStart = UnsafePointer(buffer)
        self.scratch = ByteScratch(capacity: 256)
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        skipStack.reserveCapacity(min(maxDepth, 64))
    }

    /// Frees the buffers; the tokenizer must not be used afterwards.
    func deallocate() {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// File offset of the next unread byte.
    var offset: Int { base + pos }

    /// The decoded UTF-8 of the last string or number read with `decode: true` (numbers as their
    /// literal text). Valid only until the tokenizer is next used.
    var text: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: textStart, count: textCount) }

    // MARK: Errors

    /// A fatal error at the current position.
    func fail(_ what: String) -> FatalInputError {
        fail(what, at: offset, line: line)
    }

    func fail(_ what: String, at byte: Int, line: Int) -> FatalInputError {
        FatalInputError(line: position.itemNumber, code: .malformedDocument,
                        message: "\(what) \(position.phrase) (line \(line), byte \(byte))")
    }

    /// The error for byte `b` where something else was expected (`nil` = end of file).
    func unexpected(_ b: UInt8?, expecting: String) -> FatalInputError {
        guard let b else { return fail("unexpected end of file") }
        return fail("unexpected \(describe(b)) (expected \(expecting))")
    }

    func describe(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F { return "'\(String(UnicodeScalar(b)))'" }
        return "byte 0x" + (b < 0x10 ? "0" : "") + String(b, radix: 16, uppercase: true)
    }

    // MARK: Buffer

    /// Keeps the unread bytes, moves them to the start and reads more. False at end of file.
    private mutating func refill() throws -> Bool {
        if atEOF { return false }
        let kept = end - pos
        if pos > 0 {
            if kept > 0 { buffer.update(from: buffer + pos, count: kept) }
            base += pos
            pos = 0
            end = kept
        }
        let room = UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end)
        let n = try source.read(into: room)
        if n <= 0 {
            atEOF = true
            return false
        }
        end += n
        return true
    }

    /// Makes at least `n` bytes available from `pos` (n is small: at most a few bytes). False
    /// when the file ends first.
    @inline(__always)
    private mutating func ensure(_ n: Int) throws -> Bool {
        while end - pos < n {
            if try !refill() { return false }
        }
        return true
    }

    /// The byte at `pos` without consuming it, or nil at end of file.
    @inline(__always)
    mutating func peek() throws -> UInt8? {
        if try pos < end || refill() { return buffer[pos] }
        return nil
    }

    /// Consumes one byte already seen by `peek`/`peekNonWhitespace`.
    @inline(__always)
    mutating func advance() { pos += 1 }

    /// After a member or element of a container that `closer` (`}` or `]`) ends: consumes the
    /// comma and returns true when another one follows, or consumes the closer and returns false.
    mutating func continueAfterValue(closer: UInt8) throws -> Bool {
        let c = try peekNonWhitespace()
        if c == 0x2C { // ,
            pos += 1
            return true
        }
        guard c == closer else { throw unexpected(c, expecting: closer == 0x7D ? "',' or '}'" : "',' or ']'") }
        pos += 1
        return false
    }

    /// Skips RFC 8259 white space and returns the next byte without consuming it (nil at end).
    mutating func peekNonWhitespace() throws -> UInt8? {
        while true {
            var p = pos
            let e = end
            while p < e {
                let b = buffer[p]
                if b > 0x20 {
                    pos = p
                    return b
                }
                switch b {
                case 0x20, 0x09, 0x0D: p += 1
                case 0x0A:
                    line += 1
                    p += 1
                default:
                    pos = p
                    return b
                }
            }
            pos = p
            if try !refill() { return nil }
        }
    }

    /// Skips a UTF-8 byte order mark at the very start of the file.
    mutating func skipByteOrderMark() throws {
        if try ensure(3), buffer[pos] == 0xEF, buffer[pos + 1] == 0xBB, buffer[pos + 2] == 0xBF { pos += 3 }
    }

    /// Consumes `byte` (after white space) or throws.
    mutating func expect(_ byte: UInt8, _ name: String) throws {
        let b = try peekNonWhitespace()
        guard b == byte else { throw unexpected(b, expecting: name) }
        pos += 1
    }

    // MARK: Strings

    /// Reads the string whose opening quote is the next byte. With `decode`, its decoded UTF-8
    /// is then `text` (invalid sequences and lone surrogates as U+FFFD); without, it is only checked.
    mutating func readString(decode: Bool) throws {
        let startOffset = offset
        let startLine = line
        pos += 1 // the opening quote
        let contentStart = offset
        if decode { scratch.removeAll() }
        while true {
            let runStart = pos
            pos = scanPlain(from: pos)
            if pos < end && buffer[pos] == 0x22 && (!decode || scratch.count == 0) {
                // The whole string is plain and in the buffer: use it in place.
                if decode {
                    textStart = UnsafePointer(buffer + runStart)
                    textCount = pos - runStart
                }
                pos += 1
                if offset - 1 - contentStart > maxStringBytes { throw tooLong(startOffset, startLine) }
                return
            }
            if decode && pos > runStart { scratch.append(buffer + runStart, pos - runStart) }
            if offset - contentStart > maxStringBytes { throw tooLong(startOffset, startLine) }
            if pos == end {
                if try !refill() {
                    throw fail("unexpected end of file in a string starting at byte \(startOffset)")
                }
                continue
            }
            let b = buffer[pos]
            switch b {
            case 0x22:
                pos += 1
                if decode {
                    textStart = UnsafePointer(scratch.start)
                    textCount = scratch.count
                }
                return
            case 0x5C:
                try readEscape(decode: decode)
            case 0..<0x20:
                throw fail("unescaped control character U+00\(b < 0x10 ? "0" : "")\(String(b, radix: 16, uppercase: true)) in a string")
            default:
                try readSlowSequence(decode: decode)
            }
        }
    }

    private func tooLong(_ startOffset: Int, _ startLine: Int) -> FatalInputError {
        fail("a string longer than \(maxStringBytes) bytes", at: startOffset, line: startLine)
    }

    /// The first byte at or after `p` that ends a run of plain string content: a quote, a
    /// backslash, a control character, an invalid or incomplete UTF-8 sequence, or `end`.
    @inline(__always)
    private func scanPlain(from start: Int) -> Int {
        var p = start
        let e = end
        while true {
            // Eight bytes at a time while none is special (quote, backslash, < 0x20, >= 0x80).
            while p + 8 <= e {
                let w = UnsafeRawPointer(buffer + p).loadUnaligned(as: UInt64.self)
                let q = w ^ 0x2222_2222_2222_2222
                let s = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = ((q &- lowBits) & ~q) | ((s &- lowBits) & ~s) | ((w &- spaceBits) & ~w) | w
                if special & highBits != 0 { break }
                p += 8
            }
            guard p < e else { return p }
            let b = buffer[p]
            if b < 0x80 {
                if b == 0x22 || b == 0x5C || b < 0x20 { return p }
                p += 1
            } else {
                let n = utf8Length(b)
                guard n > 0, p + n <= e, utf8Valid(buffer + p, n) else { return p }
                p += n
            }
        }
    }

    /// A non-ASCII sequence the fast path could not take: invalid, or cut by the end of the buffer.
    private mutating func readSlowSequence(decode: Bool) throws {
        let n = utf8Length(buffer[pos])
        if n > 0 {
            _ = try ensure(n)
            if end - pos >= n && utf8Valid(buffer + pos, n) {
                if decode { scratch.append(buffer + pos, n) }
                pos += n
                return
            }
        }
        if invalidUTF8 == nil { invalidUTF8 = (offset, line) }
        if decode { scratch.appendReplacement() }
        // Only the lead byte is dropped: what follows is looked at again (it may be the closing quote).
        pos += 1
    }

    private mutating func readEscape(decode: Bool) throws {
        guard try ensure(2) else { throw fail("unexpected end of file in an escape sequence") }
        let c = buffer[pos + 1]
        let simple: UInt8
        switch c {
        case 0x22: simple = 0x22
        case 0x5C: simple = 0x5C
        case 0x2F: simple = 0x2F
        case 0x62: simple = 0x08 // b
        case 0x66: simple = 0x0C // f
        case 0x6E: simple = 0x0A // n
        case 0x72: simple = 0x0D // r
        case 0x74: simple = 0x09 // t
        case 0x75: // u
            pos += 2
            try readUnicodeEscape(decode: decode)
            return
        default:
            pos += 1
            let shown = c >= 0x21 && c < 0x7F ? "'\\\(String(UnicodeScalar(c)))'" : "'\\' followed by \(describe(c))"
            throw fail("invalid escape \(shown) in a string")
        }
        pos += 2
        if decode { scratch.append(simple) }
    }

    /// After `\u`: four hex digits, combining a surrogate pair; a lone surrogate becomes U+FFFD.
    private mutating func readUnicodeEscape(decode: Bool) throws {
        var unit = try hex4()
        while true {
            switch unit {
            case 0xD800...0xDBFF:
                if try ensure(2), buffer[pos] == 0x5C, buffer[pos + 1] == 0x75 {
                    pos += 2
                    let low = try hex4()
                    if low >= 0xDC00 && low <= 0xDFFF {
                        if decode { scratch.appendScalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) }
                        return
                    }
                    if decode { scratch.appendReplacement() }
                    unit = low // the second escape stands on its own
                    continue
                }
                if decode { scratch.appendReplacement() }
                return
            case 0xDC00...0xDFFF:
                if decode { scratch.appendReplacement() }
                return
            default:
                if unit == 0 { decodedNUL = true }
                if decode { scratch.appendScalar(unit) }
                return
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard try ensure(1) else { throw fail("unexpected end of file in a \\u escape") }
            let b = buffer[pos]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw fail("invalid hex digit \(describe(b)) in a \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    // MARK: Numbers and literals

    /// Reads an RFC 8259 number; with `decode`, its literal text is then `text`.
    mutating func readNumber(decode: Bool) throws {
        let startOffset = offset
        if decode { scratch.removeAll() }
        var b = try peek()
        if b == 0x2D { // -
            if decode { scratch.append(0x2D) }
            pos += 1
            b = try peek()
        }
        guard let first = b, isDigit(first) else { throw unexpected(b, expecting: "a digit") }
        if first == 0x30 {
            if decode { scratch.append(0x30) }
            pos += 1
        } else {
            try digits(decode: decode, startOffset: startOffset)
        }
        if try peek() == 0x2E { // .
            if decode { scratch.append(0x2E) }
            pos += 1
            let d = try peek()
            guard let d, isDigit(d) else { throw unexpected(d, expecting: "a digit after '.'") }
            try digits(decode: decode, startOffset: startOffset)
        }
        if let e = try peek(), e == 0x65 || e == 0x45 { // e E
            if decode { scratch.append(e) }
            pos += 1
            if let s = try peek(), s == 0x2B || s == 0x2D {
                if decode { scratch.append(s) }
                pos += 1
            }
            let d = try peek()
            guard let d, isDigit(d) else { throw unexpected(d, expecting: "a digit in the exponent") }
            try digits(decode: decode, startOffset: startOffset)
        }
        if decode {
            textStart = UnsafePointer(scratch.start)
            textCount = scratch.count
        }
    }

    private mutating func digits(decode: Bool, startOffset: Int) throws {
        while let d = try peek(), isDigit(d) {
            let runStart = pos
            var p = pos
            while p < end && isDigit(buffer[p]) { p += 1 }
            if decode { scratch.append(buffer + runStart, p - runStart) }
            pos = p
            if offset - startOffset > maxStringBytes {
                throw fail("a number longer than \(maxStringBytes) bytes")
            }
        }
    }

    @inline(__always)
    private func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// `true`, `false` or `null` starting at the next byte.
    mutating func readLiteral() throws -> JSONLiteral {
        let b = try peek()
        let literal: JSONLiteral
        switch b {
        case 0x74: literal = .true
        case 0x66: literal = .false
        case 0x6E: literal = .null
        default: throw unexpected(b, expecting: "a value")
        }
        let text = literal.bytes
        for (i, expected) in text.enumerated() {
            guard try ensure(i + 1) else { throw fail("unexpected end of file in a literal") }
            if buffer[pos + i] != expected {
                pos += i
                throw unexpected(buffer[pos], expecting: "'\(literal.text)'")
            }
        }
        pos += text.count
        return literal
    }

    // MARK: Skipping

    /// Reads and discards the value starting at the next non-white-space byte, validating it.
    /// `level` is the nesting level a container value would have (the item object is level 1);
    /// a container deeper than `maxDepth` is fatal.
    mutating func skipValue(level: Int) throws {
        skipStack.removeAll(keepingCapacity: true)
        var b = try peekNonWhitespace()
        while true {
            // A value starts at `b` (NUL stands for the end of the file: no value starts with either).
            switch b ?? 0 {
            case 0x7B, 0x5B: // { [
                let isObject = b == 0x7B
                if level + skipStack.count > maxDepth { throw tooDeep() }
                pos += 1
                let next = try peekNonWhitespace()
                if next == (isObject ? 0x7D : 0x5D) {
                    pos += 1
                } else {
                    skipStack.append(isObject ? 0x7D : 0x5D)
                    if isObject { try skipKey(next) }
                    b = try peekNonWhitespace()
                    continue
                }
            case 0x22:
                try readString(decode: false)
            case 0x2D, 0x30...0x39:
                try readNumber(decode: false)
            case 0x74, 0x66, 0x6E:
                _ = try readLiteral()
            default:
                throw unexpected(b, expecting: "a value")
            }
            // After a value: close containers or move to the next member.
            afterValue: while true {
                guard let closer = skipStack.last else { return }
                if try continueAfterValue(closer: closer) {
                    if closer == 0x7D { try skipKey(try peekNonWhitespace()) }
                    b = try peekNonWhitespace()
                    break afterValue
                }
                skipStack.removeLast()
            }
        }
    }

    /// A member name and its colon, inside a skipped object.
    private mutating func skipKey(_ b: UInt8?) throws {
        guard b == 0x22 else { throw unexpected(b, expecting: "a member name") }
        try readString(decode: false)
        try expect(0x3A, "':'")
    }

    func tooDeep() -> FatalInputError {
        fail("nesting deeper than \(maxDepth) levels")
    }

    /// Whether the file has nothing but white space left.
    mutating func atEndOfInput() throws -> Bool { try peekNonWhitespace() == nil }
}

/// The three JSON literals.
enum JSONLiteral {
    case `true`, `false`, null

    var text: String {
        switch self {
        case .true: return "true"
        case .false: return "false"
        case .null: return "null"
        }
    }

    var bytes: [UInt8] {
        switch self {
        case .true: return JSONLiteral.trueBytes
        case .false: return JSONLiteral.falseBytes
        case .null: return JSONLiteral.nullBytes
        }
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
}

// MARK: UTF-8

/// The length of the sequence a lead byte starts, or 0 when it cannot start one.
@inline(__always)
private func utf8Length(_ lead: UInt8) -> Int {
    switch lead {
    case 0xC2...0xDF: return 2
    case 0xE0...0xEF: return 3
    case 0xF0...0xF4: return 4
    default: return 0
    }
}

/// Whether the `n` bytes at `p` (lead byte first) are one well-formed sequence (Unicode
/// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
@inline(__always)
private func utf8Valid(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Bool {
    let lead = p[0]
    let b1 = p[1]
    let low: UInt8
    let high: UInt8
    switch lead {
    case 0xE0: (low, high) = (0xA0, 0xBF)
    case 0xED: (low, high) = (0x80, 0x9F)
    case 0xF0: (low, high) = (0x90, 0xBF)
    case 0xF4: (low, high) = (0x80, 0x8F)
    default: (low, high) = (0x80, 0xBF)
    }
    guard b1 >= low && b1 <= high else { return false }
    if n >= 3 && p[2] & 0xC0 != 0x80 { return false }
    if n == 4 && p[3] & 0xC0 != 0x80 { return false }
    return true
}

private let lowBits: UInt64 = 0x0101_0101_0101_0101
private let spaceBits: UInt64 = 0x2020_2020_2020_2020
private let highBits: UInt64 = 0x8080_8080_8080_8080

/// A growable byte buffer on raw memory: `removeAll` and `append` are a store and a copy, with
/// none of `Array`'s generic paths. Freed by `deallocate()`.
struct ByteScratch {
    private(set) var start: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        self.start = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    func deallocate() { start.deallocate() }

    @inline(__always)
    mutating func removeAll() { count = 0 }

    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: start, count: count)
        start.deallocate()
        start = grown
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if count == capacity { reserve(1) }
        start[count] = b
        count += 1
    }

    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (start + count).update(from: p, count: n)
        count += n
    }

    mutating func append(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) { append(UnsafePointer(p), n) }

    mutating func appendReplacement() {
        append(0xEF)
        append(0xBF)
        append(0xBD)
    }

    /// Appends a Unicode scalar value (never a surrogate) as UTF-8.
    mutating func appendScalar(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            append(UInt8(v))
        case 0x80..<0x800:
            append(UInt8(0xC0 | v >> 6))
            append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            append(UInt8(0xE0 | v >> 12))
            append(UInt8(0x80 | v >> 6 & 0x3F))
            append(UInt8(0x80 | v & 0x3F))
        default:
            append(UInt8(0xF0 | v >> 18))
            append(UInt8(0x80 | v >> 12 & 0x3F))
            append(UInt8(0x80 | v >> 6 & 0x3F))
            append(UInt8(0x80 | v & 0x3F))
        }
    }
}
