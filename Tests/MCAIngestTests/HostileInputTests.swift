#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MCAIngest
import MCAModel
import MCATestSupport
import Testing

/// What a reader did with an input: the records it emitted, then the fatal error, if any.
private struct Read {
    var records: [RawRecord] = []
    var fatal: FatalInputError?
}

private func read(_ reader: some RecordReader, _ bytes: [UInt8], _ schema: Schema = .customers,
                  chunk: Int = 1 << 20) -> Read {
    var out = Read()
    do {
        try reader.read(MemoryByteSource(bytes, chunkSize: chunk), schema: schema) { out.records.append($0) }
    } catch let e as FatalInputError {
        out.fatal = e
    } catch {
        Issue.record("unexpected error \(error)")
    }
    return out
}

private func csv(_ bytes: [UInt8], _ schema: Schema = .customers, chunk: Int = 1 << 20) -> Read {
    read(CSVRecordReader(), bytes, schema, chunk: chunk)
}

private func csv(_ text: String, _ schema: Schema = .customers, chunk: Int = 1 << 20) -> Read {
    csv(Array(text.utf8), schema, chunk: chunk)
}

private func xml(_ bytes: [UInt8], _ schema: Schema = .customers, chunk: Int = 1 << 20) -> Read {
    read(XMLRecordReader(), bytes, schema, chunk: chunk)
}

private func xml(_ text: String, _ schema: Schema = .customers, chunk: Int = 1 << 20) -> Read {
    xml(Array(text.utf8), schema, chunk: chunk)
}

private func json(_ bytes: [UInt8], _ schema: Schema = .customers, chunk: Int = 1 << 20) -> Read {
    read(JSONRecordReader(), bytes, schema, chunk: chunk)
}

private func json(_ text: String, _ schema: Schema = .customers, chunk: Int = 1 << 20) -> Read {
    json(Array(text.utf8), schema, chunk: chunk)
}

private func unterminatedMessage(_ line: Int) -> String {
    "a quoted field opened on line \(line) is never closed; the rest of the file cannot be read"
}

/// Inputs written to hurt: the readers must not crash, hang, grow without bound, read outside
/// the file or lose a row silently (docs/inputs.md). Complements the per-reader suites,
/// which cover the ordinary shapes and the first layer of these attacks.
@Suite struct HostileInputTests {
    // MARK: - CSV: quotes

    @Test(arguments: [1, 3, 1 << 20])
    func anUnterminatedQuoteEmitsTheRowsBeforeItAndNothingAfter(chunk: Int) {
        let r = csv("id,name\r\na,A\r\nb,B\r\nc,\"Open\r\nd,D\r\ne,E\r\n", chunk: chunk)
        #expect(r.records.map(\.line) == [2, 3])
        #expect(r.records.map { $0[.customerId] } == ["a", "b"])
        #expect(r.fatal == FatalInputError(line: 4, code: .unterminatedQuote, message: unterminatedMessage(4)))
    }

    @Test func anUnterminatedQuoteInTheHeaderIsFatalAtLineOne() {
        let r = csv("\"id,name\na,A\n")
        #expect(r.records.isEmpty)
        #expect(r.fatal == FatalInputError(line: 1, code: .unterminatedQuote, message: unterminatedMessage(1)))
    }

    @Test(arguments: ["id,name\na,\"", "id,name\na,\"x\"\"", "id,name\na,\"x\"\"\"\"\n\n"])
    func aQuoteLeftOpenAtTheEndOfTheFileIsFatal(text: String) {
        let r = csv(text, chunk: 2)
        #expect(r.records.isEmpty)
        #expect(r.fatal?.code == .unterminatedQuote)
        #expect(r.fatal?.line == 2)
    }

    @Test func anUnterminatedQuoteAfterQuotedLineBreaksNamesItsOwnLine() {
        // Line breaks inside the earlier quoted field (CRLF, LF, lone CR) count as lines.
        let r = csv("id,name\na,\"x\r\ny\nz\rw\"\nb,\"never closed\n")
        #expect(r.records.map(\.line) == [2])
        #expect(r.fatal?.line == 6)
    }

    @Test func aQuoteInsideAnUnquotedFieldIsLiteral() {
        let r = csv("id,name\na,Say \"hi\"\nb,B\n")
        #expect(r.fatal == nil)
        #expect(r.records.map { $0[.companyName] } == ["Say \"hi\"", "B"])
        #expect(r.records.allSatisfy { $0.rejection == nil })
    }

    // MARK: - CSV: NUL bytes

    @Test(arguments: [1, 1 << 20])
    func aNULInAMappedColumnRejectsOnlyThatRow(chunk: Int) {
        let bytes = Array("id,name\na,\"A".utf8) + [0] + Array("B\"\nb,B\nc,".utf8) + [0] + Array("\n".utf8)
        let r = csv(bytes, chunk: chunk)
        #expect(r.fatal == nil)
        #expect(r.records.map(\.line) == [2, 3, 4])
        #expect(r.records.map { $0.rejection } == [
            RowIssue(.malformedRow, "NUL byte in column 'name'"), nil, RowIssue(.malformedRow, "NUL byte in column 'name'"),
        ])
        #expect(r.records[1][.companyName] == "B")
    }

    @Test func aNULInAnIgnoredColumnKeepsTheRow() {
        let r = csv(Array("id,name,notes\na,A,x".utf8) + [0] + Array("y\n".utf8))
        #expect(r.records.count == 1)
        #expect(r.records[0].rejection == nil)
        #expect(r.records[0][.companyName] == "A")
    }

    @Test func aFileOfNULBytesHasNoUsableHeader() {
        let r = csv([UInt8](repeating: 0, count: 4096))
        #expect(r.records.isEmpty)
        #expect(r.fatal?.code == .missingColumn)
        #expect(r.fatal?.line == 1)
    }

    // MARK: - CSV: encodings

    @Test(arguments: [
        [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFF], [0xE2, 0x82],
    ] as [[UInt8]])
    func malformedUTF8RejectsOnlyItsRow(bad: [UInt8]) {
        for chunk in [1, 1 << 20] {
            let r = csv(Array("id,name\na,x".utf8) + bad + Array("y\nb,B\n".utf8), chunk: chunk)
            #expect(r.records.map { $0.rejection } == [RowIssue(.invalidUTF8, "invalid UTF-8 in column 'name'"), nil])
            #expect(r.records.map(\.line) == [2, 3])
            #expect(r.records[1][.companyName] == "B")
        }
    }

    @Test func invalidUTF8InAnIgnoredColumnKeepsTheRow() {
        let r = csv(Array("id,name,notes\na,A,".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
        #expect(r.records.count == 1)
        #expect(r.records[0].rejection == nil)
    }

    @Test func invalidUTF8InTheHeaderLeavesThatColumnUnnamed() {
        // The header name is unreadable, so the required company name column is missing: fatal.
        let r = csv(Array("id,".utf8) + [0xFF] + Array("name\na,A\n".utf8))
        #expect(r.records.isEmpty)
        #expect(r.fatal?.code == .missingColumn)
        #expect(r.fatal?.message.hasPrefix("required column missing from the header: companyName") == true)
    }

    @Test func aWindows1252ExportRejectsTheRowsWithAccentsAndKeepsTheOthers() {
        let r = csv(Array("id,name\na,Caf".utf8) + [0xE9] + Array("\nb,Plain\n".utf8))
        #expect(r.records.map { $0.rejection?.code } == [.invalidUTF8, nil])
        #expect(r.records[1][.companyName] == "Plain")
    }

    @Test func aUTF16ExportIsUnusableNotMisread() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "id,name\r\na,A\r\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let r = csv(bytes)
        #expect(r.records.isEmpty)
        #expect(r.fatal?.code == .missingColumn)
    }

    // MARK: - CSV: sizes

    @Test func aTenMegabyteQuotedFieldIsReadWholeAndLinesStayRight() {
        // Commas, doubled quotes and line breaks inside: 10 MiB of value, 1,024 lines.
        let piece = "abc,\"\"def\"\"\n" + String(repeating: "x", count: 10_228)  // 10,240 bytes once unescaped
        let value = String(repeating: piece, count: 1_024)
        let text = "id,name\na,\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"\nb,B\n"
        let r = csv(text)
        #expect(r.fatal == nil)
        #expect(r.records.count == 2)
        #expect(r.records[0][.companyName]?.utf8.count == value.utf8.count)
        #expect(r.records[0][.companyName] == value)
        #expect(r.records.map(\.line) == [2, 2 + 1_024 + 1])
    }

    @Test func aTenMegabyteUnquotedFieldIsReadWhole() {
        let value = String(repeating: "0123456789", count: 1 << 20)
        let r = csv("id,name\na," + value + "\nb,B")
        #expect(r.records.map { $0[.companyName]?.utf8.count } == [10 << 20, 1])
        #expect(r.records.map(\.line) == [2, 3])
    }

    /// A pipe hands out 64 KiB per read. The scanner re-scans a record that does not fit from its
    /// start after each refill, so it must read much more than 64 KiB before re-scanning: refilling
    /// 64 KiB at a time made an 8 MiB field take some 20 times as long as from a file (quadratic;
    /// a 256 MiB record would have taken hours).
    @Test func aLongRecordFromAPipeTakesAboutAsLongAsFromAFile() {
        let text = "id,name\na,\"" + String(repeating: "q", count: 8 << 20) + "\"\nb,B\n"
        let clock = ContinuousClock()
        var fromFile = Read(), fromPipe = Read()
        let file = clock.measure { fromFile = csv(text, chunk: 1 << 30) }
        let pipe = clock.measure { fromPipe = csv(text, chunk: 64 << 10) }
        #expect(fromPipe.records.map(\.line) == [2, 3])
        #expect(fromPipe.records.map { $0[.companyName]?.utf8.count } == fromFile.records.map { $0[.companyName]?.utf8.count })
        #expect(pipe < file * 4 + .milliseconds(500), "from a file \(file), in 64 KiB reads \(pipe)")
    }

    @Test func aHundredThousandColumnHeader() {
        let columns = 100_000
        var header = "id,name"
        var row = "a,A"
        for i in 3...columns {
            header += ",c\(i)"
            row += ",\(i)"
        }
        let text = header + "\n" + row + "\n" + "b,B\n" + row + ",extra\n"
        let clock = ContinuousClock()
        var r = Read()
        let elapsed = clock.measure { r = csv(text) }
        #expect(r.fatal == nil)
        #expect(r.records.map { $0[.customerId] } == ["a", "b", "a"])
        #expect(r.records.map { $0.warnings } == [
            [],
            [RowIssue(.raggedRow, "2 fields where the header has 100000; the missing fields are empty")],
            [RowIssue(.raggedRow, "100001 fields where the header has 100000; the extra fields are ignored")],
        ])
        #expect(elapsed < .seconds(20))
    }

    // MARK: - CSV: line ends, byte order marks, empty and odd headers

    @Test(arguments: [1, 2, 3, 1 << 20])
    func mixedLineEndsEachCountOneLine(chunk: Int) {
        // CRLF, LF, lone CR, a blank CR line, a quoted CR LF, and no line end at the end.
        let r = csv("id,name\r\na,A\nb,B\rc,C\r\n\rd,\"D\r\nD\"\re,E", chunk: chunk)
        #expect(r.fatal == nil)
        #expect(r.records.map { $0[.customerId] } == ["a", "b", "c", "d", "e"])
        #expect(r.records.map(\.line) == [2, 3, 4, 6, 8])
        #expect(r.records[3][.companyName] == "D\r\nD")
    }

    @Test func onlyTheByteOrderMarkAtTheVeryStartIsSkipped() {
        let bom = "\u{FEFF}"
        // A second BOM belongs to the first header name, which still normalises to `id`; a BOM
        // in a value is kept by the reader (the row mapper trims it as white space).
        let r = csv(bom + bom + "id," + bom + "name\n" + bom + "a,A" + bom + "B\nb,B\n")
        #expect(r.fatal == nil)
        #expect(r.records.map { $0[.customerId] } == [bom + "a", "b"])
        #expect(r.records[0][.companyName] == "A" + bom + "B")
        let mapper = RowMapper(dates: try! DateParser())
        if case .success(let mapped) = mapper.customer(r.records[0]) {
            #expect(mapped.row.customerId == "a")
        } else {
            Issue.record("the row with a BOM was rejected")
        }
    }

    @Test(arguments: ["", "\u{FEFF}", "\n\n\r\n", "\u{FEFF}\r\n"])
    func anEmptyFileHasNoRowsAndNoError(text: String) {
        let r = csv(text)
        #expect(r.records.isEmpty)
        #expect(r.fatal == nil)
    }

    @Test(arguments: ["id,name", "id,name\n", "\n\nid,name\r\n\r\n\r\n"])
    func aHeaderOnlyHasNoRows(text: String) {
        let r = csv(text)
        #expect(r.records.isEmpty)
        #expect(r.fatal == nil)
    }

    @Test func duplicatedHeaderNamesTakeTheFirstColumn() {
        // `Customer ID` and `TenantId` are aliases of one field; `name` appears twice.
        let r = csv("Customer ID,name,TenantId,name,Name\nfirst-id,First,second-id,Second,Third\n")
        #expect(r.records.count == 1)
        #expect(r.records[0][.customerId] == "first-id")
        #expect(r.records[0][.companyName] == "First")
        #expect(r.records[0].warnings.isEmpty)
    }

    // MARK: - JSON

    @Test func everyTruncationOfADocumentIsFatal() {
        let doc = #"{"totalCount":2,"items":[{"id":"a","companyProfile":{"companyName":"A \u00e9"},"n":[1,-2.5e3,true,null]},{"id":"b","companyName":"B"}]}"#
        let bytes = Array(doc.utf8)
        #expect(json(bytes).fatal == nil)
        for cut in 0..<bytes.count {
            let r = json(Array(bytes[0..<cut]), chunk: 7)
            #expect(r.fatal?.code == .malformedDocument, "cut at \(cut) was read as complete")
            #expect(r.records.count <= 2)
        }
    }

    @Test(arguments: [10_000, 1_000_000])
    func deepNestingAnywhereIsFatalQuickly(depth: Int) {
        let clock = ContinuousClock()
        // In an ignored member of the wrapper, in an item, and in an ignored member of an item.
        let documents = [
            #"{"links":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + #","items":[]}"#,
            "[" + String(repeating: "[", count: depth),
            #"[{"id":"a","x":"# + String(repeating: #"{"a":"#, count: depth),
        ]
        for (i, doc) in documents.enumerated() {
            var r = Read()
            let elapsed = clock.measure { r = json(doc, chunk: 1 << 16) }
            #expect(r.fatal?.code == .malformedDocument, "document \(i)")
            #expect(r.fatal?.message.hasPrefix("nesting deeper than 64 levels") == true, "document \(i)")
            #expect(r.records.isEmpty)
            #expect(elapsed < .seconds(5), "document \(i)")
        }
    }

    @Test func containersWhereTextBelongsLeaveTheFieldEmpty() {
        let r = json(#"[{"id":{"value":"x"},"companyName":["A","B"],"domain":{"a":[{}]}},{"id":"ok","companyName":"OK"}]"#)
        #expect(r.fatal == nil)
        #expect(r.records.count == 2)
        #expect(r.records[0][.customerId] == nil)
        #expect(r.records[0][.companyName] == nil)
        #expect(r.records[0][.domain] == nil)
        #expect(r.records[0].rejection == nil)  // the mapper rejects it: MISSING_REQUIRED_FIELD
        #expect(r.records[1][.customerId] == "ok")
    }

    @Test func numbersWhereTextBelongsInOrdersKeepTheirLiteral() {
        let doc = #"[{"id":1001,"referenceCustomerId":12345678901234567890123,"creationDate":20181107,"#
            + #""lineItems":[{"lineItemNumber":0,"quantity":1e3},{"lineItemNumber":1.5,"quantity":-0}]}]"#
        let r = json(doc, .orders)
        #expect(r.fatal == nil)
        #expect(r.records.map { $0[.orderId] } == ["1001", "1001"])
        #expect(r.records.map { $0[.customerId] } == ["12345678901234567890123", "12345678901234567890123"])
        #expect(r.records.map { $0[.creationDate] } == ["20181107", "20181107"])
        #expect(r.records.map { $0[.quantity] } == ["1e3", "-0"])
        #expect(r.records.map { $0[.lineItemNumber] } == ["0", "1.5"])
        // The mapper turns them into INVALID_DATE / INVALID_QUANTITY rejections, not guesses.
        let mapper = RowMapper(dates: try! DateParser())
        for record in r.records {
            guard case .failure(let issue) = mapper.orderLine(record) else {
                Issue.record("order line \(record[.lineItemNumber] ?? "") was accepted")
                continue
            }
            #expect(issue.code == .invalidDate)
        }
    }

    @Test func lineItemsThatAreNotAnArrayMakeTheOrderOneRecord() {
        let r = json(#"[{"id":"o1","lineItems":5,"referenceCustomerId":"c","creationDate":"2018-11-07"},{"id":"o2","lineItems":{"quantity":"1"}}]"#, .orders)
        #expect(r.fatal == nil)
        #expect(r.records.map { $0[.orderId] } == ["o1", "o2"])
        #expect(r.records.map { $0[.quantity] } == [nil, nil])
    }

    @Test func aHugeNumberLiteralIsKeptAsText() {
        let digits = String(repeating: "9", count: 1 << 20)
        let r = json(#"[{"id":"# + digits + #","companyName":"A"}]"#, chunk: 4096)
        #expect(r.fatal == nil)
        #expect(r.records.first?[.customerId]?.utf8.count == 1 << 20)
    }

    // MARK: - XML: entities, external resources, the network

    @Test func everyTruncationOfADocumentIsFatalInXML() {
        let doc = "<?xml version=\"1.0\"?>\n<Customers><Customer customerId=\"a\"><CompanyName>A &amp; B</CompanyName><!-- c --></Customer>"
            + "<Customer id=\"b\"><![CDATA[x]]></Customer></Customers>"
        let bytes = Array(doc.utf8)
        #expect(xml(bytes).fatal == nil)
        for cut in 0..<bytes.count {
            let r = xml(Array(bytes[0..<cut]), chunk: 5)
            #expect(r.fatal?.code == .malformedDocument, "cut at \(cut) was read as complete")
        }
    }

    /// A local HTTP listener shows that no entity, DTD or XInclude makes the reader connect anywhere.
    @Test func nothingIsFetchedOverHTTP() throws {
        let listener = try LocalListener()
        defer { listener.close() }
        let url = "http://127.0.0.1:\(listener.port)/x"
        let documents = [
            "<!DOCTYPE Customers [<!ENTITY xxe SYSTEM \"\(url)\">]>\n<Customers><Customer customerId=\"&xxe;\"/></Customers>",
            "<!DOCTYPE Customers [<!ENTITY % p SYSTEM \"\(url)\"> %p;]>\n<Customers/>",
            "<!DOCTYPE Customers SYSTEM \"\(url)\">\n<Customers/>",
            "<!DOCTYPE Customers PUBLIC \"-//X//DTD Y//EN\" \"\(url)\">\n<Customers/>",
            "<?xml-stylesheet type=\"text/xsl\" href=\"\(url)\"?>\n<Customers><Customer customerId=\"c\" name=\"C\"/></Customers>",
            "<Customers xmlns:xi=\"http://www.w3.org/2001/XInclude\"><Customer customerId=\"c\"><CompanyName><xi:include href=\"\(url)\" parse=\"text\"/></CompanyName></Customer></Customers>",
            "<Customers xmlns=\"\(url)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"\(url) \(url)\"><Customer customerId=\"c\"/></Customers>",
        ]
        var outcomes: [Bool] = []
        for doc in documents { outcomes.append(xml(doc).fatal == nil) }
        // DTDs naming anything are fatal; a stylesheet PI, an XInclude or a schema location is just ignored.
        #expect(outcomes == [false, false, false, false, true, true, true])
        #expect(listener.connectionsSoFar() == 0)
    }

    @Test func anXIncludeOfALocalFileIsNotProcessed() throws {
        let secret = "SECRET-\(UInt64.random(in: 1 ... .max))"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mca-xinclude-\(secret).txt").path
        try Data(secret.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = xml("<Customers xmlns:xi=\"http://www.w3.org/2001/XInclude\"><Customer customerId=\"c\"><CompanyName>"
            + "<xi:include href=\"file://\(path)\" parse=\"text\"/></CompanyName></Customer></Customers>")
        #expect(r.fatal == nil)
        #expect(r.records.count == 1)
        // <CompanyName> has a child element, so it is no leaf value: nothing is taken from it.
        #expect(r.records[0][.companyName] == nil)
    }

    /// The quadratic blow-up: one large entity referred to many times, no nesting.
    @Test func quadraticBlowUpIsFatalAtTheDeclarationAndQuick() {
        let big = String(repeating: "A", count: 100_000)
        let refs = String(repeating: "&a;", count: 50_000)
        let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE Customers [<!ENTITY a \"\(big)\">]>\n<Customers><Customer customerId=\"c\"><CompanyName>\(refs)</CompanyName></Customer></Customers>"
        let clock = ContinuousClock()
        var r = Read()
        let elapsed = clock.measure { r = xml(doc) }
        #expect(r.fatal?.code == .malformedDocument)
        #expect(r.fatal?.line == 2)
        #expect(r.fatal?.message.contains("entity 'a'") == true)
        #expect(r.records.isEmpty)
        #expect(elapsed < .seconds(2))
    }

    @Test func aBillionLaughsInAnAttributeIsFatalToo() {
        var doc = "<!DOCTYPE Customers [\n<!ENTITY l0 \"lol\">\n"
        for i in 1...9 { doc += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">\n" }
        doc += "]>\n<Customers><Customer customerId=\"&l9;\" name=\"&l9;\"/></Customers>"
        let r = xml(doc)
        #expect(r.fatal?.code == .malformedDocument)
        #expect(r.fatal?.line == 2)
        #expect(r.records.isEmpty)
    }

    // MARK: - XML: sizes and bytes

    @Test func anAttributeValueOverLibxml2sLimitIsFatalNotBuffered() {
        // libxml2 without HUGE refuses an attribute value over 10,000,000 bytes.
        let doc = "<Customers>\n<Customer customerId=\"c\" name=\"" + String(repeating: "n", count: 10_000_001) + "\"/></Customers>"
        let r = xml(doc, chunk: 1 << 18)
        #expect(r.fatal?.code == .malformedDocument)
        #expect(r.records.isEmpty)
    }

    @Test func anElementNameOverLibxml2sLimitIsFatal() {
        let name = String(repeating: "N", count: 60_000)
        let r = xml("<Customers>\n<Customer customerId=\"c\"><\(name)/></Customer></Customers>")
        #expect(r.fatal?.code == .malformedDocument)
        #expect(r.fatal?.line == 2)
    }

    @Test(arguments: [("<Customers>\n<Cust", [UInt8(0xFF)], "omer customerId=\"c\"/></Customers>"),
                      ("<Customers>\n<Customer cust", [0xC3, 0x28], "omerId=\"c\"/></Customers>"),
                      ("<Customers>\n<Customer customerId=\"c\"><Company", [0xED, 0xA0, 0x80], "Name>x</CompanyName></Customer></Customers>")])
    func invalidUTF8InANameIsFatalWithItsLine(head: String, bad: [UInt8], tail: String) {
        for chunk in [3, 1 << 20] {
            let r = xml(Array(head.utf8) + bad + Array(tail.utf8), chunk: chunk)
            #expect(r.fatal?.code == .malformedDocument)
            #expect(r.fatal?.line == 2)
            #expect(r.records.isEmpty)
        }
    }

    /// libxml2 writes some messages over two lines; a diagnostic (`file:line: fatal: …`) is one.
    @Test func libxml2sMessagesAreKeptOnOneLine() {
        let r = xml(Array("<Customers>\n<Customer customerId=\"c\">\n<CompanyName>Caf".utf8) + [0xE9]
            + Array("</CompanyName></Customer></Customers>\n".utf8))
        #expect(r.fatal == FatalInputError(line: 3, code: .malformedDocument, message:
            "XML document is not well-formed: Input is not proper UTF-8, indicate encoding ! Bytes: 0xE9 0x3C 0x2F 0x43"))
    }

    @Test func aNULByteInTheDocumentIsFatal() {
        let r = xml(Array("<Customers>\n<Customer customerId=\"a".utf8) + [0] + Array("\"/></Customers>".utf8))
        #expect(r.fatal?.code == .malformedDocument)
        #expect(r.fatal?.line == 2)
    }

    @Test func manyRecordsWithManyIgnoredElementsStayStreamed() {
        // 20,000 records, each with an ignored subtree: every one is emitted, in order, at its line.
        var doc = "<Customers>\n"
        for i in 0..<20_000 {
            doc += "<Customer customerId=\"c\(i)\"><BillingProfile><Email>x@y.z</Email><Address><Line>\(i)</Line></Address></BillingProfile><Name>N\(i)</Name></Customer>\n"
        }
        doc += "</Customers>\n"
        let r = xml(doc, chunk: 4096)
        #expect(r.fatal == nil)
        #expect(r.records.count == 20_000)
        #expect(r.records.last?[.customerId] == "c19999")
        #expect(r.records.last?.line == 20_001)
        #expect(r.records.allSatisfy { $0[.email] == nil })
    }
}

/// A TCP listener on 127.0.0.1 that only counts the connections made to it.
private final class LocalListener {
    private let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EIO)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
    }

    /// Accepts (and closes) every pending connection and returns how many there were.
    func connectionsSoFar() -> Int {
        var n = 0
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return n }
            Glibc.close(c)
            n += 1
        }
    }

    func close() { Glibc.close(fd) }
}
