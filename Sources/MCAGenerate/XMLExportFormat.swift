import MCAModel

/// XML in the shapes of the README's "Inputs": `<Customer customerId cloud><CompanyName/><Domain/><Acceptance …/>`,
/// `<Agreement customerId type …><PrimaryContact>…</PrimaryContact><DateAgreed/>`,
/// `<Subscription customerId id offerId quantity billingType status creationDate><OfferName/>`, and
/// `<Order id customerId creationDate status>` holding one `<LineItem …/>` per line (each on its own
/// line, so a diagnostic's line number points at it). Absent fields are left out.
struct XMLExportFormat: ExportFormat {
    private static let acceptance: [(Column, StaticString)] = [
        (.firstName, "firstName"), (.lastName, "lastName"), (.email, "email"), (.phoneNumber, "phoneNumber"),
        (.dateAgreed, "dateAgreed"), (.recordedByRole, "recordedByRole"),
    ]
    private static let contact: [(Column, StaticString)] = [
        (.firstName, "FirstName"), (.lastName, "LastName"), (.email, "Email"), (.phoneNumber, "PhoneNumber"),
    ]
    private static let subscriptionAttributes: [(Column, StaticString)] = [
        (.customerId, "customerId"), (.subscriptionId, "id"), (.offerId, "offerId"), (.quantity, "quantity"),
        (.billingType, "billingType"), (.status, "status"), (.creationDate, "creationDate"),
        (.resellerId, "partnerId"),
    ]
    private static let lineAttributes: [(Column, StaticString)] = [
        (.lineItemNumber, "lineItemNumber"), (.offerId, "offerId"), (.offerName, "offerName"),
        (.subscriptionId, "subscriptionId"), (.quantity, "quantity"), (.billingType, "billingType"),
        (.transactionType, "transactionType"), (.resellerId, "partnerIdOnRecord"),
    ]

    func begin(_ kind: ExportKind, itemCount: Int, into out: inout [UInt8]) {
        out.appendASCII("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.appendASCII(rootStart(kind))
    }

    private func rootStart(_ kind: ExportKind) -> StaticString {
        switch kind {
        case .customers: "<Customers>\n"
        case .agreements: "<Agreements>\n"
        case .subscriptions: "<Subscriptions>\n"
        case .orders: "<Orders>\n"
        }
    }

    func customer(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        out.appendASCII("  <Customer")
        attribute(r, .customerId, "customerId", &out)
        attribute(r, .cloud, "cloud", &out)
        out.append(62)
        element(r, .companyName, "CompanyName", &out)
        element(r, .domain, "Domain", &out)
        if Self.acceptance.contains(where: { r.has($0.0) }) {
            out.appendASCII("<Acceptance")
            for (column, name) in Self.acceptance { attribute(r, column, name, &out) }
            out.appendASCII("/>")
        }
        out.appendASCII("</Customer>\n")
    }

    func agreement(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        out.appendASCII("  <Agreement")
        attribute(r, .customerId, "customerId", &out)
        attribute(r, .agreementType, "type", &out)
        attribute(r, .templateId, "templateId", &out)
        attribute(r, .recordedByRole, "recordedByRole", &out)
        out.append(62)
        if Self.contact.contains(where: { r.has($0.0) }) {
            out.appendASCII("<PrimaryContact>")
            for (column, name) in Self.contact { element(r, column, name, &out) }
            out.appendASCII("</PrimaryContact>")
        }
        element(r, .dateAgreed, "DateAgreed", &out)
        out.appendASCII("</Agreement>\n")
    }

    func subscription(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        out.appendASCII("  <Subscription")
        for (column, name) in Self.subscriptionAttributes { attribute(r, column, name, &out) }
        out.append(62)
        element(r, .offerName, "OfferName", &out)
        out.appendASCII("</Subscription>\n")
    }

    func order(_ o: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        out.appendASCII("  <Order")
        attribute(o, .orderId, "id", &out)
        attribute(o, .customerId, "customerId", &out)
        attribute(o, .creationDate, "creationDate", &out)
        attribute(o, .status, "status", &out)
        out.appendASCII(">\n")
        for k in 0..<o.lineCount {
            out.appendASCII("    <LineItem")
            for (column, name) in Self.lineAttributes { attribute(o, column, name, line: k, &out) }
            out.appendASCII("/>\n")
        }
        out.appendASCII("  </Order>\n")
    }

    func end(_ kind: ExportKind, into out: inout [UInt8]) {
        switch kind {
        case .customers: out.appendASCII("</Customers>\n")
        case .agreements: out.appendASCII("</Agreements>\n")
        case .subscriptions: out.appendASCII("</Subscriptions>\n")
        case .orders: out.appendASCII("</Orders>\n")
        }
    }

    @inline(__always)
    private func attribute(_ r: GeneratedRecord, _ column: Column, _ name: StaticString, line: Int = -1,
                           _ out: inout [UInt8]) {
        r.withValue(column, line: line) { v in
            out.append(32)
            out.appendASCII(name)
            out.append(61)
            out.append(34)
            if column.isPlain { out.append(contentsOf: v) } else { escaped(v, &out) }
            out.append(34)
        }
    }

    private func element(_ r: GeneratedRecord, _ column: Column, _ name: StaticString, _ out: inout [UInt8]) {
        r.withValue(column) { v in
            out.append(60)
            out.appendASCII(name)
            out.append(62)
            escaped(v, &out)
            out.append(60)
            out.append(47)
            out.appendASCII(name)
            out.append(62)
        }
    }

    /// Text with `&`, `<`, `>` and `"` escaped, so it is safe in content and in attributes.
    @inline(__always)
    private func escaped(_ v: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        var plain = true
        for b in v where b == 38 || b == 60 || b == 62 || b == 34 {
            plain = false
            break
        }
        guard !plain else {
            out.append(contentsOf: v)
            return
        }
        for b in v {
            switch b {
            case 38: out.appendASCII("&amp;")
            case 60: out.appendASCII("&lt;")
            case 62: out.appendASCII("&gt;")
            case 34: out.appendASCII("&quot;")
            default: out.append(b)
            }
        }
    }
}
