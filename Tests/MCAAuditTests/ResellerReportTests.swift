import Crypto
import Foundation
import MCATestSupport
import Testing

private func sha256Hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

/// The results by reseller of the fixtures (README, "Results by reseller"): C003 has two resellers
/// (4812345 and 5550001), its o-3002 names 5550001 itself while o-3003 names none, C004's reseller
/// is spelled `A&B/900` and `a&b/900`, and six customers are direct (`-1`, `0`, empty or no order).
@Suite struct ResellerReportTests {
    static let rows = [
        "resellerId,customers,unconfirmed,invalid,blockedNewOrders,blockedSeatChanges,seatsAffected,violations",
        // C001, C003, C005, C011: o-3003 (no reseller of its own, so C003's two) and o-1101.
        "4812345,4,2,0,2,1,18,2",
        // C003, C008, C013: o-3002 and o-8001 name it, o-3003 is C003's.
        "5550001,3,2,1,3,3,27,3",
        "'=2+5,1,0,0,0,0,0,0",
        "A&B/900,1,0,1,1,1,5,1",
        "direct,6,0,1,1,1,9,0",
    ]

    func json(_ folder: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as? [String: Any])
    }

    @Test func exactCountsPerReseller() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--quiet", "--no-history", "--report", "json,csv"], out: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = tmp.url.appendingPathComponent("2018-11-30")
        let csv = try String(contentsOf: folder.appendingPathComponent("resellers.csv"), encoding: .utf8)
        #expect(csv == Self.rows.joined(separator: "\r\n") + "\r\n")

        let report = try json(folder)
        let resellers = try #require(report["resellers"] as? [[String: Any]])
        #expect(resellers.map { $0["resellerId"] as? String ?? "" } == ["4812345", "5550001", "=2+5", "A&B/900", "direct"])
        #expect(resellers[1]["seatsAffected"] as? Int == 27 && resellers[1]["violations"] as? Int == 3)
        let customers = try #require(report["customers"] as? [[String: Any]])
        let byCustomer = Dictionary(uniqueKeysWithValues: customers.map {
            (String(($0["customerId"] as? String ?? "").suffix(4)).uppercased(), $0["resellers"] as? [String] ?? ["?"])
        })
        #expect(byCustomer["C003"] == ["4812345", "5550001"])
        #expect(byCustomer["C004"] == ["A&B/900"])
        // Rejected rows (o-9902, o-9903, an empty order id, an unknown customer) name no reseller.
        #expect(byCustomer["C001"] == ["4812345"])
        for direct in ["C002", "C006", "C007", "C010", "C012", "C015"] { #expect(byCustomer[direct] == [], "\(direct)") }
        let violations = try #require(report["violations"] as? [[String: Any]])
        #expect(violations.map { "\($0["orderId"] ?? ""):\($0["resellerId"] ?? "")" }
            == ["o-3002:5550001", "o-3003:<null>", "o-4002:A&B/900", "o-8001:5550001", "o-1101:4812345"])
        // customers.csv's last column.
        let rows = csvCells(try String(contentsOf: folder.appendingPathComponent("customers.csv"), encoding: .utf8))
        #expect(rows[0].last == "resellers")
        #expect(rows.first { $0[0].hasSuffix("C003") }?.last == "4812345;5550001")
        #expect(rows.first { $0[0].hasSuffix("C009") }?.last == "'=2+5")
    }

    /// Every row of every split file against the customers' resellers in report.json: a folder
    /// never holds another reseller's customer, and holds all of its own customers' rows.
    @Test func eachResellerFolderHoldsItsCustomersRowsOnly() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--quiet", "--no-history", "--report", "json,csv", "--split-by", "reseller", "--redact"], out: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = tmp.url.appendingPathComponent("2018-11-30")
        let report = try json(folder)
        var resellersOf: [String: [String]] = [:]
        for c in report["customers"] as? [[String: Any]] ?? [] {
            let r = c["resellers"] as? [String] ?? []
            resellersOf[(c["customerId"] as? String ?? "").lowercased()] = r.isEmpty ? ["direct"] : r
        }
        let counts = csvCells(try String(contentsOf: folder.appendingPathComponent("resellers.csv"), encoding: .utf8)).dropFirst()
        let folders = ["4812345": "4812345", "5550001": "5550001", "'=2+5": "_2_5", "A&B/900": "A_B_900", "direct": "direct"]
        let split = folder.appendingPathComponent("resellers")
        #expect(try FileManager.default.contentsOfDirectory(atPath: split.path).sorted() == folders.values.sorted())
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("manifest.json"))) as? [String: Any])
        let hashes = try #require(manifest["files"] as? [String: String])
        #expect(manifest["splitBy"] as? String == "reseller")

        for row in counts {
            let id = row[0] == "'=2+5" ? "=2+5" : row[0]
            let dir = split.appendingPathComponent(folders[row[0]] ?? "?")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(files == ["blocked-new-orders.csv", "blocked-seat-changes.csv", "invalid-confirmations.csv",
                              "order-violations.csv", "summary.md"], "\(id)")
            for name in files {
                let data = try Data(contentsOf: dir.appendingPathComponent(name))
                #expect(hashes["resellers/\(folders[row[0]]!)/\(name)"] == sha256Hex(data), "\(id)/\(name) in manifest.json")
                guard name.hasSuffix(".csv") else { continue }
                let lines = csvCells(String(decoding: data, as: UTF8.self))
                let main = csvCells(try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
                #expect(lines.first == main.first, "\(id)/\(name) header")
                for line in lines.dropFirst() {
                    #expect(resellersOf[line[0].lowercased()]?.contains(id) == true, "\(id)/\(name): \(line[0])")
                }
                if name == "order-violations.csv" {
                    // The violations credited to it: its row of resellers.csv says how many.
                    #expect(lines.count - 1 == Int(row[7]), "\(id) violations")
                    let own = main[0].firstIndex(of: "resellerId") ?? 0
                    for line in lines.dropFirst() where !line[own].isEmpty { #expect(line[own] == id || line[own].lowercased() == id.lowercased()) }
                } else {
                    // Every row of the main list whose customer is this reseller's.
                    let expected = main.dropFirst().filter { resellersOf[$0[0].lowercased()]?.contains(id) == true }
                    #expect(Array(lines.dropFirst()) == Array(expected), "\(id)/\(name)")
                }
                if name == "blocked-new-orders.csv" { #expect(lines.count - 1 == Int(row[4]), "\(id) blocked") }
                if name == "invalid-confirmations.csv" {
                    #expect(lines.count - 1 == Int(row[3]), "\(id) invalid")
                    // --redact: no e-mail's local part, no phone number.
                    for line in lines.dropFirst() where !line[5].isEmpty { #expect(line[5].contains("***"), "\(line[5])") }
                }
            }
            let summary = try String(contentsOf: dir.appendingPathComponent("summary.md"), encoding: .utf8)
            #expect(summary.contains("- Seats affected: \(row[6])\n"), "\(id)")
            #expect(summary.contains("- Customers: \(row[1]) ("), "\(id)")
        }
    }

    @Test func resellersOfTheRealLayouts() throws {
        func resellers(_ arguments: [String], asOf: String) throws -> [String] {
            let tmp = try TemporaryFolder()
            defer { tmp.remove() }
            let run = try MCAAuditBinary.run(["audit", "--customers", RealExportTests.file("dashboard-Customers.csv")] + arguments
                + ["--as-of", asOf, "--run-date", asOf, "--out", tmp.url.path, "--no-history", "--report", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            let report = try json(tmp.url.appendingPathComponent(asOf))
            return (report["customers"] as? [[String: Any]] ?? []).map {
                String(($0["customerId"] as? String ?? "").suffix(4)) + ":" + ($0["resellers"] as? [String] ?? ["?"]).joined(separator: ";")
            }
        }
        // Tier2MpnId of the new-commerce file (empty: direct); the REST subscriptions' partnerId.
        #expect(try resellers(["--orders", RealExportTests.file("nce-billed-reconciliation.csv"), "--date-format", "M/d/yyyy"], asOf: "2022-03-31")
            == ["c001:", "c002:4812345", "c003:4812345", "c004:", "c005:", "c006:"])
        #expect(try resellers(["--orders", RealExportTests.file("rest-orders.json"), "--subscriptions", RealExportTests.file("rest-subscriptions.json")],
                              asOf: "2022-03-31")
            == ["c001:", "c002:4812345", "c003:4812345", "c004:", "c005:", "c006:"])
        // The legacy file: c001's Tier2MpnId is the partner's own MpnId (a direct sale), c004's is -1.
        #expect(try resellers(["--orders", RealExportTests.file("legacy-license-reconciliation.csv"), "--date-format", "M/d/yyyy H:mm"],
                              asOf: "2018-12-31")
            == ["c001:", "c002:4812345", "c003:4812345", "c004:", "c005:", "c006:"])
    }
}
