import MCAModel

/// Turns raw records into typed rows (SPEC 2.1–2.3): trims text, checks required fields, reads
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
        if let r = raw.rejection { return .failure(r) }
        guard let id = text(raw, .customerId) else { return .failure(missing("customerId", "customer id")) }
        guard let name = text(raw, .companyName) else {
            return .failure(missing("companyName", "company name (customer '\(id)')"))
        }
        var warnings = raw.warnings
        var cloud = Cloud.public
        if let value = text(raw, .cloud) {
            if let c = Cloud(exportValue: value) {
                cloud = c
            } else {
                warnings.append(RowIssue(.unrecognizedCloud,
                                         "cloud '\(value)' of customer '\(id)' is not recognised; evaluated as public"))
            }
        }
        let row = CustomerRow(customerId: id, companyName: name, domain: text(raw, .domain), cloud: cloud,
                              embedded: record(raw))
        return .success(Mapped(row: row, warnings: warnings))
    }

    public func agreement(_ raw: RawRecord) -> Result<Mapped<AgreementRow>, RowIssue> {
        if let r = raw.rejection { return .failure(r) }
        guard let id = text(raw, .customerId) else { return .failure(missing("customerId", "customer id")) }
        return .success(Mapped(row: AgreementRow(customerId: id, record: record(raw)), warnings: raw.warnings))
    }

    public func orderLine(_ raw: RawRecord) -> Result<Mapped<OrderLine>, RowIssue> {
        if let r = raw.rejection { return .failure(r) }
        guard let orderId = text(raw, .orderId) else { return .failure(missing("orderId", "order id")) }
        guard let customerId = text(raw, .customerId) else {
            return .failure(missing("customerId", "customer id (order '\(orderId)')"))
        }
        guard let dateText = text(raw, .creationDate) else {
            return .failure(missing("creationDate", "creation date (order '\(orderId)')"))
        }
        guard let date = dates.parse(dateText) else {
            return .failure(RowIssue(.invalidDate, "creation date '\(dateText)' of order '\(orderId)' is not a readable date"))
        }
        var quantity = 0
        if let q = text(raw, .quantity) {
            guard let v = nonNegativeInteger(q) else {
                return .failure(RowIssue(.invalidQuantity, "quantity '\(q)' of order '\(orderId)' is not a non-negative integer"))
            }
            quantity = v
        }
        var lineItemNumber = 0
        if let n = text(raw, .lineItemNumber) {
            guard let v = nonNegativeInteger(n) else {
                return .failure(RowIssue(.malformedRow, "line item number '\(n)' of order '\(orderId)' is not a non-negative integer"))
            }
            lineItemNumber = v
        }
        let line = OrderLine(
            orderId: orderId, customerId: customerId, creationDate: date,
            status: OrderStatus(exportValue: text(raw, .status) ?? ""),
            lineItemNumber: lineItemNumber, offerId: text(raw, .offerId), offerName: text(raw, .offerName),
            subscriptionId: text(raw, .subscriptionId), quantity: quantity,
            billingType: BillingType(exportValue: text(raw, .billingType) ?? ""),
            transactionType: TransactionType(exportValue: text(raw, .transactionType) ?? ""))
        return .success(Mapped(row: line, warnings: raw.warnings))
    }

    /// The confirmation record a row carries, or `nil` when its contact and date fields are all empty.
    private func record(_ raw: RawRecord) -> ConfirmationRecord? {
        guard Field.contactAndDate.contains(where: { text(raw, $0) != nil }) else { return nil }
        let date: DateField
        if let t = text(raw, .dateAgreed) {
            date = dates.parse(t).map(DateField.date) ?? .invalid(t)
        } else {
            date = .missing
        }
        return ConfirmationRecord(
            firstName: text(raw, .firstName), lastName: text(raw, .lastName), email: text(raw, .email),
            phoneNumber: text(raw, .phoneNumber), dateAgreed: date, agreementType: text(raw, .agreementType),
            templateId: text(raw, .templateId), recordedByRole: text(raw, .recordedByRole))
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

/// A plain non-negative decimal integer (`5`, `007`); not `+5`, `5.0`, `-1` or `1e3`.
func nonNegativeInteger(_ s: String) -> Int? {
    guard !s.isEmpty, s.utf8.count <= 18, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
    return Int(s)
}
