import MCAModel

/// Every field any export can carry (SPEC 2.1), across the three kinds.
public enum Field: Int, CaseIterable, Sendable {
    case customerId, companyName, domain, cloud
    case firstName, lastName, email, phoneNumber, dateAgreed, agreementType, templateId, recordedByRole
    case orderId, creationDate, status, lineItemNumber, offerId, offerName, subscriptionId, quantity,
         billingType, transactionType

    /// The fields that make up a confirmation record; a row with all of them empty is no record.
    public static let contactAndDate: [Field] = [.firstName, .lastName, .email, .phoneNumber, .dateAgreed]
    /// The fields a customers row takes from the agreements schema (its embedded confirmation).
    static let acceptance: [Field] = [.firstName, .lastName, .email, .phoneNumber, .dateAgreed, .agreementType,
                                      .templateId, .recordedByRole]
}

/// How names in one kind of export map to fields: header aliases after normalisation (SPEC 2.1),
/// and, for XML and JSON, which elements or objects are records and which nested ones are read.
public struct Schema: Sendable {
    public let kind: InputKind
    private let aliases: [String: Field]
    /// Fields without which a row is rejected (MISSING_REQUIRED_FIELD) and a CSV header unusable.
    public let required: [Field]
    /// Normalised element names that are one record each (XML): customer, agreement, lineitem.
    public let recordElements: Set<String>
    /// Normalised name of an element or key whose fields every record inside it takes (orders: `order`),
    /// and of the array of records inside it in JSON (`lineitems`).
    public let containerElement: String?
    public let containerItemsKey: String?
    /// Normalised names of nested elements or objects whose fields belong to the record
    /// (`companyProfile`, `primaryContact`, `Acceptance`, …). Any other nested element or object
    /// is skipped with everything inside it, so a billing profile's contact is never taken for an
    /// acceptance.
    public let nestedContainers: Set<String>

    /// The field a header, element, attribute or key names, if any.
    public func field(forName name: String) -> Field? { aliases[normalizedKey(name)] }

    /// The field for a name given as UTF-8 bytes (readers that have not made a String yet).
    public func field(forNameBytes name: UnsafeRawBufferPointer) -> Field? { aliases[normalizedKey(bytes: name)] }

    /// The field for an already normalised name.
    public func field(forNormalizedName name: String) -> Field? { aliases[name] }

    public static func forKind(_ kind: InputKind) -> Schema {
        switch kind {
        case .customers: return .customers
        case .agreements: return .agreements
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
    static let nested: Set<String> = [
        "companyprofile", "primarycontact", "acceptance", "agreement", "customeragreement", "contact",
        "lastagreementprimarycontact", "confirmation", "customeracceptance",
    ]

    public static let customers: Schema = {
        var a: [Field: [String]] = [
            .customerId: customerIdAliases + ["id"],
            .companyName: ["companyname", "name", "customername"],
            .domain: ["domain", "primarydomainname", "primarydomain"],
            .cloud: ["cloud", "cloudinstance", "environment"],
        ]
        for f in Field.acceptance { a[f] = agreementAliases[f] }
        return Schema(kind: .customers, table: a, required: [.customerId, .companyName],
                      recordElements: ["customer"], containerElement: nil, containerItemsKey: nil)
    }()

    public static let agreements: Schema = {
        var a = agreementAliases
        a[.customerId] = customerIdAliases
        return Schema(kind: .agreements, table: a, required: [.customerId],
                      recordElements: ["agreement", "customeragreement", "agreementrecord", "customeragreementrecord"],
                      containerElement: nil, containerItemsKey: nil)
    }()

    public static let orders = Schema(
        kind: .orders,
        table: [
            .orderId: ["orderid", "id"],
            .customerId: customerIdAliases + ["referencecustomerid"],
            .creationDate: ["creationdate", "orderdate", "date", "createddate"],
            .status: ["status", "orderstatus"],
            .lineItemNumber: ["lineitemnumber", "linenumber", "line"],
            .offerId: ["offerid"],
            .offerName: ["offername", "friendlyname", "subscription", "product"],
            .subscriptionId: ["subscriptionid"],
            .quantity: ["quantity", "seats", "licenses"],
            .billingType: ["billingtype", "unittype"],
            .transactionType: ["transactiontype", "action"],
        ],
        required: [.orderId, .customerId, .creationDate],
        recordElements: ["lineitem", "orderlineitem"], containerElement: "order", containerItemsKey: "lineitems")

    private init(kind: InputKind, table: [Field: [String]], required: [Field], recordElements: Set<String>,
                 containerElement: String?, containerItemsKey: String?) {
        var aliases: [String: Field] = [:]
        for (field, names) in table {
            for n in names { aliases[n] = field }
        }
        self.kind = kind
        self.aliases = aliases
        self.required = required
        self.recordElements = recordElements
        self.containerElement = containerElement
        self.containerItemsKey = containerItemsKey
        self.nestedContainers = Schema.nested
    }

    /// Every alias of a field in this schema, sorted (for documentation and error messages).
    public func aliases(of field: Field) -> [String] { aliases.filter { $0.value == field }.map(\.key).sorted() }
}
