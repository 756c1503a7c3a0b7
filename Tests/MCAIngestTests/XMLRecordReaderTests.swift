import Foundation
import MCAIngest
import MCAModel
import MCATestSupport
import Testing

/// Reads `xml` whole and returns the records, with the source handing out `sourceChunk` bytes at
/// a time (7 makes names, attributes and texts straddle chunk boundaries).
private func readRecords(_ xml: String, _ schema: Schema, sourceChunk: Int = 1 << 20,
                         reader: XMLRecordReader = XMLRecordReader()) throws -> [RawRecord] {
    try readRecords(Array(xml.utf8), schema, sourceChunk: sourceChunk, reader: reader)
}

private func readRecords(_ bytes: [UInt8], _ schema: Schema, sourceChunk: Int = 1 << 20,
                         reader: XMLRecordReader = XMLRecordReader()) throws -> [RawRecord] {
    var out: [RawRecord] = []
    try reader.read(MemoryByteSource(bytes, chunkSize: sourceChunk), schema: schema) { out.append($0) }
    return out
}

/// The fields a record has, by name, so a whole record can be compared at once.
private func fields(_ record: RawRecord) -> [String: String] {
    var out: [String: String] = [:]
    for field in Field.allCases {
        if let value = record[field] { out["\(field)"] = value }
    }
    return out
}

/// Reads `bytes`, expecting a fatal error: returns it (nil if none or another error was thrown)
/// and the records emitted before it.
private func failure(of bytes: [UInt8], _ schema: Schema = .customers,
                     sourceChunk: Int = 1 << 20) -> (error: FatalInputError?, emitted: [RawRecord]) {
    var seen: [RawRecord] = []
    do {
        try XMLRecordReader().read(MemoryByteSource(bytes, chunkSize: sourceChunk), schema: schema) { seen.append($0) }
        return (nil, seen)
    } catch {
        return (error as? FatalInputError, seen)
    }
}

private func failure(of xml: String, _ schema: Schema = .customers, sourceChunk: Int = 1 << 20) -> FatalInputError? {
    failure(of: Array(xml.utf8), schema, sourceChunk: sourceChunk).error
}

/// Both ends of the chunking range: one chunk, and 7-byte chunks.
private let sourceChunks = [1 << 20, 7]

@Suite struct XMLRecordReaderTests {
    // MARK: XML and JSON shapes (docs/inputs.md)

    static let customersXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Customers>
          <Customer customerId="c-1" cloud="public">
            <CompanyName>Contoso</CompanyName>
            <Acceptance firstName="Ana" lastName="Lee" email="ana@contoso.com" phoneNumber="+1 555 0100" dateAgreed="2018-09-01"/>
          </Customer>
          <Customer id="c-2">
            <CompanyProfile tenantId="t-2"><CompanyName>Fabrikam</CompanyName><Domain>fabrikam.onmicrosoft.com</Domain></CompanyProfile>
            <BillingProfile><Email>x@y.z</Email><FirstName>Bill</FirstName></BillingProfile>
            <Environment>GCC High</Environment>
          </Customer>
        </Customers>
        """

    @Test(arguments: sourceChunks)
    func customersExampleMapsEveryField(sourceChunk: Int) throws {
        let records = try readRecords(Self.customersXML, .customers, sourceChunk: sourceChunk)
        #expect(records.map(\.line) == [3, 7])
        #expect(fields(records[0]) == [
            "customerId": "c-1", "cloud": "public", "companyName": "Contoso", "firstName": "Ana",
            "lastName": "Lee", "email": "ana@contoso.com", "phoneNumber": "+1 555 0100", "dateAgreed": "2018-09-01",
        ])
        // `id` comes before CompanyProfile's tenantId, so it wins; the billing profile's contact is
        // not an acceptance and is skipped with everything in it.
        #expect(fields(records[1]) == [
            "customerId": "c-2", "companyName": "Fabrikam", "domain": "fabrikam.onmicrosoft.com", "cloud": "GCC High",
        ])
        #expect(records.allSatisfy { $0.rejection == nil && $0.warnings.isEmpty })
    }

    static let agreementsXML = """
        <Agreements><Agreement customerId="c-1" type="MicrosoftCloudAgreement">
          <PrimaryContact><FirstName>Ana</FirstName><LastName>Lee</LastName><Email>ana@contoso.com</Email><PhoneNumber/></PrimaryContact>
          <DateAgreed>2018-09-01T00:00:00Z</DateAgreed></Agreement>
          <Agreement customerId="c-2">
            <TemplateId>117a1bd5-c8c0-4b0b-8d5a-1a3b2f1b0c9e</TemplateId>
            <PrimaryContact firstName="Bo" lastName="Kim"><Email>bo@fabrikam.com</Email></PrimaryContact>
            <DateAgreed>2018-10-01</DateAgreed><RecordedByRole>SalesAgent</RecordedByRole>
          </Agreement>
        </Agreements>
        """

    @Test(arguments: sourceChunks)
    func agreementsExampleMapsEveryField(sourceChunk: Int) throws {
        let records = try readRecords(Self.agreementsXML, .agreements, sourceChunk: sourceChunk)
        #expect(records.map(\.line) == [1, 4])
        #expect(fields(records[0]) == [
            "customerId": "c-1", "agreementType": "MicrosoftCloudAgreement", "firstName": "Ana", "lastName": "Lee",
            "email": "ana@contoso.com", "phoneNumber": "", "dateAgreed": "2018-09-01T00:00:00Z",
        ])
        #expect(fields(records[1]) == [
            "customerId": "c-2", "templateId": "117a1bd5-c8c0-4b0b-8d5a-1a3b2f1b0c9e", "firstName": "Bo",
            "lastName": "Kim", "email": "bo@fabrikam.com", "dateAgreed": "2018-10-01", "recordedByRole": "SalesAgent",
        ])
    }

    static let ordersXML = """
        <Orders>
          <Order id="o-1" customerId="c-1" creationDate="2018-11-08" status="completed">
            <LineItem lineItemNumber="0" offerId="off-a" subscriptionId="s-1" quantity="5"
                      billingType="license" transactionType="new"/>
            <LineItem lineItemNumber="1" offerId="off-b" quantity="2" billingType="usage" status="pending"/>
          </Order>
        </Orders>
        """

    @Test(arguments: sourceChunks)
    func ordersExampleGivesEachLineItemTheOrderFields(sourceChunk: Int) throws {
        let records = try readRecords(Self.ordersXML, .orders, sourceChunk: sourceChunk)
        // A start tag written over two lines is at the line of its `<`.
        #expect(records.map(\.line) == [3, 5])
        #expect(fields(records[0]) == [
            "orderId": "o-1", "customerId": "c-1", "creationDate": "2018-11-08", "status": "completed",
            "lineItemNumber": "0", "offerId": "off-a", "subscriptionId": "s-1", "quantity": "5",
            "billingType": "license", "transactionType": "new",
        ])
        // The line item's own status wins over the order's.
        #expect(fields(records[1]) == [
            "orderId": "o-1", "customerId": "c-1", "creationDate": "2018-11-08", "status": "pending",
            "lineItemNumber": "1", "offerId": "off-b", "quantity": "2", "billingType": "usage",
        ])
    }

    @Test(arguments: sourceChunks)
    func orderFieldsAfterLineItemsAndOrdersWithoutLineItems(sourceChunk: Int) throws {
        let xml = """
            <Export>
            <Order>
              <LineItem><LineItemNumber>0</LineItemNumber><Quantity>3</Quantity><Status>pending</Status></LineItem>
              <LineItems>
                <LineItem lineItemNumber="1"/>
              </LineItems>
              <OrderId>o-9</OrderId>
              <ReferenceCustomerId>c-9</ReferenceCustomerId>
              <CreationDate>2018-12-01</CreationDate>
              <Status>completed</Status>
            </Order>
            <Order id="o-10" customerId="c-10" creationDate="2018-12-02"><Status>cancelled</Status></Order>
            <LineItem orderId="o-11" customerId="c-11" creationDate="2018-12-03" quantity="1"/>
            </Export>
            """
        let records = try readRecords(xml, .orders, sourceChunk: sourceChunk)
        #expect(records.map(\.line) == [3, 5, 12, 13])
        #expect(fields(records[0]) == [
            "orderId": "o-9", "customerId": "c-9", "creationDate": "2018-12-01", "status": "pending",
            "lineItemNumber": "0", "quantity": "3",
        ])
        #expect(fields(records[1]) == [
            "orderId": "o-9", "customerId": "c-9", "creationDate": "2018-12-01", "status": "completed",
            "lineItemNumber": "1",
        ])
        // An order without line items is one record itself, so no row is lost.
        #expect(fields(records[2]) == [
            "orderId": "o-10", "customerId": "c-10", "creationDate": "2018-12-02", "status": "cancelled",
        ])
        // A line item outside any order has only its own fields.
        #expect(fields(records[3]) == [
            "orderId": "o-11", "customerId": "c-11", "creationDate": "2018-12-03", "quantity": "1",
        ])
    }

    // MARK: Mapping rules

    @Test(arguments: sourceChunks)
    func attributesAndChildElementsAreTheSameFieldsAndTheFirstWins(sourceChunk: Int) throws {
        let xml = """
            <Root><Data>
            <Customer><CustomerId>c-1</CustomerId><Name>By Elements</Name><CloudInstance>Global</CloudInstance></Customer>
            <Customer customer_id="c-2" Company-Name="By Attributes" primaryDomainName="b.example"/>
            <Customer customerId="c-3"><CustomerId>ignored</CustomerId><CompanyName>First</CompanyName><Name>Second</Name></Customer>
            </Data></Root>
            """
        let records = try readRecords(xml, .customers, sourceChunk: sourceChunk)
        #expect(records.map(fields) == [
            ["customerId": "c-1", "companyName": "By Elements", "cloud": "Global"],
            ["customerId": "c-2", "companyName": "By Attributes", "domain": "b.example"],
            ["customerId": "c-3", "companyName": "First"],
        ])
        #expect(records.map(\.line) == [2, 3, 4])
    }

    @Test func anAcceptanceComesOnlyFromTheCustomersOwnFieldsOrAnAcceptanceElement() throws {
        let xml = """
            <Customers>
              <Customer>
                <CompanyProfile>
                  <TenantId>t-1</TenantId>
                  <CompanyName>Northwind</CompanyName>
                  <Agreement>
                    <PrimaryContact firstName="Ann"><LastName>Ng</LastName><EmailAddress>ann@nw.example</EmailAddress></PrimaryContact>
                    <DateAgreed>2018-08-30</DateAgreed>
                  </Agreement>
                </CompanyProfile>
                <Notes><Contact><Email>not@this.one</Email></Contact></Notes>
                <CompanyName><Legal>Not a leaf</Legal></CompanyName>
              </Customer>
            </Customers>
            """
        let records = try readRecords(xml, .customers, sourceChunk: 7)
        #expect(records.count == 1)
        #expect(records.first?.line == 2)
        // The contact inside the company profile is not the person who accepted.
        #expect(records.first.map(fields) == ["customerId": "t-1", "companyName": "Northwind"])
        let withAcceptance = try readRecords(xml.replacingOccurrences(
            of: "<Notes>", with: "<Acceptance firstName=\"Ann\"><LastName>Ng</LastName><DateAgreed>2018-08-30</DateAgreed></Acceptance><Notes>"),
            .customers, sourceChunk: 7)
        #expect(withAcceptance.first.map(fields) == [
            "customerId": "t-1", "companyName": "Northwind", "firstName": "Ann", "lastName": "Ng", "dateAgreed": "2018-08-30",
        ])
    }

    @Test func aSkippedContainerDoesNotSetTheEmail() throws {
        let xml = """
            <Customers><Customer customerId="c-1"><CompanyName>Contoso</CompanyName>
            <BillingProfile><Email>x@y.z</Email><FirstName>Bill</FirstName></BillingProfile>
            </Customer></Customers>
            """
        let records = try readRecords(xml, .customers, sourceChunk: 7)
        #expect(records.map(fields) == [["customerId": "c-1", "companyName": "Contoso"]])
    }

    @Test(arguments: sourceChunks)
    func namesMatchByLocalNameWhateverTheNamespace(sourceChunk: Int) throws {
        let xml = """
            <ns:Customers xmlns:ns="urn:example:customers" xmlns="urn:example:default">
              <ns:Customer ns:customerId="n-1"><ns:CompanyName>Prefixed</ns:CompanyName></ns:Customer>
              <Customer><CustomerId>n-2</CustomerId><CompanyName>Default namespace</CompanyName></Customer>
            </ns:Customers>
            """
        let records = try readRecords(xml, .customers, sourceChunk: sourceChunk)
        #expect(records.map(fields) == [
            ["customerId": "n-1", "companyName": "Prefixed"],
            ["customerId": "n-2", "companyName": "Default namespace"],
        ])
    }

    @Test(arguments: sourceChunks)
    func entitiesCharacterReferencesAccentsAndCDATAAreDecoded(sourceChunk: Int) throws {
        let xml = """
            <Customers>
            <Customer customerId="e&amp;1" companyName="A &amp; B &#38; C &lt;D&gt; &quot;q&quot; caf&#233;">
              <Domain>caf&#233;.example</Domain>
              <FirstName><![CDATA[a,b <not a tag> & ]]></FirstName>
              <LastName>Ren&#xE9;e &amp; Co</LastName>
              <Email>  Société Générale  </Email>
            </Customer>
            </Customers>
            """
        let records = try readRecords(xml, .customers, sourceChunk: sourceChunk)
        #expect(records.map(fields) == [[
            "customerId": "e&1", "companyName": "A & B & C <D> \"q\" café", "domain": "café.example",
            "firstName": "a,b <not a tag> & ", "lastName": "Renée & Co", "email": "  Société Générale  ",
        ]])
    }

    @Test func aDeclaredLatin1DocumentIsDecoded() throws {
        let bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Customers><Customer customerId=\"c-1\"><CompanyName>Caf".utf8)
            + [0xE9] + Array("</CompanyName></Customer></Customers>".utf8)
        let records = try readRecords(bytes, .customers, sourceChunk: 7)
        #expect(records.map(fields) == [["customerId": "c-1", "companyName": "Café"]])
    }

    @Test func aUTF16DocumentWithABOMIsDecoded() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "<Customers>\n<Customer customerId=\"c-é\"><CompanyName>Ünïcode</CompanyName></Customer></Customers>".utf16 {
            bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        let records = try readRecords(bytes, .customers, sourceChunk: 3)
        #expect(records.map(fields) == [["customerId": "c-é", "companyName": "Ünïcode"]])
        #expect(records.map(\.line) == [2])
    }

    @Test func aDoctypeWithoutEntitiesOrExternalDTDIsAccepted() throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE Customers [
              <!ELEMENT Customers ANY>
              <!ATTLIST Customer cloud CDATA "germany">
            ]>
            <Customers><Customer customerId="c-1"><CompanyName>Contoso</CompanyName></Customer></Customers>
            """
        let records = try readRecords(xml, .customers)
        // The ATTLIST default is not in the document, so it is not read.
        #expect(records.map(fields) == [["customerId": "c-1", "companyName": "Contoso"]])
        #expect(records.map(\.line) == [6])
    }

    @Test func lineNumbersCountCRLFLines() throws {
        let xml = "<Customers>\r\n<Customer customerId=\"a\"/>\r\n\r\n<Customer\r\n customerId=\"b\"/>\r\n</Customers>\r\n"
        let records = try readRecords(xml, .customers, sourceChunk: 7)
        #expect(records.map(\.line) == [2, 4])
        #expect(records.map { $0[.customerId] } == ["a", "b"])
    }

    @Test func aTooLongFieldRejectsOnlyItsRecord() throws {
        let long = String(repeating: "x", count: (1 << 20) + 1)
        let xml = """
            <Customers>
            <Customer customerId="c-1"><CompanyName>\(long)</CompanyName></Customer>
            <Customer customerId="c-2" companyName="\(long)"/>
            <Customer customerId="c-3"><CompanyName>Fine</CompanyName></Customer>
            </Customers>
            """
        let records = try readRecords(xml, .customers)
        #expect(records.map(\.line) == [2, 3, 4])
        #expect(records.map { $0.rejection?.code } == [.malformedRow, .malformedRow, nil])
        #expect(records[0][.companyName] == nil)
        #expect(records[1][.companyName] == nil)
        #expect(records[2][.companyName] == "Fine")
    }

    /// Beyond libxml2's 10 MB lookahead: a long text is streamed to the reader, which drops it.
    @Test func aTwelveMegabyteTextRejectsItsRecordAndTheReadGoesOn() throws {
        let huge = String(repeating: "y", count: 12_000_000)
        let xml = """
            <Customers>
            <Customer customerId="c-1"><CompanyName>\(huge)</CompanyName><Notes>\(huge)</Notes></Customer>
            <Customer customerId="c-2"><CompanyName>Fine</CompanyName></Customer>
            </Customers>
            """
        let records = try readRecords(xml, .customers, sourceChunk: 1 << 18)
        #expect(records.map(\.line) == [2, 3])
        #expect(records.map { $0.rejection?.code } == [.malformedRow, nil])
        #expect(records[0].rejection?.message == "the value of companyName is longer than 1048576 bytes")
        #expect(records.map { $0[.companyName] } == [nil, "Fine"])
    }

    @Test func aTooLongOrderFieldRejectsEveryLineItemOfTheOrder() throws {
        let reader = XMLRecordReader(maxFieldBytes: 8)
        let xml = """
            <Orders>
            <Order id="o-1"><CreationDate>2018-11-07T00:00:00Z</CreationDate><LineItem quantity="1"/><LineItem quantity="2"/></Order>
            <Order id="o-2"><LineItem quantity="3"/></Order>
            </Orders>
            """
        let records = try readRecords(xml, .orders, reader: reader)
        #expect(records.map { $0.rejection?.code } == [.malformedRow, .malformedRow, nil])
        #expect(records.map { $0[.orderId] } == ["o-1", "o-1", "o-2"])
    }

    // MARK: Errors from the caller and the source

    struct Stop: Error, Equatable {}

    @Test func anErrorThrownByEmitStopsTheReadAndIsRethrown() {
        var seen = 0
        #expect(throws: Stop.self) {
            try XMLRecordReader().read(MemoryByteSource(Self.customersXML, chunkSize: 7), schema: .customers) { _ in
                seen += 1
                throw Stop()
            }
        }
        #expect(seen == 1)
    }

    @Test func anErrorThrownByEmitForALineItemStopsTheOrder() {
        var seen = 0
        #expect(throws: Stop.self) {
            try XMLRecordReader().read(MemoryByteSource(Self.ordersXML), schema: .orders) { _ in
                seen += 1
                throw Stop()
            }
        }
        #expect(seen == 1)
    }

    struct DiskFailure: Error, Equatable {}

    final class FailingSource: ByteSource {
        var calls = 0
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            calls += 1
            if calls > 1 { throw DiskFailure() }
            let head = Array("<Customers><Customer customerId=\"c-1\"/>".utf8)
            buffer.copyBytes(from: head)
            return head.count
        }
    }

    @Test func anErrorFromTheSourceIsRethrown() {
        let source = FailingSource()
        var emitted: [RawRecord] = []
        #expect(throws: DiskFailure.self) {
            try XMLRecordReader().read(source, schema: .customers) { emitted.append($0) }
        }
        #expect(source.calls == 2)
        #expect(emitted.map { $0[.customerId] } == ["c-1"])
    }

    // MARK: Documents that are fatal

    @Test(arguments: sourceChunks)
    func aTruncatedDocumentIsFatalWithTheLineWhereItEnds(sourceChunk: Int) {
        let xml = "<Customers>\n  <Customer customerId=\"c-1\">\n    <CompanyName>Contoso</CompanyName>\n  </Customer>\n  <Customer customerId=\"c-2\">\n    <CompanyName>Fabr"
        let (error, emitted) = failure(of: Array(xml.utf8), sourceChunk: sourceChunk)
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 6)
        #expect(error?.message.contains("truncated") == true)
        #expect(error?.message.contains("<CompanyName> opened at line 6") == true)
        // What came before the end was read, but the run stops on the fatal error.
        #expect(emitted.map { $0[.customerId] } == ["c-1"])
    }

    @Test(arguments: [
        ("<Customers>\n<Customer customerId=\"c-1\"", 2),
        ("<Customers>\n<Customer customerId=\"c-1\"/>\n", 2),
        ("<Customers>\n<Customer customerId=\"c-1\"/>\n<", 3),
    ])
    func aDocumentCutAnywhereIsFatal(xml: String, line: Int) {
        let error = failure(of: xml)
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == line)
        #expect(error?.message.hasPrefix("XML document is truncated: it ends inside <Customers> opened at line 1") == true)
    }

    @Test(arguments: ["", "\n  \n", "<?xml version=\"1.0\"?>\n", "<!-- nothing -->"])
    func aDocumentWithoutARootElementIsFatal(xml: String) {
        let error = failure(of: xml)
        #expect(error?.code == .malformedDocument)
        #expect(error?.message.hasPrefix("XML document is empty") == true)
    }

    @Test(arguments: sourceChunks)
    func mismatchedTagsAreFatalWithTheirLine(sourceChunk: Int) {
        let xml = "<Customers>\n<Customer customerId=\"c-1\">\n<CompanyName>Contoso</Company>\n</Customer>\n</Customers>\n"
        let error = failure(of: xml, sourceChunk: sourceChunk)
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 3)
        #expect(error?.message.contains("mismatch") == true)
    }

    @Test func contentAfterTheRootElementIsFatal() {
        let error = failure(of: "<Customers/>\n<Customers/>\n")
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 2)
    }

    @Test func anUndeclaredEntityIsFatal() {
        let error = failure(of: "<Customers>\n<Customer customerId=\"&nbsp;\"/></Customers>")
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 2)
        #expect(error?.message.contains("nbsp") == true)
    }

    @Test(arguments: [(3, 0xFF), (3, 0xC3), (2, 0x80)])
    func invalidUTF8IsFatalWithItsLine(line: Int, byte: UInt8) {
        var bytes = Array("<Customers>\n<Customer customerId=\"c-1\">\n<CompanyName>Caf".utf8)
        if line == 2 { bytes = Array("<Customers>\n<Customer customerId=\"c".utf8) }
        bytes += [byte] + Array("e</CompanyName></Customer>\n</Customers>\n".utf8)
        let (error, emitted) = failure(of: bytes, sourceChunk: 7)
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == line)
        #expect(emitted.isEmpty)
    }

    /// libxml2 2.9's push parser applies no depth limit of its own: this is the reader's.
    @Test(arguments: [257, 300, 100_000])
    func nestingDeeperThan256IsFatal(depth: Int) {
        let xml = "<Customers>\n" + String(repeating: "<a>", count: depth - 1) + String(repeating: "</a>", count: depth - 1)
            + "\n</Customers>"
        let error = failure(of: xml)
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 2)
        #expect(error?.message.contains("256") == true)
    }

    @Test func nestingOf256IsAccepted() throws {
        let depth = XMLRecordReader.maxDepth
        let inner = depth - 2
        let xml = "<Customers><Customer customerId=\"deep\">" + String(repeating: "<a>", count: inner)
            + String(repeating: "</a>", count: inner) + "</Customer></Customers>"
        let records = try readRecords(xml, .customers)
        #expect(records.map { $0[.customerId] } == ["deep"])
    }

    // MARK: Attacks: entities and external DTDs (Fixtures/xml-attacks)

    @Test func billionLaughsIsFatalAtTheFirstEntityDeclarationAndQuick() throws {
        let bytes = try RepoPaths.fixtureBytes("xml-attacks/billion-laughs.xml")
        let clock = ContinuousClock()
        var error: FatalInputError?
        let elapsed = clock.measure { error = failure(of: bytes).error }
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 3)
        #expect(error?.message.contains("entity 'lol'") == true)
        #expect(elapsed < .seconds(1))
    }

    @Test func anExternalFileEntityIsFatalAndItsContentAppearsNowhere() throws {
        let bytes = try RepoPaths.fixtureBytes("xml-attacks/xxe-file.xml")
        let (error, emitted) = failure(of: bytes)
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 3)
        #expect(emitted.isEmpty)
        let hostname = (try? String(contentsOfFile: "/etc/hostname", encoding: .utf8)).map { trimmed($0) } ?? ""
        if hostname.count >= 6 { #expect(error?.message.contains(hostname) == false) }
    }

    /// The strong form of the XXE test: a file with a unique marker, referred to by a general
    /// entity, a parameter entity and an external DTD, is never read into anything.
    @Test(arguments: [
        "<!DOCTYPE Customers [<!ENTITY xxe SYSTEM \"file://PATH\">]>\n<Customers><Customer customerId=\"&xxe;\"><CompanyName>&xxe;</CompanyName></Customer></Customers>",
        "<!DOCTYPE Customers [<!ENTITY % ext SYSTEM \"file://PATH\"> %ext;]>\n<Customers><Customer customerId=\"c\"><CompanyName>n</CompanyName></Customer></Customers>",
        "<!DOCTYPE Customers SYSTEM \"file://PATH\">\n<Customers><Customer customerId=\"c\"><CompanyName>n</CompanyName></Customer></Customers>",
        "<!DOCTYPE Customers PUBLIC \"-//X//Y//EN\" \"file://PATH\">\n<Customers><Customer customerId=\"c\"><CompanyName>n</CompanyName></Customer></Customers>",
        "<!DOCTYPE Customers [<!ENTITY u SYSTEM \"file://PATH\" NDATA png>]>\n<Customers><Customer customerId=\"c\"><CompanyName>n</CompanyName></Customer></Customers>",
    ])
    func aLocalFileIsNeverRead(template: String) throws {
        // The secret is only in the file's content, never in its path, so the error message may
        // name the path (it does for an external DTD) but must not carry the secret.
        let secret = "SECRET-\(UInt64.random(in: 1 ... .max))"
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("mca-xxe-\(UInt64.random(in: 1 ... .max)).txt").path
        try Data("<Customer customerId=\"\(secret)\"><CompanyName>\(secret)</CompanyName></Customer>\n\(secret)".utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let (error, emitted) = failure(of: Array(template.replacingOccurrences(of: "PATH", with: path).utf8))
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 1)
        #expect(emitted.isEmpty)
        #expect(error?.message.contains(secret) == false)
    }

    @Test func aParameterEntityFixtureIsFatal() throws {
        let error = failure(of: try RepoPaths.fixtureBytes("xml-attacks/xxe-parameter-entity.xml")).error
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 3)
    }

    @Test func anExternalDTDOverHTTPIsFatalAndNothingIsFetched() throws {
        let bytes = try RepoPaths.fixtureBytes("xml-attacks/external-dtd.xml")
        let clock = ContinuousClock()
        var error: FatalInputError?
        let elapsed = clock.measure { error = failure(of: bytes).error }
        #expect(error?.code == .malformedDocument)
        #expect(error?.line == 2)
        #expect(error?.message.contains("http://example.invalid/customers.dtd") == true)
        #expect(elapsed < .seconds(1))
    }
}

@Suite struct XMLOrderInheritanceTests {
    @Test func aLineItemTakesItsOrdersFieldsButNotItsTransactionType() throws {
        let xml = """
            <Orders><Order id="o-1" customerId="c-1" creationDate="2022-02-01" transactionType="UserPurchase">
              <LineItem lineItemNumber="0" quantity="10"/>
              <LineItem lineItemNumber="1" transactionType="addQuantity"/>
            </Order></Orders>
            """
        let records = try readRecords(xml, .orders, sourceChunk: 5)
        #expect(records.map { $0[.transactionType] } == [nil, "addQuantity"])
        #expect(records.map { $0[.orderId] } == ["o-1", "o-1"])
    }

    @Test func subscriptionElementsAreRecords() throws {
        let xml = """
            <Subscriptions>
              <Subscription customerId="c-1" id="s-1" quantity="5" unitType="Licenses" billingType="license" status="active"><OfferName>Office 365 E3</OfferName></Subscription>
            </Subscriptions>
            """
        let records = try readRecords(xml, .subscriptions, sourceChunk: 7)
        #expect(records.map { $0[.subscriptionId] } == ["s-1"])
        // billingType is the field's first alias: it wins over unitType.
        #expect(records.first?[.billingType] == "license")
        #expect(records.first?[.offerName] == "Office 365 E3")
    }
}
