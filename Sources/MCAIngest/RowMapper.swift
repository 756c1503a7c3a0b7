import MCAModel

/// Turns raw records into typed rows (docs/inputs.md): trims text, checks required fields, reads
/// dates, quantities and enumerated values. One mapper serves every format.
public struct RowMapper: Sendable {
    public let dates: DateParser

    public init(dates: DateParser) { self.dates = dates }

    /// A mapped customers row and the warnings that keep it.
    public struct Mapped<Row: Sendable>: Sendable {
        public var row: Row
        public var warnings: [RowIssue]
    }

    public func customer(_ raw: RawRecord) -> Result<Mapped<CustomerRow>, RowIssue> {
        unpacked(raw, packedCustomer) { CustomerRowView(row: $0, text: $1).unpacked }
    }

    public func agreement(_ raw: RawRecord) -> Result<Mapped<AgreementRow>, RowIssue> {
        unpacked(raw, packedAgreement) { AgreementRowView(row: $0, text: $1).unpacked }
    }

    public func orderLine(_ raw: RawRecord) -> Result<Mapped<OrderLine>, RowIssue> {
        unpacked(raw, packedOrderLine) { OrderLineView(row: $0, text: $1).unpacked }
    }

    public func subscription(_ raw: RawRecord) -> Result<Mapped<SubscriptionRow>, RowIssue> {
        unpacked(raw, packedSubscription) { SubscriptionRowView(row: $0, text: $1).unpacked }
    }

    /// A row mapped by a packing function, with its texts made into Strings by `unpack`.
    private func unpacked<Packed, Row>(_ raw: RawRecord, _ pack: (RawRecord, inout PackedText) -> Result<Mapped<Packed>, RowIssue>,
                                       _ unpack: (Packed, UnsafeRawBufferPointer) -> Row) -> Result<Mapped<Row>, RowIssue> {
        var text = PackedText()
        return pack(raw, &text).map { m in text.bytes.withUnsafeBytes { Mapped(row: unpack(m.row, $0), warnings: m.warnings) } }
    }

    /// A customers row with its text fields appended to `text` instead of made into Strings. A
    /// rejected row leaves `text` as it was.
    public func packedCustomer(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedCustomerRow>, RowIssue> {
        packed(raw, into: &text, packCustomer)
    }

    /// An agreements row with its text fields appended to `text`, as `packedCustomer`.
    public func packedAgreement(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedAgreementRow>, RowIssue> {
        packed(raw, into: &text, packAgreement)
    }

    /// An order line with its text fields appended to `text` instead of made into Strings (the
    /// hot path of the largest file). A rejected row leaves `text` as it was.
    public func packedOrderLine(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedOrderLine>, RowIssue> {
        packed(raw, into: &text, packOrderLine)
    }

    /// A subscriptions row with its text fields appended to `text`, as `packedCustomer`.
    public func packedSubscription(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedSubscriptionRow>, RowIssue> {
        packed(raw, into: &text, packSubscription)
    }

    /// A row packed by `pack`, or the reader's rejection; a rejected row leaves `text` as it was.
    private func packed<Row>(_ raw: RawRecord, into text: inout PackedText,
                             _ pack: (RawRecord, inout PackedText) -> Result<Mapped<Row>, RowIssue>) -> Result<Mapped<Row>, RowIssue> {
        if let r = raw.rejection { return .failure(r) }
        let mark = text.bytes.count
        let result = pack(raw, &text)
        if case .failure = result { text.truncate(to: mark) }
        return result
    }

    private func packCustomer(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedCustomerRow>, RowIssue> {
        let id = pack(raw, .customerId, into: &text)
        guard !id.isAbsent else { return .failure(missing("customerId", "customer id")) }
        let name = pack(raw, .companyName, into: &text)
        guard !name.isAbsent else {
            return .failure(missing("companyName", "company name (customer '\(self.text(raw, .customerId) ?? "")')"))
        }
        var warnings = raw.warnings
        var cloud = Cloud.public
        if let value = self.text(raw, .cloud) {
            if let c = Cloud(exportValue: value) {
                cloud = c
            } else {
                let customer = self.text(raw, .customerId) ?? ""
                warnings.append(RowIssue(.unrecognizedCloud,
                                         "cloud '\(value)' of customer '\(customer)' is not recognised; evaluated as public"))
            }
        }
        let row = PackedCustomerRow(customerId: id, companyName: name, domain: pack(raw, .domain, into: &text), cloud: cloud,
                                    embedded: record(raw, into: &text))
        return .success(Mapped(row: row, warnings: warnings))
    }

    private func packAgreement(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedAgreementRow>, RowIssue> {
        let id = pack(raw, .customerId, into: &text)
        guard !id.isAbsent else { return .failure(missing("customerId", "customer id")) }
        return .success(Mapped(row: PackedAgreementRow(customerId: id, record: record(raw, into: &text)), warnings: raw.warnings))
    }

    private func packOrderLine(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedOrderLine>, RowIssue> {
        let orderId = pack(raw, .orderId, into: &text)
        guard !orderId.isAbsent else { return .failure(missing("orderId", "order id")) }
        // The order id as text, only for a message.
        func order() -> String { self.text(raw, .orderId) ?? "" }
        let customerId = pack(raw, .customerId, into: &text)
        guard !customerId.isAbsent else {
            return .failure(missing("customerId", "customer id (order '\(order())')"))
        }
        let date: DayDate
        switch creationDate(raw) {
        case .failure: return .failure(unreadableDate(raw, of: "order '\(order())'"))
        case .success(nil): return .failure(missing("creationDate", "creation date (order '\(order())')"))
        case .success(let d?): date = d
        }
        guard let quantity = integer(raw, .quantity) else { return .failure(invalidQuantity(raw, of: "order '\(order())'")) }
        guard let lineItemNumber = integer(raw, .lineItemNumber) else {
            let n = self.text(raw, .lineItemNumber) ?? ""
            return .failure(RowIssue(.malformedRow, "line item number '\(n)' of order '\(order())' is not a non-negative integer"))
        }
        var warnings = raw.warnings
        let transaction = raw.withUTF8(.transactionType) { TransactionType(exportBytes: $0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
        if case .other = transaction {
            warnings.append(unrecognized("transaction type", .transactionType, raw, of: "order '\(order())'",
                                         reading: "not a new order or seat change"))
        }
        let status = raw.withUTF8(.status) { OrderStatus.recognized($0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
        if status == nil {
            warnings.append(unrecognized("order status", .status, raw, of: "order '\(order())'", reading: "unknown (a live order)"))
        }
        let line = PackedOrderLine(
            orderId: orderId, customerId: customerId, offerId: pack(raw, .offerId, into: &text),
            offerName: pack(raw, .offerName, into: &text), subscriptionId: pack(raw, .subscriptionId, into: &text),
            creationDate: date, status: status ?? .unknown,
            lineItemNumber: lineItemNumber, quantity: quantity,
            billingType: raw.withUTF8(.billingType) { BillingType(exportBytes: $0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) },
            transaction: transaction.code, otherTransaction: PackedOrderLine.other(transaction, into: &text),
            resellerId: packReseller(raw, into: &text))
        return .success(Mapped(row: line, warnings: warnings))
    }

    private func packSubscription(_ raw: RawRecord, into text: inout PackedText) -> Result<Mapped<PackedSubscriptionRow>, RowIssue> {
        let subscriptionId = pack(raw, .subscriptionId, into: &text)
        guard !subscriptionId.isAbsent else { return .failure(missing("subscriptionId", "subscription id")) }
        func subscription() -> String { self.text(raw, .subscriptionId) ?? "" }
        let customerId = pack(raw, .customerId, into: &text)
        guard !customerId.isAbsent else {
            return .failure(missing("customerId", "customer id (subscription '\(subscription())')"))
        }
        // Optional here: a subscription without one counts whatever the as-of date.
        guard case .success(let date) = creationDate(raw) else {
            return .failure(unreadableDate(raw, of: "subscription '\(subscription())'"))
        }
        guard let quantity = integer(raw, .quantity) else { return .failure(invalidQuantity(raw, of: "subscription '\(subscription())'")) }
        var warnings = raw.warnings
        let status = raw.withUTF8(.status) { SubscriptionStatus.recognized($0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
        if status == nil {
            warnings.append(unrecognized("subscription status", .status, raw, of: "subscription '\(subscription())'",
                                         reading: "active (its seats stay at risk)"))
        }
        let row = PackedSubscriptionRow(
            subscriptionId: subscriptionId, customerId: customerId, offerId: pack(raw, .offerId, into: &text),
            offerName: pack(raw, .offerName, into: &text), quantity: quantity,
            billingType: raw.withUTF8(.billingType) { BillingType(exportBytes: $0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) },
            status: status ?? .active, creationDate: date, resellerId: packReseller(raw, into: &text))
        return .success(Mapped(row: row, warnings: warnings))
    }

    /// The record's creation date: `nil` when empty, a failure when it cannot be read.
    private func creationDate(_ raw: RawRecord) -> Result<DayDate?, Unreadable> {
        var result: Result<DayDate?, Unreadable> = .success(nil)
        trimmedBytes(raw, .creationDate) { b in
            guard !b.isEmpty else { return }
            result = dates.parse(bytes: b).map { .success($0) } ?? .failure(Unreadable())
        }
        return result
    }

    private struct Unreadable: Error {}

    private func unreadableDate(_ raw: RawRecord, of owner: String) -> RowIssue {
        RowIssue(.invalidDate, "creation date '\(text(raw, .creationDate) ?? "")' of \(owner) is not a readable date")
    }

    private func invalidQuantity(_ raw: RawRecord, of owner: String) -> RowIssue {
        RowIssue(.invalidQuantity, "quantity '\(text(raw, .quantity) ?? "")' of \(owner) is not a non-negative integer")
    }

    /// UNRECOGNIZED_VALUE: `field`'s value is outside its vocabulary and is read as `reading`.
    private func unrecognized(_ what: String, _ field: Field, _ raw: RawRecord, of owner: String, reading: String) -> RowIssue {
        RowIssue(.unrecognizedValue, "\(what) '\(text(raw, field) ?? "")' of \(owner) is not recognised; read as \(reading)")
    }

    /// Appends a field's trimmed bytes to `text` (absent when empty).
    private func pack(_ raw: RawRecord, _ field: Field, into text: inout PackedText) -> PackedText.Span {
        var span = PackedText.Span.absent
        trimmedBytes(raw, field) { span = text.append($0) }
        return span
    }

    /// Appends the row's reseller id to `text`; absent when the row names none (`ResellerId.names`:
    /// `-1`, `0`, empty, or the partner's own MPN ID of the same row).
    private func packReseller(_ raw: RawRecord, into text: inout PackedText) -> PackedText.Span {
        var span = PackedText.Span.absent
        trimmedBytes(raw, .resellerId) { id in
            guard !id.isEmpty else { return }
            var names = true
            trimmedBytes(raw, .partnerMpnId) { names = ResellerId.names(id, ownMpnId: $0) }
            if names { span = text.append(id) }
        }
        return span
    }

    /// Calls `body` with the field's bytes trimmed of white space (empty when absent).
    private func trimmedBytes(_ raw: RawRecord, _ field: Field, _ body: (UnsafeRawBufferPointer) -> Void) {
        raw.withUTF8(field) { bytes in
            guard let bytes, !bytes.isEmpty else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            var lo = 0, hi = bytes.count
            while lo < hi, bytes[lo] == 0x20 || (0x09...0x0D).contains(bytes[lo]) { lo += 1 }
            while hi > lo, bytes[hi - 1] == 0x20 || (0x09...0x0D).contains(bytes[hi - 1]) { hi -= 1 }
            if lo < hi, bytes[lo] >= 0x80 || bytes[hi - 1] >= 0x80 {
                // Possibly a Unicode space at an edge: take the general path.
                var t = trimmed(String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self))
                return t.withUTF8 { body(UnsafeRawBufferPointer($0)) }
            }
            body(UnsafeRawBufferPointer(rebasing: bytes[lo..<hi]))
        }
    }

    /// A plain non-negative decimal integer field: 0 when empty, `nil` when not such an integer.
    private func integer(_ raw: RawRecord, _ field: Field) -> Int? {
        var result: Int? = 0
        trimmedBytes(raw, field) { b in
            guard !b.isEmpty else { return }
            guard b.count <= 18 else { result = nil; return }
            var v = 0
            for c in b {
                guard c >= 48, c <= 57 else { result = nil; return }
                v = v * 10 + Int(c - 48)
            }
            result = v
        }
        return result
    }

    /// The confirmation record a row carries, or `nil` when its contact and date fields are all empty.
    private func record(_ raw: RawRecord, into text: inout PackedText) -> PackedConfirmation? {
        guard Field.contactAndDate.contains(where: { field in
            var blank = true
            trimmedBytes(raw, field) { blank = $0.isEmpty }
            return !blank
        }) else { return nil }
        var date: DayDate?
        var unreadable = PackedText.Span.absent
        trimmedBytes(raw, .dateAgreed) { b in
            guard !b.isEmpty else { return }
            date = dates.parse(bytes: b)
            if date == nil { unreadable = text.append(b) }
        }
        return PackedConfirmation(
            firstName: pack(raw, .firstName, into: &text), lastName: pack(raw, .lastName, into: &text),
            email: pack(raw, .email, into: &text), phoneNumber: pack(raw, .phoneNumber, into: &text),
            date: date, unreadableDate: unreadable, agreementType: pack(raw, .agreementType, into: &text),
            templateId: pack(raw, .templateId, into: &text), recordedByRole: pack(raw, .recordedByRole, into: &text))
    }

    /// The trimmed value, or `nil` when absent or blank.
    private func text(_ raw: RawRecord, _ field: Field) -> String? {
        guard let v = raw[field] else { return nil }
        let t = trimmed(v)
        return t.isEmpty ? nil : t
    }

    private func missing(_ field: String, _ what: String) -> RowIssue {
        RowIssue(.missingRequiredField, "required field \(field) is empty: no \(what)")
    }
}
