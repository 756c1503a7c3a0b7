/// A value that may be absent, unreadable, or a date: how a confirmation's dateAgreed arrives.
public enum DateField: Hashable, Sendable {
    case missing
    /// The text as written, which could not be read as a date.
    case invalid(String)
    case date(DayDate)

    public var date: DayDate? {
        if case .date(let d) = self { return d }
        return nil
    }
}

/// One accepted customers row (docs/inputs.md, "Field names").
public struct CustomerRow: Sendable, Equatable {
    /// The customer id as written (trimmed).
    public var customerId: String
    public var companyName: String
    public var domain: String?
    public var cloud: Cloud
    /// The embedded confirmation, when the row carries acceptance fields that are not all empty.
    public var embedded: ConfirmationRecord?

    public init(customerId: String, companyName: String, domain: String? = nil, cloud: Cloud = .public,
                embedded: ConfirmationRecord? = nil) {
        self.customerId = customerId
        self.companyName = companyName
        self.domain = domain
        self.cloud = cloud
        self.embedded = embedded
    }
}

/// One confirmation of acceptance, as recorded (README, "Statuses"); defects are judged by the evaluator.
public struct ConfirmationRecord: Sendable, Equatable {
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var phoneNumber: String?
    public var dateAgreed: DateField
    /// The agreement type as written; `nil` when empty (= the policy's type).
    public var agreementType: String?
    public var templateId: String?
    public var recordedByRole: String?

    public init(firstName: String? = nil, lastName: String? = nil, email: String? = nil,
                phoneNumber: String? = nil, dateAgreed: DateField = .missing, agreementType: String? = nil,
                templateId: String? = nil, recordedByRole: String? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phoneNumber = phoneNumber
        self.dateAgreed = dateAgreed
        self.agreementType = agreementType
        self.templateId = templateId
        self.recordedByRole = recordedByRole
    }
}

/// One accepted agreements row: a customer id and, unless the row is empty, a record.
public struct AgreementRow: Sendable, Equatable {
    public var customerId: String
    /// `nil` when every contact and date field is empty: "no confirmation" (README, "Statuses").
    public var record: ConfirmationRecord?

    public init(customerId: String, record: ConfirmationRecord?) {
        self.customerId = customerId
        self.record = record
    }
}

/// One accepted order line item (docs/inputs.md, "Field names").
public struct OrderLine: Sendable, Equatable {
    public var orderId: String
    public var customerId: String
    public var creationDate: DayDate
    public var status: OrderStatus
    public var lineItemNumber: Int
    public var offerId: String?
    public var offerName: String?
    public var subscriptionId: String?
    public var quantity: Int
    public var billingType: BillingType
    public var transactionType: TransactionType
    /// The indirect reseller on record; `nil` for none (`ResellerId.names`).
    public var resellerId: String?

    public init(orderId: String, customerId: String, creationDate: DayDate, status: OrderStatus = .completed,
                lineItemNumber: Int = 0, offerId: String? = nil, offerName: String? = nil,
                subscriptionId: String? = nil, quantity: Int = 0, billingType: BillingType = .unknown,
                transactionType: TransactionType = .new, resellerId: String? = nil) {
        self.resellerId = resellerId
        self.orderId = orderId
        self.customerId = customerId
        self.creationDate = creationDate
        self.status = status
        self.lineItemNumber = lineItemNumber
        self.offerId = offerId
        self.offerName = offerName
        self.subscriptionId = subscriptionId
        self.quantity = quantity
        self.billingType = billingType
        self.transactionType = transactionType
    }
}

/// One accepted subscriptions row: a subscription as it stands now (README, "Inputs").
public struct SubscriptionRow: Sendable, Equatable {
    public var subscriptionId: String
    public var customerId: String
    public var offerId: String?
    public var offerName: String?
    public var quantity: Int
    public var billingType: BillingType
    public var status: SubscriptionStatus
    /// `nil` when the export gives none (the subscription counts whatever the as-of date).
    public var creationDate: DayDate?
    /// The indirect reseller on record; `nil` for none (`ResellerId.names`).
    public var resellerId: String?

    public init(subscriptionId: String, customerId: String, offerId: String? = nil, offerName: String? = nil,
                quantity: Int = 0, billingType: BillingType = .license, status: SubscriptionStatus = .active,
                creationDate: DayDate? = nil, resellerId: String? = nil) {
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
}
