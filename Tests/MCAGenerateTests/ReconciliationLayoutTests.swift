import Foundation
import MCAGenerate
import MCAIngest
import MCAModel
import MCATestSupport
import Testing

/// The new-commerce billed invoice reconciliation file's columns, in order, as Microsoft Learn's
/// "Learn how to read new commerce invoice reconciliation files in Partner Center" lists them
/// (its `ResellerMpnId` is the file's `Tier2MpnId`).
private let documentedColumns = [
    "PartnerId", "CustomerId", "CustomerName", "CustomerDomainName", "CustomerCountry", "InvoiceNumber", "MpnId",
    "Tier2MpnId", "OrderId", "OrderDate", "ProductId", "SkuId", "AvailabilityId", "SkuName", "ProductName",
    "ChargeType", "UnitPrice", "Quantity", "Subtotal", "TaxTotal", "Total", "Currency", "PriceAdjustmentDescription",
    "PublisherName", "PublisherId", "SubscriptionDescription", "SubscriptionId", "ChargeStartDate", "ChargeEndDate",
    "TermAndBillingCycle", "EffectiveUnitPrice", "UnitType", "AlternateId", "BillableQuantity", "BillingFrequency",
    "PricingCurrency", "PCToBCExchangeRate", "PCToBCExchangeRateDate", "MeterDescription", "ReservationOrderId",
    "CreditReasonCode", "SubscriptionStartDate", "SubscriptionEndDate", "ReferenceId", "ProductQualifiers",
    "PromotionId", "ProductCategory",
]

/// The transaction vocabulary's spellings in reconciliation files (README, "Order violations").
private let chargeTypes: Set<String> = [
    "new", "addQuantity", "removeQuantity", "renew", "cycleCharge", "cancelImmediate", "convert", "customerCredit",
]

private func reconciliation(customers: Int = 1_000, charges: Int = 10_000, seed: UInt64 = 2) throws -> Generated {
    try Generated(GenerateOptions(customers: customers, orderLines: charges, seed: seed, ordersLayout: .reconciliation))
}

@Suite struct ReconciliationLayoutTests {
    @Test func headerIsTheDocumentedColumns() throws {
        let g = try reconciliation(customers: 5, charges: 5)
        defer { g.remove() }
        let header = try text(g.url, .orders, .csv).split(separator: "\n")[0]
        #expect(documentedColumns.count == 47)
        #expect(header.split(separator: ",", omittingEmptySubsequences: false).map(String.init) == documentedColumns)
        #expect(header.hasPrefix("PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,InvoiceNumber,MpnId,Tier2MpnId,OrderId,OrderDate,ProductId,SkuId,AvailabilityId,SkuName,ProductName,ChargeType,UnitPrice,Quantity,"))
    }

    /// One row per charge, 47 fields each; every charge type is one of the vocabulary's, all of
    /// them occur; the partner's own tenant on every row; dates in ISO 8601 (UTC).
    @Test func chargeTypesAreInTheVocabulary() throws {
        let g = try reconciliation()
        defer { g.remove() }
        let cells = csvCells(try text(g.url, .orders, .csv))
        #expect(cells.count == 1 + 10_000)
        #expect(cells.allSatisfy { $0.count == 47 })
        let rows = csvRows(try text(g.url, .orders, .csv))
        let written = Set(rows.map { $0["ChargeType", default: ""] })
        #expect(written == chargeTypes)
        let partners = Set(rows.map { $0["PartnerId", default: ""] })
        #expect(partners.count == 1)
        let partner = try #require(partners.first)
        #expect(partner.count == 36 && partner == partner.lowercased())
        #expect(!rows.contains { $0["CustomerId"] == partner })
        let parser = try DateParser()
        let readable = rows.filter { parser.parse($0["OrderDate", default: ""]) != nil }
        #expect(readable.count > rows.count - 10)
        #expect(readable.allSatisfy { $0["OrderDate", default: ""].hasSuffix("Z") && $0["OrderDate", default: ""].count == 28 })
        // Refunds and credits are negative; charges are not.
        for row in rows {
            guard let total = Double(row["Total", default: ""]) else { continue }
            switch row["ChargeType"] {
            case "removeQuantity", "cancelImmediate", "customerCredit": #expect(total <= 0)
            default: #expect(total >= 0)
            }
        }
        // License-based charges have no unit type (as the API's sample line items); Azure meters one.
        #expect(Set(rows.map { $0["UnitType", default: ""] }).isSuperset(of: ["", "1 GB/Month", "1 Hour"]))
        #expect(rows.filter { $0["UnitType"] != "" }.allSatisfy { $0["ProductCategory"] == "Azure" })
        // Direct customers (0, -1 or empty) and resellers.
        let resellers = Set(rows.map { $0["Tier2MpnId", default: ""] })
        #expect(resellers.isSuperset(of: ["", "0", "-1"]) && resellers.count > 5)
    }

    /// The audit's readers take the file as orders: every row a line, the bad rows of the
    /// line-items layout still bad, the same subscriptions snapshot beside it.
    @Test func chargesReadAsOrderLines() throws {
        let g = try reconciliation(customers: 2_000, charges: 30_000, seed: 5)
        defer { g.remove() }
        let lines = try records(g.url, .orders, .csv)
        #expect(lines.count == 30_000)
        #expect(lines.allSatisfy { $0.rejection == nil && $0.warnings.isEmpty })
        let mapper = RowMapper(dates: try DateParser())
        let known = Set(try records(g.url, .customers, .csv).map { value($0, .customerId).lowercased() })
        var rejected: [FindingCode: Int] = [:], unknown = 0
        for raw in lines {
            switch mapper.orderLine(raw) {
            case .success(let m): if !known.contains(m.row.customerId.lowercased()) { unknown += 1 }
            case .failure(let issue): rejected[issue.code, default: 0] += 1
            }
        }
        #expect(Set(rejected.keys) == [.missingRequiredField, .invalidDate, .invalidQuantity])
        #expect(unknown > 0)
        #expect(rejected.values.reduce(0, +) + unknown < 30_000 / 200)

        let lineItems = try Generated(GenerateOptions(customers: 2_000, orderLines: 30_000, seed: 5))
        defer { lineItems.remove() }
        #expect(try bytes(g.url, .subscriptions, .csv) == bytes(lineItems.url, .subscriptions, .csv))
        #expect(try bytes(g.url, .customers, .csv) == bytes(lineItems.url, .customers, .csv))
    }

    @Test func sameSeedGivesTheSameFile() throws {
        let a = try reconciliation(seed: 9), b = try reconciliation(seed: 9), c = try reconciliation(seed: 10)
        defer { a.remove(); b.remove(); c.remove() }
        #expect(try a.allBytes(.csv) == b.allBytes(.csv))
        #expect(try bytes(a.url, .orders, .csv) != bytes(c.url, .orders, .csv))
    }

    @Test func otherFormatsAreAUsageError() throws {
        for format in [InputFormat.xml, .json] {
            #expect(throws: GenerateError.invalidOption("--orders-layout reconciliation is a CSV layout (got --format \(format.rawValue))")) {
                try ExportGenerator.generate(GenerateOptions(customers: 1, orderLines: 1, format: format,
                                                             ordersLayout: .reconciliation), into: "/tmp/unused")
            }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try MCAAuditBinary.run(["generate", "--customers", "3", "--orders", "3", "--format", "json",
                                          "--orders-layout", "reconciliation", "--out", folder.url.path])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--orders-layout reconciliation is a CSV layout"))
        let unknown = try MCAAuditBinary.run(["generate", "--customers", "3", "--orders", "3", "--orders-layout", "legacy",
                                              "--out", folder.url.path])
        #expect(unknown.status == 64)
        let help = try MCAAuditBinary.run(["generate", "--help"])
        #expect(help.stdout.contains("--orders-layout"))
        #expect(help.stdout.contains("subscriptions"))
    }
}
