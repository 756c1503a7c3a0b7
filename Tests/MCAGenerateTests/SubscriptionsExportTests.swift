import Foundation
import MCAGenerate
import MCAIngest
import MCAModel
import MCATestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The subscriptions export's rows in every format, read without the product's readers (which
/// learn the kind with `audit --subscriptions`): as the CSV's columns, by name.
private func subscriptionRows(_ folder: URL, _ format: InputFormat) throws -> [[String: String]] {
    switch format {
    case .csv:
        return csvRows(try text(folder, .subscriptions, .csv))
    case .json:
        let data = try bytes(folder, .subscriptions, .json)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let items = try #require(root["items"] as? [[String: Any]])
        #expect(root["totalCount"] as? Int == items.count)
        return try items.map { item in
            #expect((item["attributes"] as? [String: Any])?["objectType"] as? String == "Subscription")
            #expect(item["friendlyName"] as? String == item["offerName"] as? String)
            let billing = item["billingType"] as? String
            #expect(item["unitType"] as? String == (billing == "license" ? "Licenses" : "Usage-based"))
            let links = try #require(item["links"] as? [String: Any])
            #expect(links["self"] != nil && links["offer"] != nil)
            func text(_ key: String) -> String {
                if let s = item[key] as? String { return s }
                if let n = item[key] as? Int { return String(n) }
                return ""
            }
            return ["CustomerId": text("customerId"), "SubscriptionId": text("id"), "OfferId": text("offerId"),
                    "OfferName": text("offerName"), "Quantity": text("quantity"), "BillingType": text("billingType"),
                    "Status": text("status"), "CreationDate": text("creationDate"), "PartnerId": text("partnerId")]
        }
    case .xml:
        let collector = SubscriptionElements()
        let parser = XMLParser(data: try bytes(folder, .subscriptions, .xml))
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        return collector.rows
    }
}

/// `<Subscription …><OfferName>…</OfferName></Subscription>` as CSV-named values.
private final class SubscriptionElements: NSObject, XMLParserDelegate {
    var rows: [[String: String]] = []
    private var current: [String: String]?
    private var offerName: String?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "Subscription" {
            current = ["CustomerId": attributes["customerId"] ?? "", "SubscriptionId": attributes["id"] ?? "",
                       "OfferId": attributes["offerId"] ?? "", "Quantity": attributes["quantity"] ?? "",
                       "BillingType": attributes["billingType"] ?? "", "Status": attributes["status"] ?? "",
                       "CreationDate": attributes["creationDate"] ?? "", "PartnerId": attributes["partnerId"] ?? "",
                       "OfferName": ""]
        } else if name == "OfferName" {
            offerName = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { offerName? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "OfferName" {
            current?["OfferName"] = offerName
            offerName = nil
        } else if name == "Subscription", let c = current {
            rows.append(c)
            current = nil
        }
    }
}

/// What the order lines say each subscription is now, by the README's "Impact" rule for seats
/// from order lines (accepted lines of live orders; the latest by date, order id and line number
/// gives the seats, a cancellation 0), keyed by lower-cased customer and subscription ids.
private struct FromOrders {
    var quantity = 0
    var latest: (DayDate, String, Int)?
    var first: DayDate?
    var cancelled = false
    var onlyPending = true
}

private func subscriptionsFromOrders(_ g: Generated) throws -> [String: FromOrders] {
    let mapper = RowMapper(dates: try DateParser())
    let known = Set(try records(g.url, .customers, .csv).map { value($0, .customerId).lowercased() })
    var result: [String: FromOrders] = [:]
    for raw in try records(g.url, .orders, .csv) {
        guard case .success(let m) = mapper.orderLine(raw) else { continue }
        let line = m.row
        let customer = line.customerId.lowercased()
        guard known.contains(customer), line.status != .cancelled, line.status != .failed,
              let subscription = line.subscriptionId?.lowercased(), !subscription.isEmpty else { continue }
        let key = customer + " " + subscription
        var s = result[key] ?? FromOrders()
        if s.first.map({ line.creationDate < $0 }) ?? true { s.first = line.creationDate }
        if line.status != .pending { s.onlyPending = false }
        let order = (line.creationDate, line.orderId, line.lineItemNumber)
        if s.latest.map({ $0 < order }) ?? true {
            s.latest = order
            if case .cancel = line.transactionType {
                s.quantity = 0
                s.cancelled = true
            } else {
                s.quantity = line.quantity
                s.cancelled = false
            }
        }
        result[key] = s
    }
    return result
}

@Suite struct SubscriptionsExportTests {
    /// CSV, XML and JSON carry the same rows (and the JSON has the REST resource's shape).
    @Test func subscriptionsAreTheSameInEveryFormat() throws {
        var byFormat: [InputFormat: [[String: String]]] = [:]
        for format in InputFormat.allCases {
            let g = try Generated(GenerateOptions(customers: 600, orderLines: 3_000, seed: 11, format: format))
            defer { g.remove() }
            byFormat[format] = try subscriptionRows(g.url, format)
            #expect(byFormat[format]?.count == g.count(.subscriptions))
        }
        let csv = try #require(byFormat[.csv])
        #expect(csv.count > 1_000)
        #expect(byFormat[.xml] == csv)
        #expect(byFormat[.json] == csv)
        #expect(csv.contains { $0["OfferName"]?.contains("\"") == true })
        #expect(csv.contains { $0["OfferName"]?.contains(",") == true })
    }

    /// Every subscription the order lines create is in the snapshot once, with the seats, the
    /// creation day and the state its lines give it; nothing else is, but the planted bad rows.
    @Test func subscriptionsMatchTheOrderLines() throws {
        let g = try Generated(GenerateOptions(customers: 2_000, orderLines: 20_000, seed: 4))
        defer { g.remove() }
        let expected = try subscriptionsFromOrders(g)
        let known = Set(try records(g.url, .customers, .csv).map { value($0, .customerId).lowercased() })
        let parser = try DateParser()
        var seen = Set<String>(), duplicates = 0, unknown = 0, invalidQuantities = 0
        for row in try subscriptionRows(g.url, .csv) {
            let customer = row["CustomerId", default: ""], subscription = row["SubscriptionId", default: ""]
            #expect(customer == customer.lowercased() && subscription == subscription.lowercased())
            guard known.contains(customer) else {
                unknown += 1
                continue
            }
            let key = customer + " " + subscription
            guard seen.insert(key).inserted else {
                duplicates += 1
                continue
            }
            let e = try #require(expected[key], "\(key) is in no order line")
            #expect(parser.parse(row["CreationDate", default: ""]) == e.first, "\(key)")
            #expect((row["Status"] == "deleted") == e.cancelled, "\(key)")
            #expect((row["Status"] == "pending") == (e.onlyPending && !e.cancelled), "\(key)")
            guard let quantity = Int(row["Quantity", default: ""]) else {
                invalidQuantities += 1
                continue
            }
            #expect(quantity == e.quantity, "\(key)")
            if row["BillingType"] == "usage" { #expect(quantity == 1) }
        }
        #expect(seen.count == expected.count)
        // The planted bad rows (`subscriptionMixIsRealistic` checks that each kind occurs).
        #expect(duplicates + unknown + invalidQuantities < 20)
    }

    /// The snapshot has what the seat rules must tell apart, in realistic shares: license- and
    /// usage-based, each status, subscriptions created after the benchmark's as-of date, and
    /// ~0.1% bad rows.
    @Test func subscriptionMixIsRealistic() throws {
        let g = try Generated(GenerateOptions(customers: 5_000, orderLines: 50_000, seed: 1))
        defer { g.remove() }
        let rows = try subscriptionRows(g.url, .csv)
        let n = Double(rows.count)
        func share(_ predicate: ([String: String]) -> Bool) -> Double { Double(rows.filter(predicate).count) / n }
        let statuses = Dictionary(grouping: rows) { $0["Status", default: ""].lowercased() }.mapValues { Double($0.count) / n }
        #expect((0.80...0.95).contains(statuses["active", default: 0]))
        #expect((0.02...0.05).contains(statuses["suspended", default: 0]))
        #expect((0.01...0.03).contains(statuses["expired", default: 0]))
        #expect((0.02...0.06).contains(statuses["deleted", default: 0]))
        #expect((0.003...0.03).contains(statuses["pending", default: 0]))
        #expect(statuses["disabled", default: 0] > 0)
        let vocabulary: Set<String> = ["active", "pending", "suspended", "expired", "disabled", "deleted", "none"]
        let unrecognized = rows.filter { !vocabulary.contains($0["Status", default: ""].lowercased()) }.count
        #expect(unrecognized > 0 && unrecognized < rows.count / 1_000)
        #expect(rows.contains { $0["Status"] == "Active" })
        #expect((0.10...0.25).contains(share { $0["BillingType"] == "usage" }))
        #expect(share { $0["BillingType"] == "license" } + share { $0["BillingType"] == "usage" } == 1)
        #expect(rows.filter { $0["BillingType"] == "usage" }.allSatisfy { $0["OfferName"]?.contains("Azure") == true })
        // Created after the benchmark's as-of date (2019-01-15): seats that do not count yet.
        #expect((0.08...0.30).contains(share { $0["CreationDate", default: ""] > "2019-01-16" }))
        #expect(rows.allSatisfy { $0["CreationDate", default: ""] >= "2017-12-31" && $0["CreationDate", default: ""] < "2019-07-02" })
        let customers = Set(try records(g.url, .customers, .csv).map { value($0, .customerId).lowercased() })
        let unknown = rows.filter { !customers.contains($0["CustomerId", default: ""]) }.count
        let keys = rows.map { $0["CustomerId", default: ""] + " " + $0["SubscriptionId", default: ""] }
        let duplicates = keys.count - Set(keys).count
        let invalid = rows.filter { Int($0["Quantity", default: ""]).map { $0 < 0 } ?? true }.count
        let bad = unknown + duplicates + invalid + unrecognized
        #expect(unknown > 0 && duplicates > 0 && invalid > 0)
        #expect(bad > rows.count / 5_000 && bad < rows.count / 300)
    }

    /// The product's readers read every row (once the audit reads subscriptions), as many as
    /// `generate` counted, with a subscription id and a customer id each.
    @Test(.enabled(if: readersKnowSubscriptions, "the readers learn subscriptions with audit --subscriptions"),
          arguments: InputFormat.allCases)
    func subscriptionsParseWithTheReaders(format: InputFormat) throws {
        let g = try Generated(GenerateOptions(customers: 500, orderLines: 4_000, seed: 3, format: format))
        defer { g.remove() }
        let rows = try records(g.url, .subscriptions, format)
        #expect(rows.count == g.count(.subscriptions))
        #expect(rows.allSatisfy { $0.rejection == nil && $0.warnings.isEmpty })
        #expect(rows.allSatisfy { !value($0, .subscriptionId).isEmpty && !value($0, .customerId).isEmpty })
        #expect(Set(rows.map { BillingType(exportValue: value($0, .billingType)) }) == [.license, .usage])
        let independent = try subscriptionRows(g.url, format)
        #expect(rows.map { value($0, .quantity) } == independent.map { $0["Quantity", default: ""] })
        #expect(rows.map { value($0, .status) } == independent.map { $0["Status", default: ""] })
    }
}
