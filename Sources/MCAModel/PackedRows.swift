/// Customers and agreements rows whose texts are spans into a `PackedText`, as order lines are
/// (`PackedOrderLine`): a million customers and a million agreement rows are read and evaluated
/// without a String per field. Strings are made only for what a report keeps (a defective
/// confirmation, a message).

/// A confirmation record (README, "Statuses") with its texts packed.
public struct PackedConfirmation: Sendable {
    public var firstName: PackedText.Span
    public var lastName: PackedText.Span
    public var email: PackedText.Span
    public var phoneNumber: PackedText.Span
    /// The date agreed; `nil` when the field is empty or unreadable (`unreadableDate` says which).
    public var date: DayDate?
    /// The date as written when it could not be read; absent otherwise.
    public var unreadableDate: PackedText.Span
    public var agreementType: PackedText.Span
    public var templateId: PackedText.Span
    public var recordedByRole: PackedText.Span

    public init(firstName: PackedText.Span, lastName: PackedText.Span, email: PackedText.Span,
                phoneNumber: PackedText.Span, date: DayDate?, unreadableDate: PackedText.Span,
                agreementType: PackedText.Span, templateId: PackedText.Span, recordedByRole: PackedText.Span) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phoneNumber = phoneNumber
        self.date = date
        self.unreadableDate = unreadableDate
        self.agreementType = agreementType
        self.templateId = templateId
        self.recordedByRole = recordedByRole
    }

    /// Packs a record's strings.
    public init(_ record: ConfirmationRecord, into text: inout PackedText) {
        var unreadable = PackedText.Span.absent
        if case .invalid(let written) = record.dateAgreed { unreadable = text.append(written) }
        self.init(firstName: text.append(record.firstName), lastName: text.append(record.lastName),
                  email: text.append(record.email), phoneNumber: text.append(record.phoneNumber),
                  date: record.dateAgreed.date, unreadableDate: unreadable,
                  agreementType: text.append(record.agreementType), templateId: text.append(record.templateId),
                  recordedByRole: text.append(record.recordedByRole))
    }
}

/// A customers row (docs/inputs.md, "Field names") with its texts packed.
public struct PackedCustomerRow: Sendable {
    public var customerId: PackedText.Span
    public var companyName: PackedText.Span
    public var domain: PackedText.Span
    public var cloud: Cloud
    public var embedded: PackedConfirmation?

    public init(customerId: PackedText.Span, companyName: PackedText.Span, domain: PackedText.Span, cloud: Cloud,
                embedded: PackedConfirmation?) {
        self.customerId = customerId
        self.companyName = companyName
        self.domain = domain
        self.cloud = cloud
        self.embedded = embedded
    }

    /// Packs a row's strings.
    public init(_ row: CustomerRow, into text: inout PackedText) {
        self.init(customerId: text.append(row.customerId), companyName: text.append(row.companyName),
                  domain: text.append(row.domain), cloud: row.cloud,
                  embedded: row.embedded.map { PackedConfirmation($0, into: &text) })
    }
}

/// An agreements row (docs/inputs.md, "Field names") with its texts packed.
public struct PackedAgreementRow: Sendable {
    public var customerId: PackedText.Span
    /// `nil` when every contact and date field is empty: "no confirmation" (README, "Statuses").
    public var record: PackedConfirmation?

    public init(customerId: PackedText.Span, record: PackedConfirmation?) {
        self.customerId = customerId
        self.record = record
    }

    /// Packs a row's strings.
    public init(_ row: AgreementRow, into text: inout PackedText) {
        self.init(customerId: text.append(row.customerId), record: row.record.map { PackedConfirmation($0, into: &text) })
    }
}

public typealias ConfirmationView = PackedView<PackedConfirmation>
public typealias CustomerRowView = PackedView<PackedCustomerRow>
public typealias AgreementRowView = PackedView<PackedAgreementRow>

extension PackedView where Row == PackedConfirmation {
    public var dateAgreed: DateField {
        if let date = row.date { return .date(date) }
        return row.unreadableDate.isAbsent ? .missing : .invalid(string(row.unreadableDate) ?? "")
    }

    /// The record with its texts as Strings.
    public var unpacked: ConfirmationRecord {
        ConfirmationRecord(firstName: string(row.firstName), lastName: string(row.lastName), email: string(row.email),
                           phoneNumber: string(row.phoneNumber), dateAgreed: dateAgreed,
                           agreementType: string(row.agreementType), templateId: string(row.templateId),
                           recordedByRole: string(row.recordedByRole))
    }
}

extension PackedView where Row == PackedCustomerRow {
    public var embedded: ConfirmationView? { row.embedded.map { ConfirmationView(row: $0, text: text) } }

    /// The row with its texts as Strings.
    public var unpacked: CustomerRow {
        CustomerRow(customerId: string(row.customerId) ?? "", companyName: string(row.companyName) ?? "",
                    domain: string(row.domain), cloud: row.cloud, embedded: embedded?.unpacked)
    }
}

extension PackedView where Row == PackedAgreementRow {
    public var record: ConfirmationView? { row.record.map { ConfirmationView(row: $0, text: text) } }

    /// The row with its texts as Strings.
    public var unpacked: AgreementRow {
        AgreementRow(customerId: string(row.customerId) ?? "", record: record?.unpacked)
    }
}

/// A subscriptions row with its texts packed.
public struct PackedSubscriptionRow: Sendable {
    public var subscriptionId: PackedText.Span
    public var customerId: PackedText.Span
    public var offerId: PackedText.Span
    public var offerName: PackedText.Span
    public var quantity: Int
    public var billingType: BillingType
    public var status: SubscriptionStatus
    public var creationDate: DayDate?
    /// The indirect reseller on record; absent for none (`ResellerId.names`).
    public var resellerId: PackedText.Span

    public init(subscriptionId: PackedText.Span, customerId: PackedText.Span, offerId: PackedText.Span,
                offerName: PackedText.Span, quantity: Int, billingType: BillingType, status: SubscriptionStatus,
                creationDate: DayDate?, resellerId: PackedText.Span = .absent) {
        self.resellerId = resellerId
        self.subscriptionId = subscriptionId
        self.customerId = customerId
        self.offerId = offerId
        self.offerName = offerName
        self.quantity = quantity
        self.billingType = billingType
        self.status = status
        self.creationDate = creationDate
    }

    /// Packs a row's strings.
    public init(_ row: SubscriptionRow, into text: inout PackedText) {
        self.init(subscriptionId: text.append(row.subscriptionId), customerId: text.append(row.customerId),
                  offerId: text.append(row.offerId), offerName: text.append(row.offerName), quantity: row.quantity,
                  billingType: row.billingType, status: row.status, creationDate: row.creationDate,
                  resellerId: text.append(row.resellerId))
    }
}

public typealias SubscriptionRowView = PackedView<PackedSubscriptionRow>

extension PackedView where Row == PackedSubscriptionRow {
    /// The row with its texts as Strings.
    public var unpacked: SubscriptionRow {
        SubscriptionRow(subscriptionId: string(row.subscriptionId) ?? "", customerId: string(row.customerId) ?? "",
                        offerId: string(row.offerId), offerName: string(row.offerName), quantity: row.quantity,
                        billingType: row.billingType, status: row.status, creationDate: row.creationDate,
                        resellerId: string(row.resellerId))
    }
}
