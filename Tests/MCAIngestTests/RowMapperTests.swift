import MCAIngest
import MCAModel
import Testing

@Suite struct RowMapperTests {
    let mapper = RowMapper(dates: try! DateParser())

    private func raw(_ values: [Field: String], line: Int = 2) -> RawRecord {
        var r = RawRecord(line: line)
        for (f, v) in values { r[f] = v }
        return r
    }

    @Test func customerWithEmbeddedAcceptanceAndTrimming() throws {
        let m = try mapper.customer(raw([.customerId: " 3F2504E0-4F89-11D3-9A0C-0305E82C3301 ", .companyName: " O'Brien & Fils ",
                                         .cloud: "Global", .firstName: "Zoë", .lastName: "O'Brien", .email: "zoe@obrien.ie",
                                         .dateAgreed: "2018-09-01"])).get()
        #expect(m.row.customerId == "3F2504E0-4F89-11D3-9A0C-0305E82C3301")
        #expect(m.row.companyName == "O'Brien & Fils")
        #expect(m.row.cloud == .public)
        #expect(m.row.embedded?.dateAgreed == .date(DayDate(iso: "2018-09-01")!))
        #expect(m.warnings.isEmpty)
    }

    @Test func customerWithoutAcceptanceFieldsHasNoRecord() throws {
        let m = try mapper.customer(raw([.customerId: "a", .companyName: "A", .firstName: "  ", .dateAgreed: ""])).get()
        #expect(m.row.embedded == nil)
    }

    @Test(arguments: [("GCC High", Cloud.usgovernment), ("21Vianet", .china), ("AzureGermanCloud", .germany),
                      ("", .public), ("Commercial", .public), ("usGov", .usgovernment)])
    func clouds(value: String, cloud: Cloud) throws {
        #expect(try mapper.customer(raw([.customerId: "a", .companyName: "A", .cloud: value])).get().row.cloud == cloud)
    }

    @Test func unrecognisedCloudIsPublicWithAWarning() throws {
        let m = try mapper.customer(raw([.customerId: "a", .companyName: "A", .cloud: "Mars"])).get()
        #expect(m.row.cloud == .public)
        #expect(m.warnings.map(\.code) == [.unrecognizedCloud])
    }

    @Test func missingRequiredFields() {
        #expect(throws: RowIssue(.missingRequiredField, "required field customerId is empty: no customer id")) {
            try mapper.customer(raw([.companyName: "A"])).get()
        }
        #expect(mapper.customer(raw([.customerId: "a"])).failureCode == .missingRequiredField)
        #expect(mapper.orderLine(raw([.customerId: "a", .creationDate: "2018-01-01"])).failureCode == .missingRequiredField)
        #expect(mapper.orderLine(raw([.orderId: "o", .customerId: "a"])).failureCode == .missingRequiredField)
    }

    @Test func agreementRowWithAllContactFieldsEmptyIsNoRecord() throws {
        let m = try mapper.agreement(raw([.customerId: "a", .agreementType: "MicrosoftCloudAgreement", .firstName: ""])).get()
        #expect(m.row.record == nil)
        let d = try mapper.agreement(raw([.customerId: "a", .dateAgreed: "8/7/2018"])).get()
        #expect(d.row.record?.dateAgreed == .invalid("8/7/2018"))
    }

    @Test func orderLineValues() throws {
        let m = try mapper.orderLine(raw([.orderId: "o1", .customerId: "c", .creationDate: "2018-11-09T08:00:00Z",
                                          .status: "Cancelled", .lineItemNumber: "2", .quantity: "15",
                                          .billingType: "Seat-Based", .transactionType: "addQuantity"])).get()
        #expect(m.row.creationDate.iso == "2018-11-09")
        #expect(m.row.status == .cancelled)
        #expect(m.row.lineItemNumber == 2)
        #expect(m.row.quantity == 15)
        #expect(m.row.billingType == .license)
        #expect(m.row.transactionType == .addQuantity)
        let d = try mapper.orderLine(raw([.orderId: "o1", .customerId: "c", .creationDate: "2018-11-09"])).get()
        #expect(d.row.status == .completed)
        #expect(d.row.transactionType == .new)
        #expect(d.row.billingType == .unknown)
    }

    /// A packed line keeps an unlisted transaction type as one byte plus its text; unpacking gives it back.
    @Test func unlistedTransactionTypeSurvivesPacking() throws {
        var text = PackedText()
        _ = text.append("padding")
        let m = try mapper.packedOrderLine(raw([.orderId: "o1", .customerId: "c", .creationDate: "2018-11-09",
                                                .transactionType: " Trans-Fer "]), into: &text).get()
        #expect(m.row.transaction == .other)
        #expect(!m.row.transaction.needsConfirmation)
        let unpacked = text.bytes.withUnsafeBytes { OrderLineView(row: m.row, text: $0).unpacked }
        #expect(unpacked.transactionType == .other("transfer"))
        let listed = try mapper.packedOrderLine(raw([.orderId: "o2", .customerId: "c", .creationDate: "2018-11-09",
                                                     .transactionType: "Remove Quantity"]), into: &text).get()
        #expect(listed.row.transaction == .removeQuantity && listed.row.otherTransaction.isAbsent)
        #expect(listed.row.transaction.needsConfirmation)
        // The same through an `OrderLine` packed by the evaluator's path.
        let line = OrderLine(orderId: "o3", customerId: "c", creationDate: DayDate(year: 2019, month: 1, day: 2)!,
                             transactionType: .other("swap"))
        var t2 = PackedText()
        let packed = PackedOrderLine(line, into: &t2)
        #expect(t2.bytes.withUnsafeBytes { OrderLineView(row: packed, text: $0).unpacked.transactionType } == .other("swap"))
    }

    @Test(arguments: ["-1", "1.5", "+3", "five", "1e3"])
    func invalidQuantity(q: String) {
        #expect(mapper.orderLine(raw([.orderId: "o", .customerId: "c", .creationDate: "2018-11-09", .quantity: q])).failureCode
                == .invalidQuantity)
    }

    @Test func unreadableCreationDateIsRejected() {
        #expect(mapper.orderLine(raw([.orderId: "o", .customerId: "c", .creationDate: "13/45/2018"])).failureCode == .invalidDate)
    }

    @Test func aReaderRejectionWins() {
        var r = raw([.customerId: "a", .companyName: "A"])
        r.rejection = RowIssue(.invalidUTF8, "bad")
        #expect(mapper.customer(r).failureCode == .invalidUTF8)
    }
}

extension Result where Failure == RowIssue {
    var failureCode: FindingCode? {
        if case .failure(let f) = self { return f.code }
        return nil
    }
}

/// Order lines' enumerated fields are matched from their bytes (no String); the result must be
/// what the String path gives, for listed spellings in any case and for anything else.
@Suite struct EnumeratedFieldBytesTests {
    static let values = ["", "Completed", "COMPLETE", " succeeded ", "In Progress", "in-progress", "Canceled", "cancelled",
                         "FAILED", "Failure", "Active", "weird", "completed2", "License", "LICENCES", "Seat-Based",
                         "usage_based", "Consumption", "licensebasedlicensebased", "New", "Purchase", "Auto-Renew",
                         "AddQuantity", "remove quantity", "Cancellation", "Upgrade", "Transfer", "Renouvellement é",
                         "ÉtéNew", "removequantityremovequantity", "n\u{00A0}e\u{2003}w", "new!", "  "]

    private func bytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var text = text
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @Test(arguments: values) func bytesAndStringsAgree(_ value: String) {
        #expect(bytes(value) { OrderStatus(exportBytes: $0) } == OrderStatus(exportValue: value))
        #expect(bytes(value) { BillingType(exportBytes: $0) } == BillingType(exportValue: value))
        #expect(bytes(value) { TransactionType(exportBytes: $0) } == TransactionType(exportValue: value))
    }

    @Test func listedSpellingsMatchWhateverTheirCaseAndPunctuation() {
        #expect(bytes("In-Progress") { OrderStatus(exportBytes: $0) } == .pending)
        #expect(bytes("SEAT BASED") { BillingType(exportBytes: $0) } == .license)
        #expect(bytes("Remove Quantity") { TransactionType(exportBytes: $0) } == .removeQuantity)
        #expect(bytes("Transfer") { TransactionType(exportBytes: $0) } == .other("transfer"))
        #expect(bytes("weird") { OrderStatus(exportBytes: $0) } == .unknown)
        #expect(bytes("") { TransactionType(exportBytes: $0) } == .new)
    }

    /// The bytes just outside A-Z, a-z and 0-9 ('@', '[', '`', '{', '/', ':') are punctuation, so
    /// dropped, while letters and digits count, in either eight-byte half of a value.
    @Test func theWordAtATimeMatchStopsExactlyAtLettersAndDigits() {
        for edge in ["@", "[", "`", "{", "/", ":"] {
            #expect(bytes(edge + "Completed") { OrderStatus(exportBytes: $0) } == .completed, "\(edge)")
            #expect(bytes("COMPLETED" + edge) { OrderStatus(exportBytes: $0) } == .completed, "\(edge)")
            #expect(bytes("in" + edge + "progress") { OrderStatus(exportBytes: $0) } == .pending, "\(edge)")
        }
        #expect(bytes("PROVISIONING") { OrderStatus(exportBytes: $0) } == .pending)
        #expect(bytes("provisioninG") { OrderStatus(exportBytes: $0) } == .pending)
        #expect(bytes("0completed") { OrderStatus(exportBytes: $0) } == .unknown)
        #expect(bytes("completed9") { OrderStatus(exportBytes: $0) } == .unknown)
        #expect(bytes("Z") { OrderStatus(exportBytes: $0) } == .unknown)
        #expect(bytes("RemoveQuantity") { TransactionType(exportBytes: $0) } == .removeQuantity)
        #expect(bytes("ABCDEFGHIJKLMNOP") { TransactionType(exportBytes: $0) } == .other("abcdefghijklmnop"))
    }
}
