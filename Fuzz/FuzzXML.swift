// libFuzzer target for XMLRecordReader (Scripts/fuzz.sh xml SECONDS).
//
// Besides "no crash, no sanitizer report, no unbounded memory or time", every input is checked:
// - read in 1..13-byte source chunks and 64-byte parser chunks, it gives the same records
//   (before a fatal error: one list a prefix of the other) and the same end as in one chunk;
// - it agrees with libxml2's own tree parser (xmlReadMemory, NONET): a document the reader
//   accepts is well-formed, and a well-formed one without a DOCTYPE (or a NUL byte) is accepted;
// - nothing of a local file an entity or DTD names is ever read: /tmp/mca-fuzz-secret.txt
//   (seeds refer to it) is rewritten with another marker and the input read again, and the
//   records and the error must not change. (A check for the marker in the output would not do:
//   the fuzzer learns the marker from that memcmp and writes it into inputs in pieces,
//   "FUZZ-SECRE<?pi?>T-…" or "FUZZ&#45;SECRET…", which the reader rightly joins.)
// - record lines are >= 1 and never go back; values keep within maxFieldBytes;
// - when emit throws, the reader stops at once and rethrows that error.
#if canImport(Glibc)
import Glibc
#endif
import CLibXML2
import MCAIngest
import MCAModel

/// The local file seeds point entities, DTDs and XIncludes at; its content must never matter.
private let secretPath = "/tmp/mca-fuzz-secret.txt"

private func writeSecret(_ marker: String) {
    let text = "<Customer customerId=\"\(marker)\"><CompanyName>\(marker)</CompanyName></Customer>\n\(marker)\n"
    guard let f = fopen(secretPath, "w") else { return }
    _ = text.withCString { fputs($0, f) }
    fclose(f)
}

private let secretWritten: Void = writeSecret("FUZZ-SECRET-7d1e0c")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = secretWritten
    var wellFormedByLibxml: Bool?
    for schema in [Schema.customers, .agreements, .subscriptions, .orders] {
        let name = "xml/\(schema.kind)"
        let whole = readOutcome(XMLRecordReader(), bytes, schema: schema, chunk: 1 << 20)
        require(whole.other == nil, "\(name): unexpected error \(whole.other ?? "")")

        writeSecret("OTHER-SECRET-51a9f3")
        let otherSecret = readOutcome(XMLRecordReader(), bytes, schema: schema, chunk: 1 << 20)
        writeSecret("FUZZ-SECRET-7d1e0c")
        if otherSecret != whole {
            describeDifference(whole, otherSecret, "one secret", "another secret")
            require(false, "\(name): the content of a local file changed what was read")
        }

        let chunk = smallChunk(bytes)
        let small = XMLRecordReader(chunkSize: 64)
        let chunked = readOutcome(small, bytes, schema: schema, chunk: chunk)
        // libxml2's own message and line for the same error can depend on where a chunk ends
        // ("Input is not proper UTF-8" or "detected an error in element content"; invalid bytes
        // inside a CDATA section are reported at its start when it is whole in one chunk, at the
        // bytes' own line when it is not): the records and the error code may not.
        if !sameRecords(chunked, whole) || !sameEnd(chunked, whole) {
            describeDifference(whole, chunked, "one chunk", "\(chunk)-byte source, 64-byte parser chunks")
            require(false, "\(name): reading in chunks differs from one read")
        }

        var previous = 1
        for r in whole.records {
            require(r.line >= previous, "\(name): record line \(r.line) after \(previous)")
            previous = r.line
            for v in r.values.compactMap({ $0 }) {
                require(v.utf8.count <= 1 << 20, "\(name): a value of \(v.utf8.count) bytes passed maxFieldBytes")
            }
            require(r.warnings.isEmpty, "\(name): unexpected warnings \(r.warnings)")
            if let rejection = r.rejection { require(rejection.code == .malformedRow, "\(name): unexpected rejection \(rejection)") }
        }
        if let e = whole.fatal {
            require(e.code == .malformedDocument, "\(name): unexpected fatal code \(e.code)")
            require(e.line >= 1, "\(name): fatal error at line \(e.line)")
        }

        // A small field limit exercises the rejection of long values.
        let tight = readOutcome(XMLRecordReader(maxFieldBytes: 8), bytes, schema: schema, chunk: 1 << 20)
        require(tight.records.count == whole.records.count && sameEnd(tight, whole),
                "\(name): maxFieldBytes changed the records or the error")
        for r in tight.records {
            for v in r.values.compactMap({ $0 }) { require(v.utf8.count <= 8, "\(name): value over maxFieldBytes 8: \(v.debugDescription)") }
        }

        let wellFormed = wellFormedByLibxml ?? libxmlTreeParserAccepts(bytes)
        wellFormedByLibxml = wellFormed
        if whole.fatal == nil {
            require(wellFormed, "\(name): the reader accepted a document libxml2's tree parser rejects")
        } else if wellFormed && !contains(bytes, Array("<!DOCTYPE".utf8)) && !bytes.contains(0) {
            // (libxml2's tree parser takes a NUL byte after the root element for the end of the
            // input and ignores what follows; the push parser rightly refuses that content.)
            require(false, "\(name): the reader rejected a well-formed document without a DOCTYPE: \(whole.fatal!)")
        }

        let emittedInBoth = min(whole.records.count, chunked.records.count)
        if emittedInBoth > 0 {
            checkStopsWhenEmitThrows(XMLRecordReader(), bytes, schema: schema, chunk: chunk,
                                     stopAt: 1 + bytes.count % emittedInBoth, target: name)
        }
    }
    return 0
}

/// libxml2's tree parser with the reader's options (no network, no entity substitution, no DTD
/// loading); depth over 256 is refused by it too.
private func libxmlTreeParserAccepts(_ bytes: [UInt8]) -> Bool {
    let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
    let doc = bytes.withUnsafeBufferPointer { b -> xmlDocPtr? in
        b.baseAddress?.withMemoryRebound(to: CChar.self, capacity: b.count) {
            xmlReadMemory($0, Int32(b.count), "fuzz.xml", nil, options)
        }
    }
    guard let doc else { return false }
    xmlFreeDoc(doc)
    return true
}

/// The same records; when both reads end in a fatal error, one's records may be a prefix of the
/// other's: in a document declared in another encoding (converted by iconv), where a conversion
/// error is found depends on the chunks, and the run stops either way (exit 65, no report).
private func sameRecords(_ a: ReadOutcome, _ b: ReadOutcome) -> Bool {
    if a.records == b.records { return true }
    guard a.fatal != nil, b.fatal != nil else { return false }
    let n = min(a.records.count, b.records.count)
    return Array(a.records.prefix(n)) == Array(b.records.prefix(n))
}

/// The same kind of end: no error, or a fatal error of the same code.
private func sameEnd(_ a: ReadOutcome, _ b: ReadOutcome) -> Bool {
    a.other == b.other && a.fatal?.code == b.fatal?.code
}
