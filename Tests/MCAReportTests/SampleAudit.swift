import Foundation
import MCAEvaluate
import MCAModel
@testable import MCAReport

/// A small hand-built audit: customers of every status, names that attack CSV, HTML and
/// Markdown, one violation and two data-quality findings.
enum SampleAudit {
    static func date(_ iso: String) -> DayDate {
        guard let d = DayDate(iso: iso) else { preconditionFailure("bad test date \(iso)") }
        return d
    }

    static let contactEmail = "jane.doe@contoso.com"
    static let contactPhone = "+1 425 555 0145"

    /// Phase MANDATORY (as of the cutover day).
    static func result() -> AuditResult {
        var summary = Summary()
        summary.customers = 6
        summary.byStatus = [.confirmed: 1, .unconfirmed: 3, .invalid: 1, .outOfScope: 1]
        summary.blockedNewOrders = 4
        summary.blockedSeatChanges = 2
        summary.seatsAffected = 37
        summary.violations = 1
        summary.rowsRejected = 1
        summary.warnings = 1
        summary.otherAgreementTypes = 2
        return AuditResult(
            asOf: date("2018-11-07"), runDate: date("2018-11-08"), timeZone: "Europe/Paris", phase: .mandatory,
            policy: .default, summary: summary, customers: CustomerOutcomes(customers()),
            violations: [
                Violation(customerId: "c-002", orderId: "ord-9", lineItemNumber: 1, creationDate: date("2018-11-07"),
                          subscriptionId: "sub-2a", offerId: "O365_E5", quantity: 5),
            ],
            dataQuality: [
                Finding(file: "orders.csv", line: 17, code: .unknownCustomer,
                        message: "unknown customer 'c-999' (contact bob.smith@contoso.com)"),
                Finding(file: "customers.csv", line: 4, code: .unrecognizedCloud,
                        message: "unrecognized cloud 'mars'; evaluated as public"),
            ],
            inputs: [
                InputSummary(kind: .customers, path: "in/customers.csv", format: .csv,
                             sha256: String(repeating: "a", count: 64), rowsRead: 6, rowsAccepted: 5, rowsRejected: 0, warnings: 1),
                InputSummary(kind: .orders, path: "in/orders.json", format: .json,
                             sha256: String(repeating: "b", count: 64), rowsRead: 9, rowsAccepted: 8, rowsRejected: 1),
            ])
    }

    static func customers() -> [CustomerOutcome] {
        [
            CustomerOutcome(
                customerId: "c-001", companyName: "Contoso, Ltd.", domain: "contoso.com", cloud: .public,
                status: .confirmed, reasons: [], confirmedOn: date("2018-09-01"), newOrders: .allowed,
                seatChanges: .allowed, daysToCutover: nil,
                subscriptions: [SeatSubscription(subscriptionId: "sub-1", offerId: "O365_E3", offerName: "Office 365 E3", seats: 10)],
                newestRecord: ConfirmationRecord(firstName: "Ann", lastName: "Lee", email: "ann.lee@contoso.com",
                                                 phoneNumber: "+1 425 555 0199", dateAgreed: .date(date("2018-09-01")))),
            CustomerOutcome(
                customerId: "c-002", companyName: "Fabrikam \"Quoted\" Café", domain: nil, cloud: .public,
                status: .unconfirmed, reasons: ["NO_CONFIRMATION"], confirmedOn: nil, newOrders: .blocked,
                seatChanges: .blocked, daysToCutover: nil,
                subscriptions: [
                    SeatSubscription(subscriptionId: "sub-2a", offerId: "O365_E5", offerName: "Office 365 E5", seats: 25),
                    SeatSubscription(subscriptionId: nil, offerId: "EMS", offerName: nil, seats: 5),
                ],
                newestRecord: nil),
            CustomerOutcome(
                customerId: "c-003", companyName: "=HYPERLINK(\"evil.example\",\"Click\")", domain: "tailspin.example",
                cloud: .public, status: .invalid, reasons: ["MISSING_LAST_NAME", "INVALID_DATE"], confirmedOn: nil,
                newOrders: .blocked, seatChanges: .blocked, daysToCutover: nil,
                subscriptions: [SeatSubscription(subscriptionId: "sub-3", offerId: "O365_E1", offerName: "Office 365 E1", seats: 7)],
                newestRecord: ConfirmationRecord(firstName: "Jane", lastName: nil, email: contactEmail,
                                                 phoneNumber: contactPhone, dateAgreed: .invalid("13/45/2018"),
                                                 agreementType: "MicrosoftCloudAgreement", templateId: "tpl-1",
                                                 recordedByRole: "AdminAgent")),
            CustomerOutcome(
                customerId: "c-004", companyName: "Tailwind GmbH", domain: nil, cloud: .germany,
                status: .outOfScope, reasons: ["CLOUD_NOT_SUPPORTED"], confirmedOn: nil, newOrders: .allowed,
                seatChanges: .none, daysToCutover: nil, subscriptions: [], newestRecord: nil),
            CustomerOutcome(
                customerId: "c-005", companyName: "-Northwind *Traders* [x](y) | a_b", domain: nil, cloud: .public,
                status: .unconfirmed, reasons: ["NO_CONFIRMATION"], confirmedOn: nil, newOrders: .blocked,
                seatChanges: .none, daysToCutover: nil, subscriptions: [], newestRecord: nil),
            CustomerOutcome(
                customerId: "c-006", companyName: "<script>alert(1)</script>", domain: nil, cloud: .public,
                status: .unconfirmed, reasons: ["NO_CONFIRMATION"], confirmedOn: nil, newOrders: .blocked,
                seatChanges: .none, daysToCutover: nil, subscriptions: [], newestRecord: nil),
        ]
    }

    /// The same customers as of a date in the OPTIONAL phase: blocked at the cutover, 37 days ahead.
    static func optionalPhaseResult() -> AuditResult {
        var result = result()
        result.asOf = date("2018-10-01")
        result.runDate = date("2018-10-01")
        result.phase = .optional
        result.violations = []
        result.summary.violations = 0
        result.customers = CustomerOutcomes(result.customers.map { c in
            var c = c
            if c.newOrders == .blocked { c.newOrders = .blockedAtCutover; c.daysToCutover = 37 }
            if c.seatChanges == .blocked { c.seatChanges = .blockedAtCutover }
            return c
        })
        return result
    }

    /// The sample as a nightly run with a history: what changed since 2018-11-06 and three runs of trend.
    static func historyResult() -> AuditResult {
        var result = result()
        func snapshot(_ status: CustomerStatus, _ reasons: [String], _ impact: Impact, seats: Int, violations: Int = 0)
            -> CustomerSnapshot {
            CustomerSnapshot(status: status, reasons: reasons, newOrders: impact, seatChanges: seats > 0 ? impact : .none,
                             seats: seats, violations: violations)
        }
        result.changes = RunChanges(
            previousAsOf: date("2018-11-06"), previousRunDate: date("2018-11-07"),
            newlyBlocked: [
                CustomerChange(customerId: "c-006", companyName: "<script>alert(1)</script>", before: nil,
                               after: snapshot(.unconfirmed, ["NO_CONFIRMATION"], .blocked, seats: 0)),
            ],
            newlyConfirmed: [
                CustomerChange(customerId: "c-001", companyName: "Contoso, Ltd.",
                               before: snapshot(.unconfirmed, ["NO_CONFIRMATION"], .blockedAtCutover, seats: 10),
                               after: snapshot(.confirmed, [], .allowed, seats: 10)),
            ],
            newViolations: [
                CustomerChange(customerId: "c-002", companyName: "Fabrikam \"Quoted\" Café",
                               before: snapshot(.unconfirmed, ["NO_CONFIRMATION"], .blockedAtCutover, seats: 30),
                               after: snapshot(.unconfirmed, ["NO_CONFIRMATION"], .blocked, seats: 30, violations: 1)),
            ])
        var earlier = Summary()
        earlier.customers = 5
        earlier.byStatus = [.unconfirmed: 4, .invalid: 1]
        earlier.blockedNewOrders = 5
        var middle = earlier
        middle.blockedNewOrders = 4
        middle.violations = 2
        result.trend = [
            TrendPoint(asOf: date("2018-11-05"), runDate: date("2018-11-06"), summary: earlier),
            TrendPoint(asOf: date("2018-11-06"), runDate: date("2018-11-07"), summary: middle),
            TrendPoint(asOf: date("2018-11-07"), runDate: date("2018-11-08"), summary: result.summary),
        ]
        return result
    }

    static let options = ReportOptions(toolVersion: "0.1.0")
}

/// A fresh, empty temporary folder, removed by `cleanUp`.
struct TempFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mca-report-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }

    func text(_ name: String) throws -> String {
        try String(decoding: Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
    }

    func data(_ name: String) throws -> Data { try Data(contentsOf: url.appendingPathComponent(name)) }

    func mode(_ name: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// The lines of a CSV file, split at CRLF (the last, empty piece after the final CRLF dropped).
    func csvLines(_ name: String) throws -> [String] {
        var lines = try text(name).components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// Writes the reports of `result` into a new temporary folder.
func writeReports(_ result: AuditResult = SampleAudit.result(),
                  options: ReportOptions = SampleAudit.options) throws -> (folder: TempFolder, files: [String]) {
    let folder = try TempFolder()
    let files = try ReportWriter.write(result, options: options, into: folder.url)
    return (folder, files)
}
