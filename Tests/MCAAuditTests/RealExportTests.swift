import Foundation
import MCATestSupport
import Testing

/// The exports partners really have (`Fixtures/layouts/`, README "Real exports"), read as they
/// come: each test checks the exact statuses, seats and violations a run gives.
@Suite struct RealExportTests {
    static let layouts = "Fixtures/layouts/"

    /// What one run of the built binary gave.
    struct Outcome {
        var run: BinaryRun
        var json: [String: Any]

        /// `id-tail status reasons confirmedOn newOrders seatChanges [subscription-head:seats …]` per customer.
        var customers: [String] {
            (json["customers"] as? [[String: Any]] ?? []).map { c in
                let id = String((c["customerId"] as? String ?? "").suffix(4))
                let reasons = (c["reasons"] as? [String] ?? []).joined(separator: ",")
                let seats = (c["seatBasedSubscriptions"] as? [[String: Any]] ?? []).map { s in
                    "\(String((s["subscriptionId"] as? String ?? "-").prefix(8))):\(s["seats"] as? Int ?? -1)"
                }
                return [id, c["status"] as? String ?? "", reasons, c["confirmedOn"] as? String ?? "-",
                        c["newOrders"] as? String ?? "", c["seatChanges"] as? String ?? "", "[\(seats.joined(separator: " "))]"]
                    .joined(separator: " ")
            }
        }

        /// `id-tail orderId lineItemNumber creationDate` per violation.
        var violations: [String] {
            (json["violations"] as? [[String: Any]] ?? []).map { v in
                "\(String((v["customerId"] as? String ?? "").suffix(4))) \(v["orderId"] ?? "") \(v["lineItemNumber"] ?? "") \(v["creationDate"] ?? "")"
            }
        }

        var notices: [String] { (json["notices"] as? [[String: String]] ?? []).map { $0["code"] ?? "" } }
        var summary: [String: Any] { json["summary"] as? [String: Any] ?? [:] }
        var findings: [String] {
            (json["dataQuality"] as? [[String: Any]] ?? []).map { "\($0["file"] ?? ""):\($0["line"] ?? ""): \($0["code"] ?? "")" }
        }
    }

    func audit(_ arguments: [String], asOf: String = "2022-03-31", runDate: String = "2022-04-04") throws -> Outcome {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit"] + arguments + ["--as-of", asOf, "--run-date", runDate, "--out", tmp.url.path,
                                                                  "--no-history", "--report", "json"])
        let data = (try? Data(contentsOf: tmp.url.appendingPathComponent("\(asOf)/report.json"))) ?? Data("{}".utf8)
        return Outcome(run: run, json: try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
    }

    static func file(_ name: String) -> String { layouts + name }

    @Test func dashboardCustomersGetAllAgreementsRESTSubscriptionsAndReconciliationChargesInOneRun() throws {
        let o = try audit([
            "--customers", Self.file("dashboard-Customers.csv"), "--agreements", Self.file("GetAllCustomersAgreements-2019.csv"),
            "--subscriptions", Self.file("rest-subscriptions.json"), "--orders", Self.file("nce-billed-reconciliation.csv"),
            "--date-format", "M/d/yyyy h:mm:ss a", "--date-format", "M/d/yyyy",
        ])
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.customers == [
            "c001 CONFIRMED  2018-10-01 ALLOWED ALLOWED [22c5e352:25]",
            // Only a Customer Agreement on record; the suspended subscription's seats count too.
            "c002 UNCONFIRMED NO_CONFIRMATION - BLOCKED BLOCKED [3f3bba45:5 ea279352:10]",
            // Its only subscription is deleted.
            "c003 UNCONFIRMED NO_CONFIRMATION - BLOCKED NONE []",
            "c004 CONFIRMED  2019-01-15 ALLOWED ALLOWED [177491cd:12]",
            "c005 CONFIRMED  2018-09-20 ALLOWED NONE []",
            // The pending subscription counts; the one created after the as-of date does not.
            "c006 INVALID MISSING_EMAIL - BLOCKED BLOCKED [9d83b781:4]",
        ])
        // c002's new purchase and both rows of its removeQuantity pair; not its cycleCharge, not
        // c003's cancelImmediate or customerCredit, not c001's addQuantity (confirmed).
        #expect(o.violations == [
            "c002 b58f2c71e0a3 0 2022-02-01", "c002 d93e41f7a862 0 2022-03-05", "c002 d93e41f7a862 0 2022-03-05",
        ])
        #expect(o.json["seatsSource"] as? String == "subscriptions")
        #expect(o.notices.isEmpty)
        #expect(o.summary["otherAgreementTypes"] as? Int == 1)
        #expect(o.summary["seatsAffected"] as? Int == 19)
        #expect(o.findings == ["Fixtures/layouts/dashboard-Customers.csv:8: DUPLICATE_CUSTOMER"])
    }

    @Test func withoutSubscriptionsTheReconciliationFileGivesNoSeatsAndSaysWhy() throws {
        // The billed invoice file leaves UnitType empty for licences: no line says license or usage.
        let o = try audit([
            "--customers", Self.file("dashboard-Customers.csv"), "--agreements", Self.file("GetAllCustomersAgreements-2019.csv"),
            "--orders", Self.file("nce-billed-reconciliation.csv"), "--date-format", "M/d/yyyy h:mm:ss a", "--date-format", "M/d/yyyy",
        ])
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.json["seatsSource"] as? String == "orderLines")
        #expect(o.notices == ["SEATS_FROM_ORDER_LINES", "NO_BILLING_TYPE"])
        #expect(o.run.stderr.contains("[NO_BILLING_TYPE]"))
        #expect(o.customers.allSatisfy { $0.contains(" NONE []") || $0.hasSuffix("ALLOWED []") })
        #expect(o.violations.count == 3)
    }

    @Test func getAllCustomersAgreementsInEitherCulture() throws {
        let common = ["--customers", Self.file("dashboard-Customers.csv"), "--orders", Self.file("nce-billed-reconciliation.csv"),
                      "--date-format", "M/d/yyyy"]
        let us = try audit(common + ["--agreements", Self.file("GetAllCustomersAgreements-2019.csv"), "--date-format", "M/d/yyyy h:mm:ss a"])
        let gb = try audit(common + ["--agreements", Self.file("GetAllCustomersAgreements-en-GB.csv"),
                                     "--date-format", "dd/MM/yyyy HH:mm:ss"])
        let expected = [
            "c001 CONFIRMED  2018-10-01", "c002 UNCONFIRMED NO_CONFIRMATION -", "c003 UNCONFIRMED NO_CONFIRMATION -",
            "c004 CONFIRMED  2019-01-15", "c005 CONFIRMED  2018-09-20", "c006 INVALID MISSING_EMAIL -",
        ]
        for o in [us, gb] {
            #expect(o.run.status == 0, "\(o.run.stderr)")
            #expect(o.customers.map { $0.split(separator: " ", omittingEmptySubsequences: false).prefix(4).joined(separator: " ") } == expected)
            #expect(o.summary["warnings"] as? Int == 0, "no RAGGED_ROW for the unnamed type column or the 7-field rows")
            #expect(o.summary["otherAgreementTypes"] as? Int == 1)
        }
    }

    @Test func withoutTheDateFormatTheHintNamesItAndNothingIsGuessed() throws {
        let o = try audit(["--customers", Self.file("dashboard-Customers.csv"), "--agreements", Self.file("GetAllCustomersAgreements-en-GB.csv"),
                           "--orders", Self.file("legacy-license-reconciliation.csv")], asOf: "2018-12-31", runDate: "2019-01-02")
        #expect(o.run.status == 0, "\(o.run.stderr)")
        let notices = o.json["notices"] as? [[String: String]] ?? []
        let hints = notices.filter { $0["code"] == "DATE_LAYOUT_HINT" }.map { $0["message"] ?? "" }
        #expect(hints == [
            "Fixtures/layouts/GetAllCustomersAgreements-en-GB.csv: 5 acceptance dates look like 'dd/MM/yyyy HH:mm:ss'; add --date-format \"dd/MM/yyyy HH:mm:ss\"",
            "Fixtures/layouts/legacy-license-reconciliation.csv: 6 creation dates look like 'M/d/yyyy H:mm'; add --date-format \"M/d/yyyy H:mm\"",
        ], "\(hints)")
        // Judged as unreadable all the same (c002's record is of another type): every dated record is INVALID_DATE, every charge rejected.
        #expect(o.summary["rowsRejected"] as? Int == 7)
        #expect(o.customers.filter { $0.contains("INVALID_DATE") }.count == 4)
    }

    @Test func theLegacyLicenseBasedReconciliationFile() throws {
        let o = try audit([
            "--customers", Self.file("dashboard-Customers.csv"), "--agreements", Self.file("GetAllCustomersAgreements-en-GB.csv"),
            "--orders", Self.file("legacy-license-reconciliation.csv"),
            "--date-format", "dd/MM/yyyy HH:mm:ss", "--date-format", "M/d/yyyy H:mm",
        ], asOf: "2018-12-31", runDate: "2019-01-31")
        #expect(o.run.status == 0, "\(o.run.stderr)")
        // Every row is license-based (the file has no billing column); ChargeStartDate is the creation date.
        #expect(o.customers == [
            "c001 CONFIRMED  2018-10-01 ALLOWED ALLOWED [usCBMgAA:20]",
            "c002 UNCONFIRMED NO_CONFIRMATION - BLOCKED BLOCKED [usCBMgAA:10]",
            // "Prorate fees when cancel" ends the subscription bought with "Prorate fees when purchase".
            "c003 UNCONFIRMED NO_CONFIRMATION - BLOCKED NONE []",
            // Accepted after the as-of date.
            "c004 UNCONFIRMED ACCEPTED_AFTER_AS_OF - BLOCKED BLOCKED [usCBMgAA:12]",
            "c005 CONFIRMED  2018-09-20 ALLOWED NONE []",
            "c006 INVALID MISSING_EMAIL - BLOCKED NONE []",
        ])
        // Purchases after the cutover without a confirmation then; the cycle fee and cancellation are not affected.
        #expect(o.violations == ["c002 566890604832738113 0 2018-11-12", "c003 566890604832738114 0 2018-11-20",
                                 "c004 566890604832738115 0 2018-11-25"])
        #expect(o.notices == ["SEATS_FROM_ORDER_LINES"])
        #expect(o.summary["warnings"] as? Int == 0, "every phrase is in the vocabulary")
    }

    @Test func restCustomersAgreementsAndOrders() throws {
        let o = try audit(["--customers", Self.file("rest-customers.json"), "--agreements", Self.file("rest-agreements.json"),
                           "--orders", Self.file("rest-orders.json")])
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.customers == [
            "c001 CONFIRMED  2018-10-01 ALLOWED NONE []", "c002 UNCONFIRMED NO_CONFIRMATION - BLOCKED NONE []",
            "c003 UNCONFIRMED NO_CONFIRMATION - BLOCKED NONE []", "c004 CONFIRMED  2019-01-15 ALLOWED NONE []",
            "c005 UNCONFIRMED NO_CONFIRMATION - BLOCKED NONE []", "c006 INVALID MISSING_EMAIL - BLOCKED NONE []",
        ])
        // c002's line item has no transactionType of its own: a new order, though the order says UserPurchase.
        #expect(o.violations == ["c002 5e9a1c3f-7b2d-4f6e-a8c0-b58f2c71e0a3 0 2022-02-01"])
        #expect(o.notices == ["SEATS_FROM_ORDER_LINES", "NO_BILLING_TYPE"])
        // With the REST subscriptions the seats are there.
        let withSeats = try audit(["--customers", Self.file("rest-customers.json"), "--agreements", Self.file("rest-agreements.json"),
                                   "--orders", Self.file("rest-orders.json"), "--subscriptions", Self.file("rest-subscriptions.json")])
        #expect(withSeats.customers[1] == "c002 UNCONFIRMED NO_CONFIRMATION - BLOCKED BLOCKED [3f3bba45:5 ea279352:10]")
        #expect(withSeats.notices.isEmpty)
    }

    @Test func aCompanyOrBillingProfileIsNeverAnAcceptance() throws {
        let o = try audit(["--customers", Self.file("rest-customers-by-id.json"), "--orders", Self.file("rest-orders.json")])
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.customers.count == 6)
        #expect(o.customers.allSatisfy { $0.contains(" UNCONFIRMED NO_CONFIRMATION ") }, "\(o.customers)")
    }

    @Test func powerShellExportAndTheBulkAttestationAPIBody() throws {
        let arguments = ["--customers", Self.file("Get-PartnerCustomer.csv"), "--agreements", Self.file("CustomerAgreementRecords.json"),
                         "--orders", Self.file("rest-orders.json")]
        let mcaPolicy = try audit(arguments + ["--policy", "Policies/microsoft-customer-agreement-2020.json"])
        #expect(mcaPolicy.run.status == 0, "\(mcaPolicy.run.stderr)")
        // The BOM and the #TYPE line come before the header; the epochs are milliseconds, seconds and 0 (none).
        #expect(mcaPolicy.customers.map { $0.split(separator: " ").prefix(3).joined(separator: " ") } == [
            "c001 CONFIRMED 2018-10-01", "c002 CONFIRMED 2020-03-15", "c003 UNCONFIRMED NO_CONFIRMATION",
            "c004 UNCONFIRMED NO_CONFIRMATION", "c005 UNCONFIRMED NO_CONFIRMATION", "c006 UNCONFIRMED NO_CONFIRMATION",
        ])
        // Under the default Cloud Agreement policy the tool's records are of another type.
        let cloudPolicy = try audit(arguments)
        #expect(cloudPolicy.customers.allSatisfy { $0.contains(" UNCONFIRMED ") })
        #expect(cloudPolicy.summary["otherAgreementTypes"] as? Int == 2)
    }

    @Test func aFileOfAnotherKindIsNamedInTheMissingColumnMessage() throws {
        let o = try audit(["--customers", Self.file("dashboard-Customers.csv"), "--orders", Self.file("GetAllCustomersAgreements-2019.csv")])
        #expect(o.run.status == 65)
        #expect(o.run.stderr.contains("required column missing from the header: orderId (one of: orderid, id)"), "\(o.run.stderr)")
        #expect(o.run.stderr.contains("the header has: 'TenantId', 'Domain', 'Date', 'First Name', 'Last Name', 'Phone', 'Email '"))
        #expect(o.run.stderr.contains("it looks most like Microsoft's GetAllCustomersAgreements sample"))
        #expect(o.run.stderr.contains("an export of agreements: give it with --agreements"))
    }
}
