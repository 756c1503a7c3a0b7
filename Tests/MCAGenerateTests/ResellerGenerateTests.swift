import Foundation
import MCAGenerate
import MCAIngest
import MCAModel
import MCATestSupport
import Testing

/// The reseller ids a generated file names, per lower-cased customer id (`-1`, `0` and empty: none).
private func resellersByCustomer(_ rows: [[String: String]], column: String) -> [String: Set<String>] {
    var result: [String: Set<String>] = [:]
    for row in rows {
        let customer = row["CustomerId", default: ""].lowercased()
        let id = row[column, default: ""]
        guard !["", "-1", "0"].contains(id) else { continue }
        result[customer, default: []].insert(id)
    }
    return result
}

/// `generate --resellers` (docs/inputs.md, "Synthetic exports"): most customers indirect, a few
/// with two resellers, some direct, in every format, and the audit's results by reseller show it.
@Suite struct ResellerGenerateTests {
    /// Every line and subscription of a customer names one of its resellers (7-digit MPN ids);
    /// ~20% of customers are direct, ~8% have two; the pool holds at most the resellers asked for.
    @Test func customersHaveTheirResellersInOrdersAndSubscriptions() throws {
        let g = try Generated(GenerateOptions(customers: 2_000, orderLines: 20_000, seed: 5, resellers: 40))
        defer { g.remove() }
        let orders = csvRows(try text(g.url, .orders, .csv))
        let subscriptions = csvRows(try text(g.url, .subscriptions, .csv))
        let fromOrders = resellersByCustomer(orders, column: "PartnerIdOnRecord")
        let fromSubscriptions = resellersByCustomer(subscriptions, column: "PartnerId")
        let all = Set(fromOrders.values.flatMap { $0 } + fromSubscriptions.values.flatMap { $0 })
        #expect((30...40).contains(all.count), "\(all.count) resellers")
        #expect(all.allSatisfy { $0.count == 7 && Int($0) != nil })
        // The same customer, the same resellers in both files.
        for (customer, ids) in fromSubscriptions { #expect(fromOrders[customer].map { ids.isSubset(of: $0) } ?? true) }
        let known = Set(csvRows(try text(g.url, .customers, .csv)).map { $0["CustomerId", default: ""].lowercased() })
        let withOrders = Set(orders.map { $0["CustomerId", default: ""].lowercased() }).intersection(known)
        let direct = withOrders.filter { fromOrders[$0] == nil }.count
        let two = withOrders.filter { fromOrders[$0]?.count == 2 }.count
        #expect(fromOrders.values.allSatisfy { $0.count <= 2 })
        let n = Double(withOrders.count)
        #expect((0.12...0.28).contains(Double(direct) / n), "direct \(direct) of \(withOrders.count)")
        #expect((0.03...0.12).contains(Double(two) / n), "two resellers \(two) of \(withOrders.count)")
        // Direct customers' lines spell "none" as exports do.
        #expect(Set(orders.map { $0["PartnerIdOnRecord", default: ""] }).isSuperset(of: ["", "-1", "0"]))
    }

    /// `--resellers 0`: no reseller anywhere; the reconciliation layout writes direct as `-1`, `0`,
    /// empty or the partner's own MpnId, never a reseller id.
    @Test func zeroResellersMeansEveryCustomerDirect() throws {
        for layout in OrdersLayout.allCases {
            let g = try Generated(GenerateOptions(customers: 500, orderLines: 3_000, seed: 2, ordersLayout: layout,
                                                  resellers: 0))
            defer { g.remove() }
            let orders = csvRows(try text(g.url, .orders, .csv))
            switch layout {
            case .lineItems:
                #expect(Set(orders.map { $0["PartnerIdOnRecord", default: ""] }).isSubset(of: ["", "-1", "0"]))
            case .reconciliation:
                let mpn = Set(orders.map { $0["MpnId", default: ""] })
                #expect(mpn.count == 1)
                #expect(Set(orders.map { $0["Tier2MpnId", default: ""] }) == Set(["", "-1", "0"]).union(mpn))
            }
            let subscriptions = csvRows(try text(g.url, .subscriptions, .csv))
            #expect(Set(subscriptions.map { $0["PartnerId", default: ""] }).isSubset(of: ["", "-1", "0"]))
        }
        #expect(throws: GenerateError.invalidOption("--resellers must not be negative (got -1)")) {
            try GenerateOptions(customers: 1, orderLines: 1, resellers: -1).validate()
        }
        #expect(GenerateOptions(customers: 50, orderLines: 0).resellers == 1)
        #expect(GenerateOptions(customers: 12_345, orderLines: 0).resellers == 123)
    }

    /// The reconciliation layout names the same resellers as the line-items layout, in Tier2MpnId.
    @Test func reconciliationNamesTheSameResellers() throws {
        let options = GenerateOptions(customers: 800, orderLines: 5_000, seed: 3, resellers: 20)
        var reconciliationOptions = options
        reconciliationOptions.ordersLayout = .reconciliation
        let a = try Generated(options), b = try Generated(reconciliationOptions)
        defer { a.remove(); b.remove() }
        let lineItems = csvRows(try text(a.url, .orders, .csv)), charges = csvRows(try text(b.url, .orders, .csv))
        #expect(lineItems.count == charges.count)
        let mpn = charges.first?["MpnId"] ?? ""
        for (line, charge) in zip(lineItems, charges) {
            let id = line["PartnerIdOnRecord", default: ""], tier2 = charge["Tier2MpnId", default: ""]
            if ["", "-1", "0"].contains(id) {
                #expect(["", "-1", "0", mpn].contains(tier2))
            } else {
                #expect(tier2 == id)
            }
        }
    }

    /// The built binary: `generate --resellers 50`, then `audit` of what it wrote; report.json
    /// gives results for the resellers the files name, a `direct` row, and customers with two.
    @Test func auditOfGeneratedExportsReportsResellers() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let data = tmp.url.appendingPathComponent("data").path
        let gen = try MCAAuditBinary.run(["generate", "--customers", "1500", "--orders", "12000", "--seed", "4",
                                          "--resellers", "50", "--out", data])
        #expect(gen.status == 0, "\(gen.stderr)")
        let help = try MCAAuditBinary.run(["generate", "--help"])
        #expect(help.stdout.contains("--resellers"))
        let files = ["customers", "agreements", "orders", "subscriptions"].flatMap { ["--\($0)", "\(data)/\($0).csv"] }
        let out = tmp.url.appendingPathComponent("report")
        let run = try MCAAuditBinary.run(["audit"] + files + ["--as-of", "2019-01-15", "--run-date", "2019-01-16",
                                                               "--out", out.path, "--report", "json", "--quiet", "--no-history"])
        #expect(run.status == 0, "\(run.stderr)")
        let reportData = try Data(contentsOf: out.appendingPathComponent("2019-01-15/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: reportData) as? [String: Any])
        let rows = try #require(report["resellers"] as? [[String: Any]])
        let ids = rows.map { $0["resellerId"] as? String ?? "" }
        #expect(ids.last == "direct")
        let named = Set(ids.dropLast())
        #expect((40...50).contains(named.count), "\(named.count) resellers")
        #expect(named.allSatisfy { $0.count == 7 && Int($0) != nil })

        // What the files name, per customer, against what the audit says.
        let orders = resellersByCustomer(csvRows(try String(contentsOfFile: "\(data)/orders.csv", encoding: .utf8)),
                                         column: "PartnerIdOnRecord")
        let subscriptions = resellersByCustomer(
            csvRows(try String(contentsOfFile: "\(data)/subscriptions.csv", encoding: .utf8)), column: "PartnerId")
        #expect(named == Set(orders.values.flatMap { $0 } + subscriptions.values.flatMap { $0 }))
        let customers = try #require(report["customers"] as? [[String: Any]])
        var agree = 0, two = 0, direct = 0
        var counted: [String: Int] = [:]
        for c in customers {
            let id = (c["customerId"] as? String ?? "").lowercased()
            let resellers = try #require(c["resellers"] as? [String])
            let inFiles = orders[id, default: []].union(subscriptions[id, default: []])
            // Rejected rows name no reseller, so the audit may see fewer than the files.
            #expect(Set(resellers).isSubset(of: inFiles), "\(id): \(resellers) vs \(inFiles)")
            if Set(resellers) == inFiles { agree += 1 }
            if resellers.count == 2 { two += 1 }
            if resellers.isEmpty { direct += 1 }
            for r in resellers { counted[r, default: 0] += 1 }
        }
        #expect(agree >= customers.count * 99 / 100, "\(agree) of \(customers.count)")
        #expect(two >= 20, "\(two) customers with two resellers")
        #expect(direct >= customers.count / 10, "\(direct) direct of \(customers.count)")
        // Each reseller row counts the customers report.json lists for it; `direct` the others.
        for row in rows {
            let id = row["resellerId"] as? String ?? ""
            #expect(row["customers"] as? Int == (id == "direct" ? direct : counted[id]), "\(id)")
        }
        let totals = ["blockedNewOrders", "violations"].map { key in rows.reduce(0) { $0 + ($1[key] as? Int ?? 0) } }
        #expect(totals.allSatisfy { $0 > 0 }, "\(totals)")
    }
}
