import Testing
import MCAModel
import MCATestSupport
@testable import MCAIngest

/// The streaming JSON reader (docs/inputs.md). Most inputs are fed 5 bytes at a time so that
/// every kind of token straddles a read.
@Suite struct JSONRecordReaderTests {
    // MARK: Helpers

    private func records(_ text: String, _ schema: Schema = .customers, chunk: Int = 5,
                         reader: JSONRecordReader = JSONRecordReader()) throws -> [RawRecord] {
        try records(Array(text.utf8), schema, chunk: chunk, reader: reader)
    }

    private func records(_ bytes: [UInt8], _ schema: Schema = .customers, chunk: Int = 5,
                         reader: JSONRecordReader = JSONRecordReader()) throws -> [RawRecord] {
        var out: [RawRecord] = []
        try reader.read(MemoryByteSource(bytes, chunkSize: chunk), schema: schema) { out.append($0) }
        return out
    }

    /// The fatal error reading `bytes` throws, and how many records were emitted before it.
    private func fatal(_ bytes: [UInt8], _ schema: Schema = .customers, chunk: Int = 5,
                       reader: JSONRecordReader = JSONRecordReader()) -> (error: FatalInputError?, emitted: Int) {
        var emitted = 0
        do {
            try reader.read(MemoryByteSource(bytes, chunkSize: chunk), schema: schema) { _ in emitted += 1 }
            return (nil, emitted)
        } catch let e as FatalInputError {
            return (e, emitted)
        } catch {
            Issue.record("unexpected error \(error)")
            return (nil, emitted)
        }
    }

    private func fatal(_ text: String, _ schema: Schema = .customers, chunk: Int = 5,
                       reader: JSONRecordReader = JSONRecordReader()) -> (error: FatalInputError?, emitted: Int) {
        fatal(Array(text.utf8), schema, chunk: chunk, reader: reader)
    }

    // MARK: Partner Center shapes

    @Test func partnerCenterCustomerTakesCompanyProfileButNotBillingProfile() throws {
        let json = """
            {"totalCount":1,"items":[{"id":"0f2d1c9e-aaaa","companyProfile":{"tenantId":"tenant-x","domain":"contoso.com",\
            "companyName":"Contoso, Ltd."},"billingProfile":{"firstName":"Bill","email":"b@x.com"}}],\
            "links":{"self":{"uri":"/customers","method":"GET","headers":[]}},"attributes":{"objectType":"Collection"}}
            """
        let r = try records(json)
        #expect(r.count == 1)
        #expect(r[0].line == 1)
        #expect(r[0][.customerId] == "0f2d1c9e-aaaa") // `id` comes first and wins over tenantId
        #expect(r[0][.companyName] == "Contoso, Ltd.")
        #expect(r[0][.domain] == "contoso.com")
        #expect(r[0][.firstName] == nil)
        #expect(r[0][.email] == nil)
        #expect(r[0].rejection == nil)
    }

    @Test func customersFixtureIsFlattenedAndSkipsEverythingElse() throws {
        let r = try records(try RepoPaths.fixtureBytes("json-abuse/partner-center-customers.json"), chunk: 7)
        #expect(r.map(\.line) == [1, 2, 3])
        #expect(r.map { $0[.customerId] } == ["11111111-1111-1111-1111-111111111111",
                                              "22222222-2222-2222-2222-222222222222",
                                              "33333333-3333-3333-3333-333333333333"])
        #expect(r.map { $0[.companyName] } == ["Contoso, Ltd.", "Fabrikam \u{C9}lectrique", "O\u{2019}Brien & Sons"])
        // null is no value, so the later alias fills the field.
        #expect(r.map { $0[.domain] } == ["contoso.onmicrosoft.com", "fabrikam.com", "obrien.ie"])
        for rec in r {
            for f in [Field.firstName, .lastName, .email, .phoneNumber] { #expect(rec[f] == nil) }
        }
    }

    @Test func agreementWithPrimaryContact() throws {
        let json = """
            [{"customerId":"cust-1","primaryContact":{"firstName":"Ada","lastName":"Lovelace",\
            "email":"ada@contoso.com","phoneNumber":"+1 555 0100"},"dateAgreed":"2018-09-01T00:00:00Z",\
            "type":"MicrosoftCloudAgreement","agreementLink":"https://aka.ms/x","userId":"u-1",\
            "templateId":"998b88de-aa99-4388-a42c-1b3517d49490","attributes":{"objectType":"Agreement"}}]
            """
        let r = try records(json, .agreements)
        #expect(r.count == 1)
        let a = r[0]
        #expect(a.line == 1)
        #expect(a[.customerId] == "cust-1")
        #expect(a[.firstName] == "Ada")
        #expect(a[.lastName] == "Lovelace")
        #expect(a[.email] == "ada@contoso.com")
        #expect(a[.phoneNumber] == "+1 555 0100")
        #expect(a[.dateAgreed] == "2018-09-01T00:00:00Z")
        #expect(a[.agreementType] == "MicrosoftCloudAgreement")
        #expect(a[.templateId] == "998b88de-aa99-4388-a42c-1b3517d49490")
    }

    @Test func orderLineItemsTakeTheOrderFieldsThatComeAfterThem() throws {
        let json = """
            [{"id":"order-0","referenceCustomerId":"c0","creationDate":"2018-10-01"},
             {"lineItems":[{"lineItemNumber":0,"offerId":"O1","subscriptionId":"S1","quantity":5,"billingType":"license"},
                           {"lineItemNumber":1,"offerId":"O2","quantity":0,"transactionType":"renew","status":"pending"}],
              "id":"order-1","referenceCustomerId":"c1","creationDate":"2018-11-07T10:00:00Z","status":"completed"}]
            """
        let r = try records(json, .orders)
        #expect(r.count == 3)
        #expect(r.map(\.line) == [1, 2, 2])
        #expect(r[1][.orderId] == "order-1")
        #expect(r[2][.orderId] == "order-1")
        #expect(r[1][.customerId] == "c1")
        #expect(r[2][.creationDate] == "2018-11-07T10:00:00Z")
        #expect(r[1][.lineItemNumber] == "0")
        #expect(r[2][.lineItemNumber] == "1")
        #expect(r[1][.quantity] == "5")
        #expect(r[2][.quantity] == "0")
        #expect(r[1][.offerId] == "O1")
        #expect(r[1][.subscriptionId] == "S1")
        #expect(r[2][.subscriptionId] == nil)
        #expect(r[1][.billingType] == "license")
        #expect(r[2][.transactionType] == "renew")
        #expect(r[1][.status] == "completed")
        #expect(r[2][.status] == "pending") // the line item's own value wins
        #expect(r.allSatisfy { $0.rejection == nil })
    }

    @Test func ordersFixture() throws {
        let r = try records(try RepoPaths.fixtureBytes("json-abuse/partner-center-orders.json"), .orders, chunk: 3)
        #expect(r.map(\.line) == [1, 1, 2])
        #expect(r.map { $0[.orderId] } == ["order-1", "order-1", "order-2"])
        #expect(r.map { $0[.customerId] } == ["11111111-1111-1111-1111-111111111111",
                                              "11111111-1111-1111-1111-111111111111",
                                              "22222222-2222-2222-2222-222222222222"])
        #expect(r.map { $0[.offerName] } == ["Microsoft 365 E3", nil, nil])
        // provisioningContext is not a field container: its quantity is not taken.
        #expect(r.map { $0[.quantity] } == ["25", "1", nil])
        #expect(r.map { $0[.billingType] } == [nil, "usage", nil])
        #expect(r.map { $0[.status] } == ["completed", "completed", "pending"])
    }

    @Test(arguments: [
        #"[{"id":"o1","referenceCustomerId":"c1","creationDate":"2019-01-01"}]"#,
        #"[{"id":"o1","lineItems":[],"referenceCustomerId":"c1","creationDate":"2019-01-01"}]"#,
        #"[{"id":"o1","lineItems":null,"referenceCustomerId":"c1","creationDate":"2019-01-01"}]"#,
    ])
    func orderWithoutLineItemsIsOneRecord(json: String) throws {
        let r = try records(json, .orders)
        #expect(r.count == 1)
        #expect(r[0].line == 1)
        #expect(r[0][.orderId] == "o1")
        #expect(r[0][.customerId] == "c1")
        #expect(r[0][.creationDate] == "2019-01-01")
        #expect(r[0].rejection == nil)
    }

    @Test func lineItemThatIsNotAnObjectIsRejectedAtTheOrdersLine() throws {
        let json = #"[{"id":"o0"},{"id":"o1","lineItems":[{"offerId":"A"},42,{"offerId":"B"}],"creationDate":"2019-01-01"}]"#
        let r = try records(json, .orders)
        #expect(r.count == 4)
        #expect(r.map(\.line) == [1, 2, 2, 2])
        #expect(r[1].rejection == nil)
        #expect(r[2].rejection == RowIssue(.malformedRow, "item 2, line item 2 is a number, not an object"))
        #expect(r[3].rejection == nil)
        #expect(r[3][.offerId] == "B")
        #expect(r[3][.orderId] == "o1")
    }

    @Test func lineItemsKeyOnlyMeansSomethingForOrders() throws {
        // In a customers file `lineItems` is just another array: skipped.
        let r = try records(#"[{"id":"c1","lineItems":[{"companyName":"X"}],"companyName":"Y"}]"#)
        #expect(r.count == 1)
        #expect(r[0][.companyName] == "Y")
    }

    // MARK: Top-level shapes

    @Test(arguments: [1, 5, 4096])
    func bareArrayAndItemsObjectReadTheSame(chunk: Int) throws {
        let items = #"[{"id":"a","companyName":"A"},{"id":"b","companyName":"B"}]"#
        let bare = try records(items, chunk: chunk)
        let wrapped = try records(#"{"totalCount":2,"items":\#(items),"links":{"next":{"uri":"/x?seek=1"}},"attributes":{}}"#,
                                  chunk: chunk)
        let itemsLast = try records(#"{"links":[1,2,{"a":[]}],"totalCount":2,"items":\#(items)}"#, chunk: chunk)
        let capitalised = try records(#"{"TotalCount":2,"Items":\#(items)}"#, chunk: chunk)
        for r in [bare, wrapped, itemsLast, capitalised] {
            #expect(r.map(\.line) == [1, 2])
            #expect(r.map { $0[.customerId] } == ["a", "b"])
            #expect(r.map { $0[.companyName] } == ["A", "B"])
        }
    }

    @Test(arguments: ["[]", " [ ] ", #"{"totalCount":0,"items":[]}"#, "\u{FEFF}[]"])
    func emptyItemsGiveNoRecords(json: String) throws {
        #expect(try records(json).isEmpty)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let r = try records(try RepoPaths.fixtureBytes("json-abuse/bom.json"), chunk: 1)
        #expect(r.count == 1)
        #expect(r[0][.customerId] == "c1")
    }

    @Test(arguments: [
        ("42", "the document is a number, not an array of items or an object with an \"items\" array (line 1, byte 0)"),
        (" \"x\"", "the document is a string, not an array of items or an object with an \"items\" array (line 1, byte 1)"),
        ("", "the document is empty (line 1, byte 0)"),
        ("\n\n", "the document is empty (line 3, byte 2)"),
        (#"{"totalCount":0,"value":[]}"#, "the top-level object has no \"items\" array (line 1, byte 27)"),
        (#"{"items":{"a":1}}"#, "the \"items\" member is an object, not an array (line 1, byte 9)"),
    ])
    func documentThatIsNotACollectionIsFatal(json: String, message: String) {
        let (e, emitted) = fatal(json)
        #expect(e == FatalInputError(line: 0, code: .malformedDocument, message: message))
        #expect(emitted == 0)
    }

    // MARK: Values

    @Test func escapesAreDecoded() throws {
        let json = #"[{"id":"q\"b\\s\/e","companyName":"Caf\u00e9 \ud83d\ude00 O\u2019Brien\t\n","domain":"\u0041\u00DF"}]"#
        let r = try records(json, chunk: 5)
        #expect(r[0][.customerId] == "q\"b\\s/e")
        #expect(r[0][.companyName] == "Café 😀 O\u{2019}Brien\t\n")
        #expect(r[0][.domain] == "A\u{DF}")
        // Every escape straddles a read at some chunk size.
        for chunk in 1...13 { #expect(try records(json, chunk: chunk)[0][.companyName] == "Café 😀 O\u{2019}Brien\t\n") }
    }

    @Test(arguments: [
        (#"\ud83d"#, "\u{FFFD}"),
        (#"\ude00x"#, "\u{FFFD}x"),
        (#"\ud83d\u0041"#, "\u{FFFD}A"),
        (#"\ud83d\ud83d\ude00"#, "\u{FFFD}😀"),
        (#"a\ud83d"#, "a\u{FFFD}"),
    ])
    func loneSurrogateBecomesReplacementCharacter(escaped: String, decoded: String) throws {
        let r = try records(#"[{"id":"x","companyName":"\#(escaped)"}]"#)
        #expect(r[0][.companyName] == decoded)
        #expect(r[0].rejection == nil)
    }

    @Test func rawMultiByteUTF8StraddlingReads() throws {
        let name = "Zürich 北京 😀 Ελλάδα"
        for chunk in [1, 2, 3, 5] {
            let r = try records(#"[{"id":"x","companyName":"\#(name)"}]"#, chunk: chunk)
            #expect(r[0][.companyName] == name)
            #expect(r[0].rejection == nil)
        }
    }

    @Test func scalarsMapAsTheirText() throws {
        let json = #"[{"id":7,"companyName":-1.5e+3,"domain":true,"cloud":false,"firstName":null,"firstname":"F"}]"#
        let r = try records(json)
        #expect(r[0][.customerId] == "7")
        #expect(r[0][.companyName] == "-1.5e+3")
        #expect(r[0][.domain] == "true")
        #expect(r[0][.cloud] == "false")
        #expect(r[0][.firstName] == "F")
    }

    @Test func theFirstAliasWinsWhereverItStands() throws {
        let json = #"[{"name":"Second","companyProfile":{"companyName":"First","name":"Third"},"acceptance":{"dateAgreed":"2018-09-01"},"dateAgreed":"2019-01-01"}]"#
        let r = try records(json)
        // companyName is the field's first alias: it wins over `name`, though it comes later.
        #expect(r[0][.companyName] == "First")
        // Same alias twice: the first value.
        #expect(r[0][.dateAgreed] == "2018-09-01")
    }

    @Test func aCompanyProfileNeverGivesAnAcceptance() throws {
        // The get-by-id Customer: companyProfile.email is the company's, billingProfile is its billing contact.
        let json = #"[{"id":"c-1","companyProfile":{"tenantId":"c-1","domain":"x.example","companyName":"X","email":"office@x.example","firstName":"Pat","acceptance":{"dateAgreed":"2018-09-01"}},"billingProfile":{"firstName":"Bo","lastName":"Li","email":"bo@x.example"}}]"#
        let r = try records(json)
        #expect(r[0][.companyName] == "X" && r[0][.domain] == "x.example")
        for field in [Field.email, .firstName, .lastName, .dateAgreed] { #expect(r[0][field] == nil, "\(field)") }
    }

    @Test func anOrdersOwnTransactionTypeIsNotItsLinesOne() throws {
        let json = #"[{"id":"o-1","referenceCustomerId":"c-1","creationDate":"2022-02-01T10:15:00Z","transactionType":"UserPurchase","lineItems":[{"lineItemNumber":0,"offerId":"A","quantity":10},{"lineItemNumber":1,"transactionType":"addQuantity"}]}]"#
        let r = try records(json, .orders)
        #expect(r.map { $0[.transactionType] } == [nil, "addQuantity"])
        #expect(r.map { $0[.creationDate] } == ["2022-02-01T10:15:00Z", "2022-02-01T10:15:00Z"])
    }

    @Test func theBulkAttestationToolsAPIBodyIsRead() throws {
        let json = #"{"customerAgreementRecords":[{"customerTenantId":"c-1","lastAgreementPrimaryContact":{"firstName":"A","lastName":"B","email":"a@b.example","phoneNumber":"+1 425 555 0100"},"lastAgreementDateEpoch":1538410800000,"partnerAttestationCompleted":true},{"customerTenantId":"c-2","lastAgreementDateEpoch":1538410800},{"customerTenantId":"c-3","lastAgreementDateEpoch":0},{"customerTenantId":"c-4","lastAgreementDateEpoch":"1538410800"},{"customerTenantId":"c-5","lastAgreementDateEpoch":-5}],"continuationToken":"abc"}"#
        let r = try records(json, .agreements)
        #expect(r.map { $0[.customerId] } == ["c-1", "c-2", "c-3", "c-4", "c-5"])
        // Milliseconds, seconds, 0 (no date), seconds as a string; anything else as written (an unreadable date).
        #expect(r.map { $0[.dateAgreed] } == ["2018-10-01T16:20:00Z", "2018-10-01T16:20:00Z", nil, "2018-10-01T16:20:00Z", "-5"])
        #expect(r[0][.email] == "a@b.example")
        #expect(r.allSatisfy { $0[.agreementType] == "MicrosoftCustomerAgreement" })
    }

    @Test func nulInAFieldValueRejectsTheItem() throws {
        let r = try records(#"[{"id":"a\u0000b","companyName":"A"},{"id":"c","companyName":"C","links":"x\u0000"}]"#)
        #expect(r[0].rejection == RowIssue(.malformedRow, "item 1 has a NUL character (\\u0000) in customerId"))
        #expect(r[1].rejection == nil) // an unmapped member may hold one
    }

    @Test func nulInALineItemRejectsOnlyThatLine() throws {
        let r = try records(#"[{"id":"o1","lineItems":[{"offerId":"A\u0000"},{"offerId":"B"}]}]"#, .orders)
        #expect(r.count == 2)
        #expect(r[0].rejection == RowIssue(.malformedRow, "item 1, line item 1 has a NUL character (\\u0000) in offerId"))
        #expect(r[1].rejection == nil)
    }

    // MARK: Rows rejected, reading goes on

    @Test func invalidUTF8RejectsOnlyItsItem() throws {
        let r = try records(try RepoPaths.fixtureBytes("json-abuse/invalid-utf8.json"))
        #expect(r.count == 3)
        #expect(r.map(\.line) == [1, 2, 3])
        #expect(r[0].rejection == nil)
        #expect(r[1].rejection == RowIssue(.invalidUTF8, "item 2 holds invalid UTF-8 (line 3, byte 66)"))
        #expect(r[2].rejection == nil)
        #expect(r[2][.companyName] == "Café")
    }

    @Test(arguments: [
        [0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE2, 0x82],
    ] as [[UInt8]])
    func malformedSequencesAreInvalid(bad: [UInt8]) throws {
        for chunk in [1, 5, 100] {
            // In a value, a key and an unmapped member: each rejects the item.
            for (prefix, suffix) in [(#"[{"id":"x"#, #"y"},{"id":"ok"}]"#), (#"[{"i"#, #"d":"x"},{"id":"ok"}]"#),
                                     (#"[{"links":{"u":"x"#, #""}},{"id":"ok"}]"#)] {
                let r = try records(Array(prefix.utf8) + bad + Array(suffix.utf8), chunk: chunk)
                #expect(r.count == 2)
                #expect(r[0].rejection?.code == .invalidUTF8)
                #expect(r[0].rejection?.message.hasPrefix("item 1 holds invalid UTF-8 (line 1, byte ") == true)
                #expect(r[1].rejection == nil)
                #expect(r[1][.customerId] == "ok")
            }
        }
    }

    @Test func invalidUTF8InALineItemRejectsOnlyThatLine() throws {
        let head = Array(#"[{"id":"o1","lineItems":[{"offerId":"A"},{"offerId":""#.utf8)
        let tail = Array(#""}],"creationDate":"2019-01-01"}]"#.utf8)
        let r = try records(head + [0xFE] + tail, .orders)
        #expect(r.count == 2)
        #expect(r[0].rejection == nil)
        #expect(r[1].rejection?.code == .invalidUTF8)
        #expect(r[1].rejection?.message == "item 1, line item 2 holds invalid UTF-8 (line 1, byte \(head.count))")
        #expect(r[1].line == 1)
    }

    @Test func invalidUTF8InOrderFieldsRejectsEveryLine() throws {
        let head = Array(#"[{"lineItems":[{"offerId":"A"},{"offerId":"B"}],"id":""#.utf8)
        let r = try records(head + [0xC3] + Array(#""}]"#.utf8), .orders)
        #expect(r.count == 2)
        #expect(r.allSatisfy { $0.rejection == RowIssue(.invalidUTF8, "item 1 holds invalid UTF-8 (line 1, byte \(head.count))") })
    }

    @Test(arguments: [
        ("5", "a number"), ("\"text\"", "a string"), ("null", "null"), ("[1,[2]]", "an array"), ("true", "a boolean"),
    ])
    func nonObjectItemIsRejected(item: String, kind: String) throws {
        let r = try records(#"[{"id":"a"},\#(item),{"id":"c"}]"#)
        #expect(r.count == 3)
        #expect(r[1].line == 2)
        #expect(r[1].rejection == RowIssue(.malformedRow, "item 2 is \(kind), not an object"))
        #expect(r[2][.customerId] == "c")
        #expect(r[2].rejection == nil)
    }

    // MARK: Fatal

    @Test func truncatedDocumentNamesTheItem() {
        let (e, emitted) = fatal(try! RepoPaths.fixtureBytes("json-abuse/truncated.json"))
        #expect(emitted == 2)
        #expect(e == FatalInputError(line: 3, code: .malformedDocument, message:
            "unexpected end of file in a string starting at byte 99 inside item 3 (line 4, byte 108)"))
    }

    @Test(arguments: [
        (#"[{"id":"a"},{"id":"b","x":[1,2"#, 2, "unexpected end of file inside item 2 (line 1, byte 30)"),
        (#"[{"id":"a"},"#, 1, "unexpected end of file after item 1 (line 1, byte 12)"),
        (#"[{"id":"a"}"#, 1, "unexpected end of file after item 1 (line 1, byte 11)"),
        ("[", 0, "unexpected end of file before the first item (line 1, byte 1)"),
        (#"{"items":[{"id":"a"}],"links":{"#, 0, "unexpected end of file after the items array (line 1, byte 31)"),
        (#"[{"id":"a"},{"id":tru}]"#, 2, "unexpected '}' (expected 'true') inside item 2 (line 1, byte 21)"),
        (#"[{"id":"a",}]"#, 1, "unexpected '}' (expected a member name) inside item 1 (line 1, byte 11)"),
        (#"[{"id" "a"}]"#, 1, "unexpected '\"' (expected ':') inside item 1 (line 1, byte 7)"),
        (#"[{"id":"a"} {"id":"b"}]"#, 1, "unexpected '{' (expected ',' or ']') after item 1 (line 1, byte 12)"),
        (#"[{"id":"a"},]"#, 1, "unexpected ']' (expected an item) after item 1 (line 1, byte 12)"),
        ("[:", 0, "unexpected ':' (expected an item) before the first item (line 1, byte 1)"),
        (#"[{"id":01}]"#, 1, "unexpected '1' (expected ',' or '}') inside item 1 (line 1, byte 8)"),
        (#"[{"id":1.}]"#, 1, "unexpected '}' (expected a digit after '.') inside item 1 (line 1, byte 9)"),
        (#"[{"id":-}]"#, 1, "unexpected '}' (expected a digit) inside item 1 (line 1, byte 8)"),
        (#"[{"id":"\x"}]"#, 1, "invalid escape '\\x' in a string inside item 1 (line 1, byte 9)"),
        (#"[{"id":"\u12G4"}]"#, 1, "invalid hex digit 'G' in a \\u escape inside item 1 (line 1, byte 12)"),
        (#"[{"id":'a'}]"#, 1, "unexpected ''' (expected a value) inside item 1 (line 1, byte 7)"),
        ("[{\"id\":\"a\"}]\n]", 0, "unexpected ']' after the end of the JSON document (line 2, byte 13)"),
        ("[]x", 0, "unexpected 'x' after the end of the JSON document (line 1, byte 2)"),
        ("\n[\n{\"id\":\"a\"}\n,\n{\"id\":\n", 2, "unexpected end of file inside item 2 (line 6, byte 23)"),
    ])
    func invalidJSONIsFatalWithItemAndPosition(json: String, line: Int, message: String) {
        let (e, _) = fatal(json)
        #expect(e == FatalInputError(line: line, code: .malformedDocument, message: message))
    }

    @Test func controlCharacterInAStringIsFatal() {
        let (e, emitted) = fatal(try! RepoPaths.fixtureBytes("json-abuse/control-char.json"))
        #expect(emitted == 1)
        #expect(e == FatalInputError(line: 2, code: .malformedDocument, message:
            "unescaped control character U+000A in a string inside item 2 (line 2, byte 62)"))
    }

    @Test(arguments: [(UInt8(0x01), "U+0001"), (0x09, "U+0009"), (0x0D, "U+000D"), (0x1F, "U+001F"), (0x00, "U+0000")])
    func rawControlCharactersInStringsAreFatal(byte: UInt8, name: String) {
        let json = Array(#"[{"id":"a"#.utf8) + [byte] + Array(#"b"}]"#.utf8)
        let (e, _) = fatal(json)
        #expect(e == FatalInputError(line: 1, code: .malformedDocument, message:
            "unescaped control character \(name) in a string inside item 1 (line 1, byte 9)"))
    }

    @Test func trailingGarbageIsFatal() {
        let (e, emitted) = fatal(try! RepoPaths.fixtureBytes("json-abuse/trailing-garbage.json"))
        #expect(emitted == 1)
        #expect(e == FatalInputError(line: 0, code: .malformedDocument, message:
            "unexpected ']' after the end of the JSON document (line 2, byte 32)"))
    }

    @Test func tenThousandOpenBracketsAreFatalNotACrash() {
        let (e, emitted) = fatal(try! RepoPaths.fixtureBytes("json-abuse/deep-nesting.json"))
        #expect(emitted == 0)
        // The top-level array is level 0 and item 1 level 1, so the 66th '[' (byte 65) is level 65.
        #expect(e == FatalInputError(line: 1, code: .malformedDocument, message:
            "nesting deeper than 64 levels inside item 1 (line 1, byte 65)"))
    }

    @Test func deeplyNestedFieldContainersAreFatalNotACrash() {
        let n = 10_000
        let json = "[" + String(repeating: #"{"companyProfile":"#, count: n) + "1" + String(repeating: "}", count: n) + "]"
        let (e, _) = fatal(json, chunk: 4096)
        #expect(e?.code == .malformedDocument)
        #expect(e?.line == 1)
        #expect(e?.message.hasPrefix("nesting deeper than 64 levels inside item 1 (line 1, byte ") == true)
    }

    @Test(arguments: [(63, true), (64, false)])
    func depthLimitIsExact(arrays: Int, accepted: Bool) {
        // The item object is level 1, so the innermost of `arrays` nested arrays is level arrays + 1.
        let json = #"[{"id":"a","x":"# + String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays) + "}]"
        let (e, emitted) = fatal(json)
        #expect((e == nil) == accepted)
        #expect(emitted == (accepted ? 1 : 0))
        // Flattened containers count the same way: acceptance is level 2, the empty object arrays + 1.
        let nested = #"[{"id":"a","acceptance":"# + String(repeating: #"{"contact":"#, count: arrays - 1) + "{}"
            + String(repeating: "}", count: arrays - 1) + "}]"
        #expect((fatal(nested).error == nil) == accepted)
    }

    @Test func stringOverTheLimitIsFatal() {
        let reader = JSONRecordReader(maxStringBytes: 100)
        let ok = #"[{"id":""# + String(repeating: "a", count: 100) + #""}]"#
        #expect(fatal(ok, reader: reader).error == nil)
        let long = #"[{"id":"a"},{"x":""# + String(repeating: "a", count: 101) + #""}]"#
        let (e, _) = fatal(long, reader: reader)
        #expect(e == FatalInputError(line: 2, code: .malformedDocument, message:
            "a string longer than 100 bytes inside item 2 (line 1, byte 17)"))
    }

    @Test func defaultStringLimitIsSixteenMiB() {
        let big = #"[{"x":""# + String(repeating: "a", count: (16 << 20) + 1) + #""}]"#
        let (e, _) = fatal(big, chunk: 1 << 20)
        #expect(e?.message == "a string longer than 16777216 bytes inside item 1 (line 1, byte 6)")
    }

    // MARK: Streaming

    @Test func manyItemsAcrossSmallReadsKeepTheirNumbers() throws {
        var json = #"{"totalCount":500,"items":["#
        for i in 1...500 {
            if i > 1 { json += ",\n" }
            json += #"{"id":"c\#(i)","companyProfile":{"companyName":"N\u00e9 \#(i)","domain":"d\#(i).com"},"n":\#(i).5e-1}"#
        }
        json += "]}"
        for chunk in [1, 7, 64] {
            let r = try records(json, chunk: chunk)
            #expect(r.count == 500)
            #expect(r.map(\.line) == Array(1...500))
            #expect(r[499][.customerId] == "c500")
            #expect(r[499][.companyName] == "Né 500")
            // Records the consumer keeps are not changed by the reader reusing its storage.
            #expect(r[0][.customerId] == "c1")
            #expect(r[0][.domain] == "d1.com")
        }
    }

    @Test func readsFromAFile() throws {
        let source = try FileByteSource(path: RepoPaths.fixture("json-abuse/partner-center-orders.json").path)
        var count = 0
        try JSONRecordReader(bufferSize: 16).read(source, schema: .orders) { _ in count += 1 }
        #expect(count == 3)
    }
}
