import Foundation
import MCAGenerate
import MCAIngest
import MCAModel
import MCATestSupport
import Testing

@Suite struct GenerateTests {
    @Test(arguments: InputFormat.allCases)
    func sameSeedGivesByteIdenticalFiles(format: InputFormat) throws {
        let options = GenerateOptions(customers: 300, orderLines: 1_000, agreements: 350, seed: 7, format: format)
        let a = try Generated(options), b = try Generated(options)
        defer { a.remove(); b.remove() }
        let first = try a.allBytes(format), second = try b.allBytes(format)
        #expect(first.count == 4)
        #expect(first.allSatisfy { $0.count > 1_000 })
        #expect(first == second)
    }

    @Test(arguments: InputFormat.allCases)
    func differentSeedGivesDifferentFiles(format: InputFormat) throws {
        let a = try Generated(GenerateOptions(customers: 200, orderLines: 500, seed: 1, format: format))
        let b = try Generated(GenerateOptions(customers: 200, orderLines: 500, seed: 2, format: format))
        defer { a.remove(); b.remove() }
        let x = try a.allBytes(format), y = try b.allBytes(format)
        for k in 0..<4 { #expect(x[k] != y[k]) }
    }

    /// Exactly the rows asked for, read back by the product's readers without a fatal error,
    /// whether agreements are fewer or more than the customers' records need.
    @Test(arguments: [(InputFormat.csv, 120), (.csv, 900), (.xml, 120), (.xml, 900), (.json, 120), (.json, 900)])
    func rowCountsAreExact(format: InputFormat, agreements: Int) throws {
        let g = try Generated(GenerateOptions(customers: 500, orderLines: 2_003, agreements: agreements, seed: 3,
                                              format: format))
        defer { g.remove() }
        #expect(g.files.map(\.kind) == [.customers, .agreements, .orders, .subscriptions])
        #expect(g.files.map(\.records).prefix(3) == [500, agreements, 2_003])
        // Customers have 1-6 subscriptions; 2,003 lines over 500 customers touch most of them.
        #expect((800...3_000).contains(g.count(.subscriptions) ?? 0))
        for f in g.files {
            let size = try FileManager.default.attributesOfItem(atPath: f.path)[.size] as? Int
            #expect(size == f.bytes)
        }
        #expect(try records(g.url, .customers, format).count == 500)
        #expect(try records(g.url, .agreements, format).count == agreements)
        let lines = try records(g.url, .orders, format)
        #expect(lines.count == 2_003)
        #expect(lines.allSatisfy { $0.rejection == nil && $0.warnings.isEmpty })
    }

    @Test(arguments: InputFormat.allCases)
    func zeroOrdersAndAgreementsGiveEmptyCollections(format: InputFormat) throws {
        let g = try Generated(GenerateOptions(customers: 1, orderLines: 0, agreements: 0, format: format))
        defer { g.remove() }
        #expect(try records(g.url, .customers, format).count == 1)
        #expect(try records(g.url, .agreements, format).isEmpty)
        #expect(try records(g.url, .orders, format).isEmpty)
        #expect(g.count(.subscriptions) == 0)
        let orders = try text(g.url, .orders, format), subscriptions = try text(g.url, .subscriptions, format)
        switch format {
        case .csv:
            #expect(orders.split(separator: "\n").count == 1)
            #expect(subscriptions == "CustomerId,SubscriptionId,OfferId,OfferName,Quantity,BillingType,Status,CreationDate,PartnerId\n")
        case .xml:
            #expect(orders == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders>\n</Orders>\n")
            #expect(subscriptions == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Subscriptions>\n</Subscriptions>\n")
        case .json:
            #expect(orders == "{\"totalCount\":0,\"items\":[\n\n]}\n")
            #expect(subscriptions == orders)
        }
    }

    /// The formats differ only in syntax: field for field, CSV, XML and JSON carry the same values
    /// (which also proves commas, quotes, ampersands and accents are escaped correctly). The
    /// subscriptions export has its own test (`SubscriptionsExportTests`).
    @Test func allFormatsCarryTheSameValues() throws {
        let kinds: [ExportKind] = [.customers, .agreements, .orders]
        var byFormat: [InputFormat: [[[String]]]] = [:]
        for format in InputFormat.allCases {
            let g = try Generated(GenerateOptions(customers: 400, orderLines: 1_500, seed: 11, format: format))
            defer { g.remove() }
            byFormat[format] = try kinds.map { kind in
                try records(g.url, kind, format).map { r in Field.allCases.map { value(r, $0) } }
            }
        }
        let csv = try #require(byFormat[.csv])
        #expect(csv.map(\.count) == [400, 400, 1_500])
        for format in [InputFormat.xml, .json] {
            let other = try #require(byFormat[format])
            for (k, kind) in kinds.enumerated() {
                #expect(other[k].count == csv[k].count, "\(format) \(kind)")
                let first = csv[k].indices.first { $0 >= other[k].count || other[k][$0] != csv[k][$0] }
                #expect(first == nil, "\(format) \(kind) row \(first ?? 0) differs from CSV: \(first.map { other[k].indices.contains($0) ? other[k][$0] : [] } ?? []) vs \(first.map { csv[k][$0] } ?? [])")
            }
        }
        let names = csv[0].map { $0[Field.companyName.rawValue] }
        #expect(names.contains { $0.contains(",") })
        #expect(names.contains { $0.contains("\"") })
        #expect(names.contains { $0.contains("'") })
        #expect(names.contains { $0.contains("&") })
        #expect(names.contains { $0.unicodeScalars.contains { $0.value > 127 } })
    }

    @Test func csvHeadersUseSchemaFieldNames() throws {
        let g = try Generated(GenerateOptions(customers: 5, orderLines: 5))
        defer { g.remove() }
        let headers = try ExportKind.allCases.map {
            try text(g.url, $0, .csv).split(separator: "\n")[0].description
        }
        #expect(headers == [
            "CustomerId,CompanyName,Domain,Cloud,FirstName,LastName,Email,PhoneNumber,DateAgreed,RecordedByRole",
            "CustomerId,FirstName,LastName,Email,PhoneNumber,DateAgreed,Type,TemplateId,RecordedByRole",
            "CustomerId,SubscriptionId,OfferId,OfferName,Quantity,BillingType,Status,CreationDate,PartnerId",
            "OrderId,CustomerId,CreationDate,Status,LineItemNumber,OfferId,OfferName,SubscriptionId,Quantity,BillingType,TransactionType,PartnerIdOnRecord",
        ])
    }

    /// Bad rows exist (every kind of docs/inputs.md's "Data quality" the generator plants) but stay a small share.
    @Test func badRowsAreFewButPresent() throws {
        let g = try Generated(GenerateOptions(customers: 5_000, orderLines: 50_000, seed: 1))
        defer { g.remove() }
        let mapper = RowMapper(dates: try DateParser())
        var customers: [FindingCode: Int] = [:], agreements: [FindingCode: Int] = [:], orders: [FindingCode: Int] = [:]
        var known = Set<String>()
        for raw in try records(g.url, .customers, .csv) {
            guard case .success(let m) = mapper.customer(raw) else {
                Issue.record("customer rejected at line \(raw.line)")
                continue
            }
            if !known.insert(m.row.customerId.lowercased()).inserted { customers[.duplicateCustomer, default: 0] += 1 }
        }
        for raw in try records(g.url, .agreements, .csv) {
            switch mapper.agreement(raw) {
            case .success(let m):
                if !known.contains(m.row.customerId.lowercased()) { agreements[.unknownCustomer, default: 0] += 1 }
            case .failure(let issue): agreements[issue.code, default: 0] += 1
            }
        }
        for raw in try records(g.url, .orders, .csv) {
            switch mapper.orderLine(raw) {
            case .success(let m):
                if !known.contains(m.row.customerId.lowercased()) { orders[.unknownCustomer, default: 0] += 1 }
            case .failure(let issue): orders[issue.code, default: 0] += 1
            }
        }
        #expect(Set(customers.keys) == [.duplicateCustomer])
        #expect(Set(agreements.keys) == [.unknownCustomer])
        #expect(Set(orders.keys) == [.unknownCustomer, .missingRequiredField, .invalidDate, .invalidQuantity])
        #expect(customers.values.reduce(0, +) < 5_000 / 200)
        #expect(agreements.values.reduce(0, +) < 5_000 / 200)
        #expect(orders.values.reduce(0, +) < 50_000 / 200)
        #expect(orders.values.reduce(0, +) >= 20)
    }

    /// Every national cloud (in the exports' spellings) and many defect kinds occur for N = 2000.
    @Test func cloudsAndDefectsAreRepresented() throws {
        let g = try Generated(GenerateOptions(customers: 2_000, orderLines: 2_000))
        defer { g.remove() }
        let customers = try records(g.url, .customers, .csv)
        let cloudValues = Set(customers.map { value($0, .cloud) })
        #expect(Set(cloudValues.compactMap { Cloud(exportValue: $0) }) == Set(Cloud.allCases))
        #expect(cloudValues.contains { Cloud(exportValue: $0) == nil })
        #expect(cloudValues.isSuperset(of: ["", "AzureGermanCloud", "21Vianet", "GCC High"]))
        let national = customers.filter { (Cloud(exportValue: value($0, .cloud)) ?? .public) != .public }.count
        #expect(national > 20 && national < 80)

        // GUIDs in mixed case.
        let ids = customers.map { value($0, .customerId) }
        #expect(ids.contains { $0 == $0.uppercased() } && ids.contains { $0 == $0.lowercased() })
        #expect(ids.allSatisfy { $0.count == 36 && $0.split(separator: "-").count == 5 })

        let agreementRows = try records(g.url, .agreements, .csv)
        let confirmations = agreementRows + customers.filter { !value($0, .firstName).isEmpty }
        let withContact = confirmations.filter { !value($0, .email).isEmpty || !value($0, .firstName).isEmpty }
        func count(_ predicate: (RawRecord) -> Bool) -> Int { withContact.filter(predicate).count }
        let dates = try DateParser()
        #expect(count { value($0, .firstName).isEmpty } > 5)
        #expect(count { value($0, .lastName).isEmpty } > 5)
        #expect(count { value($0, .email).isEmpty } > 5)
        #expect(count { value($0, .email).split(separator: "@", omittingEmptySubsequences: false).count > 2 } > 0)
        #expect(count { !value($0, .email).isEmpty && !value($0, .email).contains("@") } > 0)
        #expect(count { ["555", "call reception"].contains(value($0, .phoneNumber)) } > 0)
        #expect(count { value($0, .dateAgreed).isEmpty } > 5)
        #expect(count { !value($0, .dateAgreed).isEmpty && dates.parse(value($0, .dateAgreed)) == nil } > 5)
        #expect(count { value($0, .dateAgreed).hasPrefix("2108-") } > 5)
        #expect(count { ["HelpdeskAgent", "GlobalAdmin", "BillingAdmin"].contains(value($0, .recordedByRole)) } > 5)
        #expect(count { value($0, .agreementType) == "MicrosoftCustomerAgreement" } > 5)
        // Confirmations before the rollout, in the optional phase, after the cutover.
        let agreed = withContact.compactMap { dates.parse(value($0, .dateAgreed)) }
        let rollout = try #require(DayDate(iso: "2018-08-07")), cutover = try #require(DayDate(iso: "2018-11-07"))
        #expect(agreed.filter { $0 < rollout }.count > 50)
        #expect(agreed.filter { $0 >= rollout && $0 < cutover }.count > 800)
        #expect(agreed.filter { $0 >= cutover }.count > 100)
        // Agreements rows whose contact and date fields are all empty ("no confirmation").
        #expect(agreementRows.filter { r in Field.contactAndDate.allSatisfy { value(r, $0).isEmpty } }.count > 2)
    }

    @Test func ordersCoverStatusesTransactionsBillingAndDates() throws {
        let g = try Generated(GenerateOptions(customers: 1_000, orderLines: 10_000))
        defer { g.remove() }
        let lines = try records(g.url, .orders, .csv)
        #expect(Set(lines.map { OrderStatus(exportValue: value($0, .status)) }) == [.completed, .pending, .cancelled, .failed])
        #expect(Set(lines.map { TransactionType(exportValue: value($0, .transactionType)) })
            == [.new, .renew, .addQuantity, .removeQuantity, .cancel, .convert])
        // The REST spelling of a purchase (~2% of seat-based lines) is in the vocabulary too.
        #expect(lines.contains { value($0, .transactionType) == "New" })
        #expect(Set(lines.map { BillingType(exportValue: value($0, .billingType)) }) == [.license, .usage, .unknown])
        #expect(Set(lines.map { value($0, .lineItemNumber) }) == ["0", "1", "2"])
        let parser = try DateParser()
        let days = lines.compactMap { parser.parse(value($0, .creationDate)) }
        #expect(days.count > 9_950)
        let first = try #require(days.min()), last = try #require(days.max())
        // A zone can move a date-time across midnight in UTC, hence a day either side.
        #expect(first >= DayDate(iso: "2017-12-31")! && first < DayDate(iso: "2018-01-05")!)
        #expect(last >= DayDate(iso: "2019-06-25")! && last <= DayDate(iso: "2019-07-01")!)
        let cutover = DayDate(iso: "2018-11-07")!
        #expect(days.filter { $0 < cutover }.count > 5_000)
        #expect(days.filter { $0 >= cutover }.count > 4_000)
        let texts = lines.map { value($0, .creationDate) }
        #expect(texts.contains { $0.hasSuffix("Z") })
        #expect(texts.contains { $0.hasSuffix("+02:00") || $0.hasSuffix("-05:00") })
        #expect(texts.contains { $0.count == 10 })
        // A subscription recurs across orders, so seat counts have a history.
        var perSubscription: [String: Int] = [:]
        for l in lines where !value(l, .subscriptionId).isEmpty {
            perSubscription[value(l, .subscriptionId).lowercased(), default: 0] += 1
        }
        #expect(perSubscription.values.filter { $0 >= 3 }.count > 500)
        // Orders group 1–3 line items.
        var perOrder: [String: Int] = [:]
        for l in lines where !value(l, .orderId).isEmpty { perOrder[value(l, .orderId), default: 0] += 1 }
        #expect(Set(perOrder.values) == [1, 2, 3])
    }

    @Test func invalidOptionsAndUnwritableFolders() throws {
        #expect(throws: GenerateError.invalidOption("--customers must be at least 1 (got 0)")) {
            try ExportGenerator.generate(GenerateOptions(customers: 0, orderLines: 1), into: "/tmp/unused")
        }
        #expect(throws: GenerateError.invalidOption("--orders must not be negative (got -1)")) {
            try ExportGenerator.generate(GenerateOptions(customers: 1, orderLines: -1), into: "/tmp/unused")
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("plain-file").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        #expect(throws: GenerateError.cannotWrite(path: file + "/out", reason: "Not a directory")) {
            try ExportGenerator.generate(GenerateOptions(customers: 1, orderLines: 1), into: file + "/out")
        }
        #expect(throws: GenerateError.cannotWrite(path: file, reason: "not a directory")) {
            try ExportGenerator.generate(GenerateOptions(customers: 1, orderLines: 1), into: file)
        }
    }
}
