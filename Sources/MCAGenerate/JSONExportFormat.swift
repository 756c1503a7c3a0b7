import MCAModel

/// JSON in the Partner Center REST shapes (README, "Inputs"): `{"totalCount": n, "items": [...]}`
/// with one item per line; customers with `id` and `companyProfile{tenantId, domain, companyName}`,
/// agreements with `customerId`, `primaryContact{…}`, `dateAgreed`, `type`, subscriptions as the
/// Subscription resource (`id`, `offerId`, `offerName`, `friendlyName`, `quantity`, `unitType`,
/// `billingType`, `status`, `creationDate`, `effectiveStartDate`, `commitmentEndDate`,
/// `autoRenewEnabled`, `billingCycle`, `links`, `attributes`) with the `customerId` an export
/// script adds, and orders with `id`, `referenceCustomerId`, `creationDate`, `status`,
/// `lineItems[…]`. Absent fields are left out; quantities and line numbers are JSON numbers when
/// they are plain integers.
struct JSONExportFormat: ExportFormat {
    private static let contact: [(Column, StaticString)] = [
        (.firstName, "firstName"), (.lastName, "lastName"), (.email, "email"), (.phoneNumber, "phoneNumber"),
    ]
    private static let acceptance = contact + [(.dateAgreed, "dateAgreed"), (.recordedByRole, "recordedByRole")]
    private static let lineKeys: [(Column, StaticString)] = [
        (.lineItemNumber, "lineItemNumber"), (.offerId, "offerId"), (.offerName, "friendlyName"),
        (.subscriptionId, "subscriptionId"), (.quantity, "quantity"), (.billingType, "billingType"),
        (.transactionType, "transactionType"), (.resellerId, "partnerIdOnRecord"),
    ]

    func begin(_ kind: ExportKind, itemCount: Int, into out: inout [UInt8]) {
        out.appendASCII("{\"totalCount\":")
        out.appendDecimal(itemCount)
        out.appendASCII(",\"items\":[\n")
    }

    func customer(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        if index > 0 { out.appendASCII(",\n") }
        var first = true
        out.append(123)
        member(r, .customerId, "id", &first, &out)
        if !first { out.append(44) }
        first = false
        out.appendASCII("\"companyProfile\":{")
        var inner = true
        member(r, .customerId, "tenantId", &inner, &out)
        member(r, .domain, "domain", &inner, &out)
        member(r, .companyName, "companyName", &inner, &out)
        out.append(125)
        member(r, .cloud, "cloud", &first, &out)
        object("acceptance", r, Self.acceptance, &first, &out)
        out.appendASCII(",\"attributes\":{\"objectType\":\"Customer\"}}")
    }

    func agreement(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        if index > 0 { out.appendASCII(",\n") }
        var first = true
        out.append(123)
        member(r, .customerId, "customerId", &first, &out)
        object("primaryContact", r, Self.contact, &first, &out)
        member(r, .dateAgreed, "dateAgreed", &first, &out)
        member(r, .templateId, "templateId", &first, &out)
        member(r, .agreementType, "type", &first, &out)
        member(r, .recordedByRole, "recordedByRole", &first, &out)
        out.append(125)
    }

    func subscription(_ r: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        if index > 0 { out.appendASCII(",\n") }
        var first = true
        out.append(123)
        member(r, .subscriptionId, "id", &first, &out)
        member(r, .customerId, "customerId", &first, &out)
        member(r, .offerId, "offerId", &first, &out)
        member(r, .offerName, "offerName", &first, &out)
        member(r, .offerName, "friendlyName", &first, &out)
        member(r, .quantity, "quantity", &first, &out, numeric: true)
        member(r, .unitType, "unitType", &first, &out)
        member(r, .billingType, "billingType", &first, &out)
        member(r, .status, "status", &first, &out)
        member(r, .creationDate, "creationDate", &first, &out)
        member(r, .effectiveStartDate, "effectiveStartDate", &first, &out)
        member(r, .commitmentEndDate, "commitmentEndDate", &first, &out)
        member(r, .autoRenewEnabled, "autoRenewEnabled", &first, &out, literal: true)
        member(r, .billingCycle, "billingCycle", &first, &out)
        member(r, .resellerId, "partnerId", &first, &out)
        if !first { out.append(44) }
        // The links the API gives every subscription; the readers skip them.
        out.appendASCII("\"links\":{\"offer\":{\"uri\":\"/offers/")
        r.withValue(.offerId) { out.append(contentsOf: $0) }
        out.appendASCII("?country=US\",\"method\":\"GET\",\"headers\":[]},\"self\":{\"uri\":\"/customers/")
        r.withValue(.customerId) { out.append(contentsOf: $0) }
        out.appendASCII("/subscriptions/")
        r.withValue(.subscriptionId) { out.append(contentsOf: $0) }
        out.appendASCII("\",\"method\":\"GET\",\"headers\":[]}},\"attributes\":{\"objectType\":\"Subscription\"}}")
    }

    func order(_ o: GeneratedRecord, index: Int, into out: inout [UInt8]) {
        if index > 0 { out.appendASCII(",\n") }
        var first = true
        out.append(123)
        member(o, .orderId, "id", &first, &out)
        member(o, .customerId, "referenceCustomerId", &first, &out)
        member(o, .creationDate, "creationDate", &first, &out)
        member(o, .status, "status", &first, &out)
        if !first { out.append(44) }
        out.appendASCII("\"lineItems\":[")
        for k in 0..<o.lineCount {
            if k > 0 { out.append(44) }
            var firstKey = true
            out.append(123)
            for (column, key) in Self.lineKeys {
                member(o, column, key, line: k, &firstKey, &out,
                       numeric: column == .quantity || column == .lineItemNumber)
            }
            out.append(125)
        }
        out.appendASCII("]}")
    }

    func end(_ kind: ExportKind, into out: inout [UInt8]) { out.appendASCII("\n]}\n") }

    /// A nested object of the fields present, left out when none is.
    private func object(_ key: StaticString, _ r: GeneratedRecord, _ members: [(Column, StaticString)],
                        _ first: inout Bool, _ out: inout [UInt8]) {
        guard members.contains(where: { r.has($0.0) }) else { return }
        if !first { out.append(44) }
        first = false
        out.append(34)
        out.appendASCII(key)
        out.appendASCII("\":{")
        var inner = true
        for (column, name) in members { member(r, column, name, &inner, &out) }
        out.append(125)
    }

    /// One member; `numeric`: a number when the value is a plain integer; `literal`: the value as
    /// is (`true`, `false`).
    @inline(__always)
    private func member(_ r: GeneratedRecord, _ column: Column, _ key: StaticString, line: Int = -1,
                        _ first: inout Bool, _ out: inout [UInt8], numeric: Bool = false, literal: Bool = false) {
        guard r.has(column, line: line) else { return }
        if !first { out.append(44) }
        first = false
        out.append(34)
        out.appendASCII(key)
        out.append(34)
        out.append(58)
        r.withValue(column, line: line) { v in
            if literal || numeric && !v.isEmpty && v.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                out.append(contentsOf: v)
            } else if column.isPlain {
                out.append(34)
                out.append(contentsOf: v)
                out.append(34)
            } else {
                string(v, &out)
            }
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped; other UTF-8 as is.
    @inline(__always)
    private func string(_ v: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        out.append(34)
        var plain = true
        for b in v where b == 34 || b == 92 || b < 32 {
            plain = false
            break
        }
        if plain {
            out.append(contentsOf: v)
        } else {
            for b in v {
                switch b {
                case 34: out.appendASCII("\\\"")
                case 92: out.appendASCII("\\\\")
                case 10: out.appendASCII("\\n")
                case 13: out.appendASCII("\\r")
                case 9: out.appendASCII("\\t")
                case ..<32:
                    out.appendASCII("\\u00")
                    out.appendHex(UInt64(b), digits: 2, uppercase: false)
                default: out.append(b)
                }
            }
        }
        out.append(34)
    }
}
