import MCAModel

/// The exports partners really have (README, "Real exports"), as far as reading them needs more
/// than the header aliases: an unnamed column, a value the layout leaves implicit. A layout is
/// recognised by its header (CSV) or its collection's name (JSON); recognising it never changes
/// how a named column is read.
public struct KnownLayout: Sendable, Equatable {
    /// What the export is, as a partner would name it.
    public let name: String
    public let kind: InputKind
    /// The published header (for messages).
    public let header: String
    /// Normalised names the header must hold, all of them (with `exact`, nothing else).
    let signature: [String]
    let exact: Bool
    /// Fields of the unnamed columns that follow the named ones.
    public let unnamedColumns: [Field]
    /// Numbers of fields a row may have, besides the header's, without being ragged.
    let wholeRowCounts: [Int]
    /// Values of fields the layout leaves implicit, given to every row that has none.
    public let implicit: [ImplicitValue]

    public struct ImplicitValue: Sendable, Equatable {
        public let field: Field
        public let value: String
    }

    /// Microsoft's sample `GetAllCustomersAgreements` CSV (Partner-Center-DotNet-Samples): since
    /// 2019 each row has an unnamed 8th field, the agreement type; a customer without agreement is
    /// `id ,domain,,,,,` (7 fields) or, in the 2018 versions, `id,domain`.
    public static let getAllCustomersAgreements = KnownLayout(
        name: "Microsoft's GetAllCustomersAgreements sample", kind: .agreements,
        header: "TenantId,Domain,Date,First Name,Last Name,Phone,Email",
        signature: ["tenantid", "domain", "date", "firstname", "lastname", "phone", "email"], exact: true,
        unnamedColumns: [.agreementType], wholeRowCounts: [2, 7, 8], implicit: [])

    /// The bulk attestation tool's `CustomerAgreementRecords.csv`: Microsoft's Customer Agreement
    /// attestation, so its records are of type MicrosoftCustomerAgreement.
    public static let customerAgreementRecords = KnownLayout(
        name: "the bulk attestation tool's CustomerAgreementRecords.csv", kind: .agreements,
        header: "CustomerTenantId,FirstName,LastName,Email,PhoneNumber,LastAgreementDate,PartnerAttestationCompleted,CustomerAccountLink",
        signature: ["customertenantid", "lastagreementdate", "partnerattestationcompleted"], exact: false,
        unnamedColumns: [], wholeRowCounts: [], implicit: [ImplicitValue(field: .agreementType, value: customerAgreementType)])

    /// The same tool's API body (`customerAgreementRecords`), read from JSON: dates are
    /// `lastAgreementDateEpoch`, Unix time (`JSONRecordReader`).
    public static let customerAgreementRecordsAPI = KnownLayout(
        name: "the bulk attestation tool's customerAgreementRecords API body", kind: .agreements,
        header: "{\"customerAgreementRecords\": [...], \"continuationToken\": ...}",
        signature: [], exact: false, unnamedColumns: [], wholeRowCounts: [],
        implicit: [ImplicitValue(field: .agreementType, value: customerAgreementType)])

    /// The legacy license-based reconciliation file: every row is license-based; it has no order
    /// date (its `ChargeStartDate` stands in, the last alias of creationDate).
    public static let legacyLicenseReconciliation = KnownLayout(
        name: "the legacy license-based reconciliation file", kind: .orders,
        header: "PartnerId,CustomerId,CustomerName,MpnId,Tier2MpnId,OrderId,SubscriptionId,SyndicationPartnerSubscriptionNumber,OfferId,DurableOfferId,OfferName,…,ChargeStartDate,ChargeEndDate,ChargeType,…",
        signature: ["syndicationpartnersubscriptionnumber", "durableofferid", "chargestartdate", "chargetype"], exact: false,
        unnamedColumns: [], wholeRowCounts: [], implicit: [ImplicitValue(field: .billingType, value: "license")])

    /// The new-commerce billed invoice reconciliation file: one charge per row.
    public static let billedInvoiceReconciliation = KnownLayout(
        name: "the new-commerce billed invoice reconciliation file", kind: .orders,
        header: "PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,InvoiceNumber,MpnId,Tier2MpnId,OrderId,OrderDate,ProductId,SkuId,…,ChargeType,…",
        signature: ["invoicenumber", "orderdate", "skuid", "chargetype"], exact: false,
        unnamedColumns: [], wholeRowCounts: [], implicit: [])

    /// The Partner Center dashboard's customer list (`Customers.csv`).
    public static let dashboardCustomers = KnownLayout(
        name: "the Partner Center dashboard's customer list", kind: .customers,
        header: "Microsoft ID,Company name,Primary domain name,Relationship,Tags",
        signature: ["microsoftid", "companyname", "primarydomainname"], exact: false,
        unnamedColumns: [], wholeRowCounts: [], implicit: [])

    /// `Get-PartnerCustomer | Export-Csv` (Partner Center PowerShell).
    public static let powerShellCustomers = KnownLayout(
        name: "Get-PartnerCustomer | Export-Csv", kind: .customers, header: "\"CustomerId\",\"Domain\",\"Name\",…",
        signature: ["customerid", "domain", "name"], exact: false, unnamedColumns: [], wholeRowCounts: [], implicit: [])

    public static let all: [KnownLayout] = [
        .getAllCustomersAgreements, .customerAgreementRecords, .legacyLicenseReconciliation, .billedInvoiceReconciliation,
        .dashboardCustomers, .powerShellCustomers,
    ]

    /// The agreement type of Microsoft's Customer Agreement attestation.
    public static let customerAgreementType = "MicrosoftCustomerAgreement"

    /// The layout of a CSV file of `kind` whose header has these normalised names, if it is a known one.
    public static func recognize(kind: InputKind, normalizedHeader names: [String]) -> KnownLayout? {
        all.first { layout in
            guard layout.kind == kind else { return false }
            if layout.exact { return names == layout.signature }
            return layout.signature.allSatisfy(names.contains)
        }
    }

    /// The known layout (of any kind) whose signature shares the most names with a header, when it
    /// shares at least two: what a file lacking a required column most likely is.
    public static func nearest(to names: [String]) -> KnownLayout? {
        let scored = all.map { layout in (layout, layout.signature.filter(names.contains).count) }
        guard let best = scored.max(by: { $0.1 < $1.1 }), best.1 >= 2 else { return nil }
        return best.0
    }

    /// Whether a row of `count` fields under a header of `headerCount` names is whole (not RAGGED_ROW).
    public func isWhole(_ count: Int, headerCount: Int) -> Bool { count == headerCount || wholeRowCounts.contains(count) }
}
