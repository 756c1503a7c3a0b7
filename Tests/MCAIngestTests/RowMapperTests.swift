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

/// The transaction vocabulary (README, "Transactions") and UNRECOGNIZED_VALUE.
@Suite struct TransactionVocabularyTests {
    private func bytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var text = text
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @Test(arguments: [
        ("", TransactionType.new), ("New", .new), ("addQuantity", .addQuantity), ("removeQuantity", .removeQuantity),
        ("renew", .renew), ("Renewal", .renew), ("cycleCharge", .renew), ("cancel", .cancel), ("cancelImmediate", .cancel),
        ("convert", .convert), ("trialConversion", .convert), ("customerCredit", .customerCredit),
        // The legacy license-based reconciliation file's phrases, including those longer than 16 letters.
        ("Activation fee", .new), ("PURCHASE FEE", .new), ("Prorate fees when purchase", .new), ("Cycle fee", .renew),
        ("Prorate fee when renew", .renew), ("Cycle instance prorate", .addQuantity), ("Cancel fee", .customerCredit),
        ("Prorate fees when cancel", .cancel), ("Prorate fees when convert to a new offering", .convert),
        // Not in the vocabulary: kept, not affected.
        ("Purchase", .other("purchase")), ("UserPurchase", .other("userpurchase")), ("Prorate fees when purchased", .other("proratefeeswhenpurchased")),
    ])
    func spellings(_ text: String, _ expected: TransactionType) {
        #expect(TransactionType(exportValue: text) == expected)
        #expect(bytes(text) { TransactionType(exportBytes: $0) } == expected)
    }

    @Test func onlyNewOrdersAndSeatChangesNeedAConfirmation() {
        let affected = [TransactionType.new, .addQuantity, .removeQuantity, .renew, .cancel, .convert, .customerCredit, .other("x")]
            .filter(\.needsConfirmation)
        #expect(affected == [.new, .addQuantity, .removeQuantity])
    }

    @Test func everyLegacyPhraseIsReadAsItsValue() {
        for (phrase, value) in TransactionType.legacyChargePhrases {
            #expect(TransactionType(exportValue: phrase) == value, "\(phrase)")
        }
    }

    static let mapper = RowMapper(dates: try! DateParser())

    private func order(_ fields: [Field: String]) -> Result<RowMapper.Mapped<OrderLine>, RowIssue> {
        var raw = RawRecord(line: 2)
        raw[.orderId] = "o-1"
        raw[.customerId] = "c-1"
        raw[.creationDate] = "2022-02-01"
        for (f, v) in fields { raw[f] = v }
        return Self.mapper.orderLine(raw)
    }

    @Test func valuesOutsideTheVocabularyKeepTheRowWithOneWarningEach() throws {
        let m = try order([.status: "Provisioned", .transactionType: "UserPurchase"]).get()
        #expect(m.row.status == .unknown)
        #expect(m.row.transactionType == .other("userpurchase"))
        #expect(m.warnings.map(\.code) == [.unrecognizedValue, .unrecognizedValue])
        #expect(m.warnings.map(\.message) == [
            "transaction type 'UserPurchase' of order 'o-1' is not recognised; read as not a new order or seat change",
            "order status 'Provisioned' of order 'o-1' is not recognised; read as unknown (a live order)",
        ])
        // A billing type outside its vocabulary (a unit of measure) is neither, without a warning.
        let unit = try order([.billingType: "1 GB/Month", .status: "unknown"]).get()
        #expect(unit.row.billingType == .unknown && unit.warnings.isEmpty)
    }

    private func subscription(_ fields: [Field: String]) -> Result<RowMapper.Mapped<SubscriptionRow>, RowIssue> {
        var raw = RawRecord(line: 3)
        raw[.subscriptionId] = "s-1"
        raw[.customerId] = "c-1"
        for (f, v) in fields { raw[f] = v }
        return Self.mapper.subscription(raw)
    }

    @Test func subscriptionsRows() throws {
        let m = try subscription([.quantity: "25", .billingType: "Licenses", .status: "Suspended", .creationDate: "2021-03-01T00:00:00Z",
                                  .offerName: "Microsoft 365 E3"]).get()
        #expect(m.row == SubscriptionRow(subscriptionId: "s-1", customerId: "c-1", offerName: "Microsoft 365 E3", quantity: 25,
                                         billingType: .license, status: .suspended, creationDate: DayDate(iso: "2021-03-01")))
        #expect(m.warnings.isEmpty)
        #expect(try subscription([.billingType: "Usage-based"]).get().row.billingType == .usage)
        #expect(try subscription([.billingType: "benefit"]).get().row.billingType == .unknown)
        #expect(try subscription([:]).get().row.status == .active)
        let odd = try subscription([.status: "Frozen"]).get()
        #expect(odd.row.status == .active && odd.warnings.map(\.code) == [.unrecognizedValue])
        #expect(subscription([.quantity: "-3"]).failureCode == .invalidQuantity)
        #expect(subscription([.creationDate: "13/45/2018"]).failureCode == .invalidDate)
        #expect(subscription([.subscriptionId: " "]).failureCode == .missingRequiredField)
    }
}
