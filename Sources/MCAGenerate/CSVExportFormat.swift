import MCAModel

/// CSV (RFC 4180, LF line ends, UTF-8): a header of Schema field names, one row per customer,
/// agreement, subscription or order line item; a field with a comma, quote or line break is quoted
/// with its quotes doubled.
struct CSVExportFormat: ExportFormat {
    static let customerColumns: [(Column, StaticString)] = [
        (.customerId, "CustomerId"), (.companyName, "CompanyName"), (.domain, "Domain"), (.cloud, "Cloud"),
        (.firstName, "FirstName"), (.lastName, "LastName"), (.email, "Email"), (.phoneNumber, "PhoneNumber"),
        (.dateAgreed, "DateAgreed"), (.recordedByRole, "RecordedByRole"),
    ]
    static let agreementColumns: [(Column, StaticString)] = [
        (.customerId, "CustomerId"), (.firstName, "FirstName"), (.lastName, "LastName"), (.email, "Email"),
        (.phoneNumber, "PhoneNumber"), (.dateAgreed, "DateAgreed"), (.agreementType, "Type"),
        (.templateId, "TemplateId"), (.recordedByRole, "RecordedByRole"),
    ]
    /// `BillingType` is spelled `license` or `usage`, as the README's "Inputs" names the values (the
    /// REST resource's `unitType` spellings, `Licenses` and `Usage-based`, are in the JSON only).
    static let subscriptionColumns: [(Column, StaticString)] = [
        (.customerId, "CustomerId"), (.subscriptionId, "SubscriptionId"), (.offerId, "OfferId"),
        (.offerName, "OfferName"), (.quantity, "Quantity"), (.billingType, "BillingType"), (.status, "Status"),
        (.creationDate, "CreationDate"), (.resellerId, "PartnerId"),
    ]
    static let orderColumns: [(Column, StaticString)] = [
        (.orderId, "OrderId"), (.customerId, "CustomerId"), (.creationDate, "CreationDate"), (.status, "Status"),
    ]
    static let lineColumns: [(Column, StaticString)] = [
        (.lineItemNumber, "LineItemNumber"), (.offerId, "OfferId"), (.offerName, "OfferName"),
        (.subscriptionId, "SubscriptionId"), (.quantity, "Quantity"), (.billingType, "BillingType"),
        (.transactionType, "TransactionType"), (.resellerId, "PartnerIdOnRecord"),
    ]

    func begin(_ kind: ExportKind, itemCount: Int, into out: inout [UInt8]) {
        let names: [StaticString]
        switch kind {
        case .customers: names = Self.customerColumns.map(\.1)
        case .agreements: names = Self.agreementColumns.map(\.1)
        case .subscriptions: names = Self.subscriptionColumns.map(\.1)
        case .orders: names = (Self.orderColumns + Self.lineColumns).map(\.1)
        }
        Self.header(names, into: &out)
    }

    /// A header line of the names given.
    static func header(_ names: [StaticString], into out: inout [UInt8]) {
        for (i, name) in names.enumerated() {
            if i > 0 { out.append(44) }
            out.appendASCII(name)
        }
        out.append(10)
    }

    func customer(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) { row(r, Self.customerColumns, &out) }

    func agreement(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) { row(r, Self.agreementColumns, &out) }

    func subscription(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        row(r, Self.subscriptionColumns, &out)
    }

    func order(_ o: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        for k in 0..<o.lineCount {
            for (i, (column, _)) in Self.orderColumns.enumerated() {
                if i > 0 { out.append(44) }
                field(o, column, -1, &out)
            }
            for (column, _) in Self.lineColumns {
                out.append(44)
                field(o, column, k, &out)
            }
            out.append(10)
        }
    }

    func end(_ kind: ExportKind, into out: inout [UInt8]) {}

    private func row(_ r: GeneratedRecord, _ columns: [(Column, StaticString)], _ out: inout [UInt8]) {
        for (i, (column, _)) in columns.enumerated() {
            if i > 0 { out.append(44) }
            field(r, column, -1, &out)
        }
        out.append(10)
    }

    @inline(__always)
    private func field(_ r: GeneratedRecord, _ column: Column, _ line: Int, _ out: inout [UInt8]) {
        r.withValue(column, line: line) { v in
            if column.isPlain {
                out.append(contentsOf: v)
                return
            }
            var quote = false
            for b in v where b == 44 || b == 34 || b == 10 || b == 13 {
                quote = true
                break
            }
            // Leading or trailing blanks would be trimmed by a reader unless quoted.
            if let first = v.first, let last = v.last, first == 32 || last == 32 { quote = true }
            guard quote else {
                out.append(contentsOf: v)
                return
            }
            out.appendQuotedCSV(v)
        }
    }
}
