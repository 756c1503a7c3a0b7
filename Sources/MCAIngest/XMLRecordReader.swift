#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import MCAModel

/// Reads an XML export (docs/inputs.md, "XML, JSON and dates") with libxml2's SAX2 push parser, streaming.
///
/// Each element whose normalised local name is one of `schema.recordElements` is one record,
/// at the line of its start tag. A record's fields are its own attributes, the text of its
/// leaf child elements, and the attributes and leaf texts of nested elements named in
/// `schema.nestedContainers` (`<PrimaryContact>`, `<Acceptance>`, `<CompanyProfile>`, …);
/// any other child element that has children is skipped whole, and unknown names are ignored.
/// Names match by local name, whatever their namespace. The first value of a field wins. For
/// orders, every line item takes the fields of its `<Order>` (its own value wins); an order
/// with no line item is one record itself.
///
/// Security: the parser runs with `XML_PARSE_NONET` and never with `NOENT`, `DTDLOAD`,
/// `DTDATTR`, `DTDVALID`, `XINCLUDE` or `HUGE`. An `<!ENTITY` declaration or an external DTD
/// reference makes the document fatal before anything is loaded or expanded, so there is no
/// XXE and no entity bomb. A document that is not well-formed or is truncated is fatal
/// (`MALFORMED_DOCUMENT`, with libxml2's line), never a silent partial read. Invalid UTF-8 is
/// not well-formed XML, so libxml2 rejects the whole document for it (unlike CSV, where only
/// the row is rejected).
///
/// Memory stays bounded: text is kept only for elements that map to a field, capped at
/// `maxFieldBytes` (a longer value rejects its record with `MALFORMED_ROW`); nesting deeper than
/// `maxDepth` is fatal; libxml2 without `HUGE` caps names, attribute values and its lookahead at
/// 10 MB (beyond that the document is fatal). The one exception is an order's line items, which
/// are held until `</Order>` because the order's own fields may come after them.
public struct XMLRecordReader: RecordReader, Sendable {
    /// Bytes handed to libxml2 per `xmlParseChunk` call.
    public let chunkSize: Int
    /// Longest value kept for one field; a longer one rejects its record (`MALFORMED_ROW`).
    public let maxFieldBytes: Int
    /// Deepest element nesting accepted (libxml2's default limit, which its push parser does not
    /// apply itself); deeper is fatal.
    public static let maxDepth = 256

    /// - Parameters:
    ///   - chunkSize: bytes read from the source and parsed at a time.
    ///   - maxFieldBytes: longest field value kept before the record is rejected.
    public init(chunkSize: Int = 256 * 1024, maxFieldBytes: Int = 1 << 20) {
        self.chunkSize = max(chunkSize, 64)
        self.maxFieldBytes = max(maxFieldBytes, 1)
    }

    /// Reads every record of `source` in document order and hands it to `emit`.
    ///
    /// - Throws: `FatalInputError` (`MALFORMED_DOCUMENT`) when the document is not well-formed,
    ///   truncated, nested too deeply or declares entities or an external DTD; any error the
    ///   source or `emit` throws, unchanged (parsing stops at once).
    public func read(_ source: any ByteSource, schema: Schema, emit: (RawRecord) throws -> Void) throws {
        try withoutActuallyEscaping(emit) { emit in
            try XMLParseState.run(source, chunkSize: chunkSize, schema: schema, maxFieldBytes: maxFieldBytes,
                                  emit: emit)
        }
    }
}

/// Everything one parse needs: the libxml2 context, the callbacks' state and the record being
/// assembled (mapping elements to records is in XMLRecordReader+Mapping.swift).
///
/// It lives behind an `UnsafeMutablePointer` handed to libxml2 as the SAX user data: the C
/// callbacks mutate it in place, without the retain/release and dynamic exclusivity checks a
/// class instance costs on every callback (measured: a large share of the run time on a 100 MB file).
struct XMLParseState {
    let schema: Schema
    let maxFieldBytes: Int
    let emit: (RawRecord) throws -> Void
    var ctxt: xmlParserCtxtPtr?

    /// What stopped the parse from our side (entity declaration, depth, an error `emit` threw).
    var failure: (any Error)?
    /// The first fatal error libxml2 reported.
    var libxmlError: (code: Int32, line: Int, message: String)?

    // Mapping state (see XMLRecordReader+Mapping.swift).
    var frames: [XMLFrame] = []
    var openElements: [(name: UnsafePointer<xmlChar>, line: Int32)] = []
    var record = RawRecord()
    var order = RawRecord()
    var orderOpen = false
    /// The fields the current order has, in the order they were set (few: usually 3 or 4).
    var orderFields: [Field] = []
    /// The current order's line items are the first `orderItemCount`.
    var orderItems: [RawRecord] = []
    var orderItemCount = 0
    var text: [UInt8] = []
    var textOverflow = false
    /// Whether any element started: a document without one is empty rather than truncated.
    var sawElement = false
    var names = XMLNameCache()

    init(schema: Schema, maxFieldBytes: Int, emit: @escaping (RawRecord) throws -> Void) {
        self.schema = schema
        self.maxFieldBytes = maxFieldBytes
        self.emit = emit
        frames.reserveCapacity(64)
        openElements.reserveCapacity(64)
        text.reserveCapacity(256)
    }

    /// Process-wide defence in depth, done once: even if some code path tried to load an external
    /// entity or DTD, the loader refuses. Only this reader uses libxml2 in the process.
    private static let processGuards: Void = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
    }()

    /// Where libxml2's default handler writes unstructured messages during a parse (it writes to
    /// the handler's context as a `FILE *`).
    nonisolated(unsafe) private static let discardedOutput = UnsafeMutableRawPointer(fopen("/dev/null", "w"))

    static func run(_ source: any ByteSource, chunkSize: Int, schema: Schema, maxFieldBytes: Int,
                    emit: @escaping (RawRecord) throws -> Void) throws {
        _ = processGuards
        let state = UnsafeMutablePointer<XMLParseState>.allocate(capacity: 1)
        state.initialize(to: XMLParseState(schema: schema, maxFieldBytes: maxFieldBytes, emit: emit))
        // Releases `emit` before the caller's withoutActuallyEscaping checks it did not escape.
        defer {
            state.deinitialize(count: 1)
            state.deallocate()
        }
        // Errors libxml2 raises without a parser context (a byte the declared encoding cannot
        // convert) go to this thread's handlers, which print to stderr: route the structured ones
        // to this parse and the unstructured ones ("xmlParseChunk: encoder error") to /dev/null.
        xmlSetStructuredErrorFunc(state) { ctx, error in
            guard let state = XMLParseState.from(ctx), let error else { return }
            state.pointee.noteLibxmlError(error.pointee)
        }
        xmlSetGenericErrorFunc(discardedOutput, nil)
        defer {
            xmlSetStructuredErrorFunc(nil, nil)
            xmlSetGenericErrorFunc(nil, nil)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        guard let base = buffer.baseAddress else { return }

        // libxml2 detects the encoding (BOM, UTF-16) from the first 4 bytes given at creation.
        var filled = 0
        while filled < 4 {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        let head = min(filled, 4)
        var sax = makeSAXHandler()
        let first = base.assumingMemoryBound(to: CChar.self)
        guard let ctxt = xmlCreatePushParserCtxt(&sax, state, first, Int32(head), nil) else {
            throw FatalInputError(line: 0, code: .malformedDocument, message: "libxml2 could not create an XML parser")
        }
        state.pointee.ctxt = ctxt
        defer {
            state.pointee.ctxt = nil
            // For "expat compatibility in SAX mode" libxml2 records an entity declaration in a
            // document of its own (ctxt->myDoc) even with our entityDecl callback set, and
            // xmlFreeParserCtxt does not free that document.
            if let doc = ctxt.pointee.myDoc {
                ctxt.pointee.myDoc = nil
                xmlFreeDoc(doc)
            }
            xmlFreeParserCtxt(ctxt)
        }
        // Only NONET: no NOENT (entity substitution), DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE.
        _ = xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue))
        // Not left to libxml2's process-wide defaults, which other code could have changed.
        ctxt.pointee.replaceEntities = 0
        ctxt.pointee.loadsubset = 0
        ctxt.pointee.validate = 0

        if filled > head {
            try parse(state, ctxt, base + head, filled - head, terminate: false)
        }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            try parse(state, ctxt, base, n, terminate: false)
        }
        try parse(state, ctxt, nil, 0, terminate: true)
    }

    /// Feeds one chunk. Static on purpose: the callbacks mutate the state through the pointer
    /// while `xmlParseChunk` runs, so no access to it (such as a mutating method's `self`) may
    /// span that call.
    private static func parse(_ state: UnsafeMutablePointer<XMLParseState>, _ ctxt: xmlParserCtxtPtr,
                              _ bytes: UnsafeMutableRawPointer?, _ count: Int, terminate: Bool) throws {
        let rc = xmlParseChunk(ctxt, bytes?.assumingMemoryBound(to: CChar.self), Int32(count), terminate ? 1 : 0)
        if let failure = state.pointee.failure { throw failure }
        if rc != 0 || ctxt.pointee.wellFormed == 0 { throw state.pointee.documentError(code: rc, atEnd: terminate) }
    }

    /// The fatal error for a document libxml2 found not well-formed; `atEnd` when it was found at
    /// the end of the input, where an open element means the file was cut short.
    private func documentError(code: Int32, atEnd: Bool) -> FatalInputError {
        guard let e = libxmlError else {
            return FatalInputError(line: currentLine, code: .malformedDocument,
                                   message: "XML document is not well-formed (libxml2 error \(code))")
        }
        // An error raised without a parser context (a byte the declared encoding cannot convert)
        // has no line of its own and says nothing about the document's structure.
        if e.line == 0 {
            return FatalInputError(line: currentLine, code: .malformedDocument,
                                   message: "XML document is not well-formed: \(e.message)")
        }
        if atEnd, !sawElement {
            return FatalInputError(line: e.line, code: .malformedDocument,
                                   message: "XML document is empty: it has no root element (\(e.message))")
        }
        if atEnd, let open = openElements.last {
            let name = String(cString: open.name)
            return FatalInputError(
                line: e.line, code: .malformedDocument,
                message: "XML document is truncated: it ends inside <\(name)> opened at line \(open.line)"
                    + " (\(e.message))")
        }
        return FatalInputError(line: e.line, code: .malformedDocument,
                               message: "XML document is not well-formed: \(e.message)")
    }

    /// Stops the parse from inside a callback; `parse` then throws `error`.
    mutating func stop(_ error: any Error) {
        if failure == nil { failure = error }
        if let ctxt { xmlStopParser(ctxt) }
    }

    mutating func stopDocument(_ message: String) {
        stop(FatalInputError(line: currentLine, code: .malformedDocument, message: message))
    }

    /// The line libxml2 is at (the end of the construct just parsed).
    var currentLine: Int {
        guard let input = ctxt?.pointee.input else { return 0 }
        return Int(input.pointee.line)
    }

    /// The line of the `<` of the start tag just parsed; `currentLine` is that of its `>`, which
    /// differs for a start tag written over several lines. The whole tag is still in libxml2's
    /// input buffer during the start-element callback, and `<` cannot occur inside it.
    func startTagLine() -> Int {
        guard let input = ctxt?.pointee.input else { return 0 }
        let line = Int(input.pointee.line)
        guard let base = input.pointee.base, let cur = input.pointee.cur else { return line }
        var p = UnsafeRawPointer(cur)
        let start = UnsafeRawPointer(base)
        var newlines = 0
        // Eight bytes at a time while they hold neither `<` nor a newline (most of a tag).
        while p - start >= 8 {
            let word = (p - 8).loadUnaligned(as: UInt64.self)
            if Self.hasByte(word, 0x3C) || Self.hasByte(word, 0x0A) { break }
            p -= 8
        }
        while p > start {
            p -= 1
            switch p.load(as: UInt8.self) {
            case 0x3C: return line - newlines
            case 0x0A: newlines += 1
            default: continue
            }
            // After a newline the tag may still be long: go back to words.
            while p - start >= 8 {
                let word = (p - 8).loadUnaligned(as: UInt64.self)
                if Self.hasByte(word, 0x3C) || Self.hasByte(word, 0x0A) { break }
                p -= 8
            }
        }
        return line
    }

    /// Whether any byte of `word` is `byte` (the classic has-zero-byte test on `word ^ byte…`).
    @inline(__always)
    private static func hasByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
    }

    mutating func noteLibxmlError(_ error: xmlError) {
        guard libxmlError == nil, error.level == XML_ERR_FATAL else { return }
        var message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        while let last = message.last, last.isWhitespace { message.removeLast() }
        // Some messages run over two lines ("…indicate encoding !\nBytes: 0xE9 …"); a diagnostic is one.
        message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        libxmlError = (error.code, Int(error.line), message)
    }

    /// What a (local) element or attribute name means in the schema.
    mutating func info(for name: UnsafePointer<xmlChar>) -> XMLNameInfo {
        if let info = names.lookup(name) { return info }
        let normalized = normalizedKey(String(cString: name))
        let info = XMLNameInfo(
            field: schema.namedField(forNormalizedName: normalized),
            isRecord: schema.recordElements.contains(normalized),
            isContainer: schema.containerElement == normalized,
            nested: schema.nestedContainers[normalized])
        // Only a name interned in the context's dictionary keeps its address and contents for
        // the whole parse, so only such a name may be cached by address.
        if let dict = ctxt?.pointee.dict, xmlDictOwns(dict, name) == 1 { names.insert(name, info) }
        return info
    }

    /// The SAX2 callbacks. Everything not set stays NULL, so libxml2 builds no tree, looks up no
    /// entity and loads nothing; `serror` keeps libxml2 from printing to stderr.
    private static func makeSAXHandler() -> xmlSAXHandler {
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { ctx, localname, _, _, _, _, nbAttributes, nbDefaulted, attributes in
            guard let state = XMLParseState.from(ctx), let localname else { return }
            // Defaulted attributes (from an ATTLIST in the internal subset) come last; they are not
            // in the document, so they are not read.
            let count = Int(nbAttributes) - Int(nbDefaulted)
            state.pointee.startElement(localname, attributes: count > 0 ? attributes : nil, count: max(count, 0))
        }
        sax.endElementNs = { ctx, _, _, _ in
            XMLParseState.from(ctx)?.pointee.endElement()
        }
        sax.characters = { ctx, ch, len in
            guard let state = XMLParseState.from(ctx), let ch, len > 0 else { return }
            state.pointee.characters(ch, Int(len))
        }
        sax.cdataBlock = { ctx, ch, len in
            guard let state = XMLParseState.from(ctx), let ch, len > 0 else { return }
            state.pointee.characters(ch, Int(len))
        }
        sax.internalSubset = { ctx, _, externalID, systemID in
            XMLParseState.from(ctx)?.pointee.refuseExternalDTD(externalID, systemID)
        }
        sax.externalSubset = { ctx, _, externalID, systemID in
            XMLParseState.from(ctx)?.pointee.refuseExternalDTD(externalID, systemID)
        }
        sax.entityDecl = { ctx, name, _, _, _, _ in
            XMLParseState.from(ctx)?.pointee.refuseEntityDeclaration(name)
        }
        sax.unparsedEntityDecl = { ctx, name, _, _, _ in
            XMLParseState.from(ctx)?.pointee.refuseEntityDeclaration(name)
        }
        sax.getEntity = { _, _ in nil }
        sax.getParameterEntity = { _, _ in nil }
        sax.resolveEntity = { _, _, _ in nil }
        sax.serror = { ctx, error in
            guard let state = XMLParseState.from(ctx), let error else { return }
            state.pointee.noteLibxmlError(error.pointee)
        }
        return sax
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<XMLParseState>? {
        ctx?.assumingMemoryBound(to: XMLParseState.self)
    }

    private mutating func refuseExternalDTD(_ externalID: UnsafePointer<xmlChar>?,
                                            _ systemID: UnsafePointer<xmlChar>?) {
        guard externalID != nil || systemID != nil else { return }
        let id = (systemID ?? externalID).map { String(cString: $0) } ?? ""
        stopDocument("XML document refers to an external DTD (\"\(id)\"); external DTDs are refused and nothing"
            + " is loaded")
    }

    private mutating func refuseEntityDeclaration(_ name: UnsafePointer<xmlChar>?) {
        let entity = name.map { String(cString: $0) } ?? ""
        stopDocument("XML document declares the entity '\(entity)' in its DTD; entity declarations are refused"
            + " (no expansion, no external entities)")
    }
}

/// What an element or attribute name means in the schema.
struct XMLNameInfo {
    var field: NamedField?
    var isRecord: Bool
    var isContainer: Bool
    /// The fields a nested element of this name may set (`Schema.nestedContainers`); `nil`: not one.
    var nested: FieldSet?
}

/// Names already resolved, by the address libxml2 interned them at: an open-addressing table
/// (names repeat on every record, and hashing an address is cheaper than hashing text).
struct XMLNameCache {
    private static let capacity = 1024
    private static let limit = capacity / 2
    private var keys = [UnsafeRawPointer?](repeating: nil, count: capacity)
    private var values = [XMLNameInfo](
        repeating: XMLNameInfo(field: nil, isRecord: false, isContainer: false, nested: nil), count: capacity)
    private var count = 0

    @inline(__always)
    private static func slot(_ key: UnsafeRawPointer) -> Int {
        Int(truncatingIfNeeded: (UInt(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 54) & (capacity - 1)
    }

    func lookup(_ name: UnsafePointer<xmlChar>) -> XMLNameInfo? {
        let key = UnsafeRawPointer(name)
        var i = Self.slot(key)
        while let k = keys[i] {
            if k == key { return values[i] }
            i = (i + 1) & (Self.capacity - 1)
        }
        return nil
    }

    /// Adds a name unless the table is full (then the name is simply resolved each time).
    mutating func insert(_ name: UnsafePointer<xmlChar>, _ info: XMLNameInfo) {
        guard count < Self.limit else { return }
        let key = UnsafeRawPointer(name)
        var i = Self.slot(key)
        while let k = keys[i] {
            if k == key { return }
            i = (i + 1) & (Self.capacity - 1)
        }
        keys[i] = key
        values[i] = info
        count += 1
    }
}
