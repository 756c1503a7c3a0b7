import MCAModel

/// Every field any export can carry (README, "Inputs"), across the four kinds.
public enum Field: Int, CaseIterable, Sendable {
    case customerId, companyName, domain, cloud
    case firstName, lastName, email, phoneNumber, dateAgreed, agreementType, templateId, recordedByRole
    case orderId, creationDate, status, lineItemNumber, offerId, offerName, subscriptionId, quantity,
         billingType, transactionType
    /// The indirect reseller on record (orders and subscriptions), and the partner's own MPN ID on
    /// an order row: a reconciliation file lists the partner's own MPN ID as the reseller of a
    /// direct sale (docs/inputs.md, "Resellers").
    case resellerId, partnerMpnId

    /// The fields that make up a confirmation record; a row with all of them empty is no record.
    public static let contactAndDate: [Field] = [.firstName, .lastName, .email, .phoneNumber, .dateAgreed]
    /// The fields a customers row takes from the agreements schema (its embedded confirmation).
    static let acceptance: [Field] = [.firstName, .lastName, .email, .phoneNumber, .dateAgreed, .agreementType,
                                      .templateId, .recordedByRole]
}

/// A set of fields, as bits: which fields a nested element or object may set.
public struct FieldSet: Sendable, Equatable, Hashable {
    private var bits: UInt64

    public init(_ fields: some Sequence<Field>) {
        bits = 0
        for f in fields { bits |= 1 << UInt64(f.rawValue) }
    }

    /// Every field.
    public static let all = FieldSet(Field.allCases)

    public func contains(_ field: Field) -> Bool { bits & (1 << UInt64(field.rawValue)) != 0 }

    /// The fields of both.
    public func intersection(_ other: FieldSet) -> FieldSet {
        var s = self
        s.bits &= other.bits
        return s
    }
}

/// A field a name stands for, and where its alias stands in the field's list: when several names
/// of one record stand for the same field, the one whose alias comes first wins (`OrderDate`
/// over `ChargeStartDate`), whatever their order in the file.
public struct NamedField: Sendable, Equatable {
    public var field: Field
    /// 0 for the field's first alias.
    public var rank: UInt8
}

/// How names in one kind of export map to fields: header aliases after normalisation (README,
/// "Inputs"), and, for XML and JSON, which elements or objects are records and which nested ones are read.
public struct Schema: Sendable {
    public let kind: InputKind
    private let aliases: [String: NamedField]
    /// Fields without which a row is rejected (MISSING_REQUIRED_FIELD) and a CSV header unusable.
    public let required: [Field]
    /// Normalised element names that are one record each (XML): customer, agreement, lineitem.
    public let recordElements: Set<String>
    /// Normalised name of an element or key whose fields every record inside it takes (orders: `order`),
    /// and of the array of records inside it in JSON (`lineitems`).
    public let containerElement: String?
    public let containerItemsKey: String?
    /// Normalised names of nested elements or objects whose fields belong to the record, each with
    /// the fields it may set: a customer's `companyProfile` gives its id, name and domain, never an
    /// acceptance (its e-mail is the company's); an `Acceptance` gives only acceptance fields. Any
    /// other nested element or object is skipped with everything inside it, so a billing profile's
    /// contact is never taken for an acceptance.
    public let nestedContainers: [String: FieldSet]
    /// A record's fields a container's (an order's) do not pass on: the Order resource's own
    /// `transactionType` says who placed the order, not what a line item does.
    public let notInherited: FieldSet
    /// Normalised names of a JSON collection's array of items, with what its items are when the
    /// name tells (`customerAgreementRecords`: the bulk attestation tool's records).
    public let itemArrays: [String: KnownLayout?]
    /// Normalised JSON member names whose number is a Unix time for a field (the bulk attestation
    /// tool's `lastAgreementDateEpoch`).
    public let epochNames: [String: NamedField]

    /// The field a header, element, attribute or key names, if any.
    public func field(forName name: String) -> Field? { aliases[normalizedKey(name)]?.field }

    /// The field and its alias's rank for a name given as UTF-8 bytes (readers that have not made a String yet).
    public func namedField(forNameBytes name: UnsafeRawBufferPointer) -> NamedField? { aliases[normalizedKey(bytes: name)] }

    /// The field and its alias's rank for an already normalised name.
    public func namedField(forNormalizedName name: String) -> NamedField? { aliases[name] }

    /// The field for an already normalised name.
    public func field(forNormalizedName name: String) -> Field? { aliases[name]?.field }

    public static func forKind(_ kind: InputKind) -> Schema {
        switch kind {
        case .customers: return .customers
        case .agreements: return .agreements
        case .subscriptions: return .subscriptions
        case .orders: return .orders
        }
    }

    static let customerIdAliases = ["customerid", "tenantid", "customertenantid", "microsoftid"]
    static let agreementAliases: [Field: [String]] = [
        .firstName: ["firstname", "contactfirstname", "primarycontactfirstname"],
        .lastName: ["lastname", "contactlastname", "primarycontactlastname"],
        .email: ["email", "emailaddress", "contactemail", "primarycontactemail"],
        .phoneNumber: ["phone", "phonenumber", "contactphonenumber", "primarycontactphonenumber"],
        .dateAgreed: ["dateagreed", "date", "agreementdate", "acceptancedate", "lastagreementdate"],
        .agreementType: ["type", "agreementtype"],
        .templateId: ["templateid"],
        .recordedByRole: ["recordedbyrole", "role", "userrole"],
    ]
    /// Nested objects of an agreement whose fields are the record's (`primaryContact`, the bulk
    /// attestation tool's `lastAgreementPrimaryContact`).
    static let agreementNested: [String: FieldSet] = Dictionary(uniqueKeysWithValues: [
        "primarycontact", "lastagreementprimarycontact", "contact", "acceptance", "agreement", "customeragreement",
        "confirmation", "customeracceptance",
    ].map { ($0, FieldSet.all) })
    static let collectionItems: [String: KnownLayout?] = ["items": nil]
    /// The reseller's MPN ID: the Order resource's line item, the reconciliation files' 8th or 5th column.
    static let resellerAliases = ["partneridonrecord", "resellermpnid", "tier2mpnid", "resellerid"]

    public static let customers: Schema = {
        let profile: [Field] = [.customerId, .companyName, .domain]
        var a: [Field: [String]] = [
            .customerId: ["customerid", "id", "tenantid", "customertenantid", "microsoftid"],
            .companyName: ["companyname", "name", "customername"],
            .domain: ["domain", "primarydomainname", "primarydomain"],
            .cloud: ["cloud", "cloudinstance", "environment"],
        ]
        for f in Field.acceptance { a[f] = agreementAliases[f] }
        var nested: [String: FieldSet] = ["companyprofile": FieldSet(profile)]
        for name in ["acceptance", "customeracceptance", "confirmation"] { nested[name] = FieldSet(Field.acceptance) }
        return Schema(kind: .customers, table: a, required: [.customerId, .companyName],
                      recordElements: ["customer"], nested: nested, itemArrays: collectionItems)
    }()

    public static let agreements: Schema = {
        var a = agreementAliases
        a[.customerId] = customerIdAliases
        return Schema(kind: .agreements, table: a, required: [.customerId],
                      recordElements: ["agreement", "customeragreement", "agreementrecord", "customeragreementrecord"],
                      nested: agreementNested,
                      itemArrays: collectionItems.merging(["customeragreementrecords": .customerAgreementRecordsAPI]) { a, _ in a })
    }()

    public static let subscriptions = Schema(
        kind: .subscriptions,
        table: [
            .subscriptionId: ["subscriptionid", "id"],
            .customerId: customerIdAliases,
            .offerId: ["offerid", "productid"],
            .offerName: ["offername", "friendlyname", "skuname", "productname"],
            .quantity: ["quantity", "seats", "licenses"],
            .billingType: ["billingtype", "unittype"],
            .status: ["status", "subscriptionstatus"],
            .creationDate: ["creationdate", "effectivestartdate", "subscriptionstartdate", "startdate"],
            // The Subscription resource's `partnerId` is the reseller of record; an order's `PartnerId` is not.
            .resellerId: ["partnerid"] + resellerAliases,
        ],
        required: [.subscriptionId, .customerId],
        recordElements: ["subscription"], nested: [:], itemArrays: collectionItems)

    public static let orders = Schema(
        kind: .orders,
        table: [
            .orderId: ["orderid", "id"],
            .customerId: customerIdAliases + ["referencecustomerid"],
            // The legacy license-based reconciliation file has no order date: its charge's start is the last resort.
            .creationDate: ["creationdate", "orderdate", "date", "createddate", "chargestartdate"],
            .status: ["status", "orderstatus"],
            .lineItemNumber: ["lineitemnumber", "linenumber", "line"],
            .offerId: ["offerid"],
            .offerName: ["offername", "friendlyname", "subscription", "product"],
            .subscriptionId: ["subscriptionid"],
            .quantity: ["quantity", "seats", "licenses"],
            .billingType: ["billingtype", "unittype"],
            .transactionType: ["transactiontype", "action", "chargetype"],
            .resellerId: resellerAliases,
            .partnerMpnId: ["mpnid"],
        ],
        required: [.orderId, .customerId, .creationDate],
        recordElements: ["lineitem", "orderlineitem"], containerElement: "order", containerItemsKey: "lineitems",
        nested: agreementNested, notInherited: FieldSet([.transactionType]), itemArrays: collectionItems)

    private init(kind: InputKind, table: [Field: [String]], required: [Field], recordElements: Set<String>,
                 containerElement: String? = nil, containerItemsKey: String? = nil, nested: [String: FieldSet],
                 notInherited: FieldSet = FieldSet([]), itemArrays: [String: KnownLayout?]) {
        var aliases: [String: NamedField] = [:]
        for (field, names) in table {
            for (rank, n) in names.enumerated() { aliases[n] = NamedField(field: field, rank: UInt8(rank)) }
        }
        self.kind = kind
        self.aliases = aliases
        self.required = required
        self.recordElements = recordElements
        self.containerElement = containerElement
        self.containerItemsKey = containerItemsKey
        self.nestedContainers = nested
        self.notInherited = notInherited
        self.itemArrays = itemArrays
        self.epochNames = kind == .agreements ? ["lastagreementdateepoch": NamedField(field: .dateAgreed, rank: 0)] : [:]
    }

    /// Every alias of a field in this schema, in precedence order (for documentation and error messages).
    public func aliases(of field: Field) -> [String] {
        aliases.filter { $0.value.field == field }.sorted { $0.value.rank < $1.value.rank }.map(\.key)
    }
}
