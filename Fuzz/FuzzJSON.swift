// libFuzzer target for JSONRecordReader and JSONTokenizer (Scripts/fuzz.sh json SECONDS).
//
// Besides "no crash, no sanitizer report, no unbounded memory or time", every input is checked:
// - read through a 16-byte tokenizer buffer from 1..13-byte source chunks, it gives the same
//   records and the same fatal error (item, line and byte offset included) as in one read;
// - record lines (item numbers) start at 1 and go up by 0 or 1; a fatal error names item 0,
//   the last item emitted or the next one;
// - with small limits (maxDepth 3, maxStringBytes 24) it never emits a longer value and
//   emits a prefix of the unlimited read's records (or all of them) ;
// - a document the reader accepts in full is also accepted by a plain RFC 8259 validator
//   written here (bytes, not Unicode: invalid UTF-8 rejects an item, not the file);
// - when emit throws, the reader stops at once and rethrows that error.
#if canImport(Glibc)
import Glibc
#endif
import MCAIngest
import MCAModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // Deeper than the reader ever accepts (64 levels below the items array), shallow enough for the stack.
    let valid = ReferenceJSON.accepts(bytes, maxDepth: 80)
    for schema in [Schema.customers, .agreements, .subscriptions, .orders] {
        let name = "json/\(schema.kind)"
        let whole = readOutcome(JSONRecordReader(), bytes, schema: schema, chunk: 1 << 20)
        require(whole.other == nil, "\(name): unexpected error \(whole.other ?? "")")

        let chunk = smallChunk(bytes)
        let chunked = readOutcome(JSONRecordReader(bufferSize: 16), bytes, schema: schema, chunk: chunk)
        if chunked != whole {
            describeDifference(whole, chunked, "one read", "\(chunk)-byte source, 16-byte buffer")
            require(false, "\(name): reading in chunks differs from one read")
        }

        var last = 0
        for r in whole.records {
            require(r.line == last || r.line == last + 1, "\(name): record line \(r.line) after \(last)")
            require(r.line >= 1, "\(name): record line \(r.line)")
            last = r.line
            require(r.warnings.isEmpty, "\(name): unexpected warnings \(r.warnings)")
            if let rejection = r.rejection {
                require(rejection.code == .malformedRow || rejection.code == .invalidUTF8, "\(name): unexpected rejection \(rejection)")
            }
        }
        if let e = whole.fatal {
            require(e.code == .malformedDocument, "\(name): unexpected fatal code \(e.code)")
            require(e.line == 0 || e.line == last || e.line == last + 1, "\(name): fatal error at item \(e.line) after item \(last)")
        } else {
            require(valid, "\(name): the reader accepted a document that is not JSON")
        }

        let limited = readOutcome(JSONRecordReader(maxDepth: 3, maxStringBytes: 24, bufferSize: 16), bytes,
                                  schema: schema, chunk: chunk)
        require(limited.records.count <= whole.records.count, "\(name): tighter limits emitted more records")
        if limited.fatal == nil {
            require(limited == whole, "\(name): tighter limits that did not stop the read changed the records")
        } else {
            // Records before the limit was hit are the same as without limits.
            require(Array(whole.records.prefix(limited.records.count)) == limited.records,
                    "\(name): tighter limits changed the records read before them")
        }
        for r in limited.records {
            for v in r.values.compactMap({ $0 }) {
                // A value's encoded form is at most 24 bytes; decoding may triple it (U+FFFD per bad byte).
                require(v.utf8.count <= 72, "\(name): a value of \(v.utf8.count) bytes passed maxStringBytes 24")
            }
        }

        if !whole.records.isEmpty {
            checkStopsWhenEmitThrows(JSONRecordReader(bufferSize: 16), bytes, schema: schema, chunk: chunk,
                                     stopAt: 1 + bytes.count % whole.records.count, target: name)
        }
    }
    return 0
}

/// An RFC 8259 validator on a byte array: structure, strings (escapes, no raw control
/// characters), numbers and literals, after an optional UTF-8 BOM. Invalid UTF-8 inside a string
/// is allowed, as the reader rejects only the item that holds it.
enum ReferenceJSON {
    static func accepts(_ input: [UInt8], maxDepth: Int) -> Bool {
        var b = input[...]
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { b = b.dropFirst(3) }
        var p = Parser(b: Array(b), maxDepth: maxDepth)
        guard p.value(depth: 0) else { return false }
        p.ws()
        return p.i == p.b.count
    }

    struct Parser {
        let b: [UInt8]
        let maxDepth: Int
        var i = 0

        init(b: [UInt8], maxDepth: Int) { self.b = b; self.maxDepth = maxDepth }

        mutating func ws() { while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 } }

        mutating func value(depth: Int) -> Bool {
            ws()
            guard i < b.count, depth <= maxDepth else { return false }
            switch b[i] {
            case 0x7B: return object(depth: depth + 1)
            case 0x5B: return array(depth: depth + 1)
            case 0x22: return string()
            case 0x2D, 0x30...0x39: return number()
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default: return false
            }
        }

        mutating func object(depth: Int) -> Bool {
            i += 1
            ws()
            if i < b.count, b[i] == 0x7D { i += 1; return true }
            while true {
                ws()
                guard i < b.count, b[i] == 0x22, string() else { return false }
                ws()
                guard i < b.count, b[i] == 0x3A else { return false }
                i += 1
                guard value(depth: depth) else { return false }
                ws()
                guard i < b.count else { return false }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x7D { i += 1; return true }
                return false
            }
        }

        mutating func array(depth: Int) -> Bool {
            i += 1
            ws()
            if i < b.count, b[i] == 0x5D { i += 1; return true }
            while true {
                guard value(depth: depth) else { return false }
                ws()
                guard i < b.count else { return false }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x5D { i += 1; return true }
                return false
            }
        }

        mutating func string() -> Bool {
            i += 1
            while i < b.count {
                let c = b[i]
                if c == 0x22 { i += 1; return true }
                if c < 0x20 { return false }
                if c == 0x5C {
                    guard i + 1 < b.count else { return false }
                    let e = b[i + 1]
                    if e == 0x75 {
                        guard i + 6 <= b.count, b[(i + 2)..<(i + 6)].allSatisfy(isHex) else { return false }
                        i += 6
                        continue
                    }
                    guard [0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74].contains(e) else { return false }
                    i += 2
                    continue
                }
                i += 1
            }
            return false
        }

        mutating func number() -> Bool {
            if b[i] == 0x2D { i += 1 }
            guard i < b.count, isDigit(b[i]) else { return false }
            if b[i] == 0x30 { i += 1 } else { while i < b.count, isDigit(b[i]) { i += 1 } }
            if i < b.count, b[i] == 0x2E {
                i += 1
                guard i < b.count, isDigit(b[i]) else { return false }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
            if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                guard i < b.count, isDigit(b[i]) else { return false }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
            return true
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { return false }
            i += w.count
            return true
        }

        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
    }
}
