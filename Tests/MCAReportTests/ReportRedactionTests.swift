import Foundation
import MCAEvaluate
import MCAModel
import Testing
@testable import MCAReport

@Suite struct ReportRedactionTests {
    @Test func redactMasksContactsInEveryFile() throws {
        let (folder, files) = try writeReports(options: ReportOptions(redact: true, toolVersion: "0.1.0"))
        defer { folder.cleanUp() }
        #expect(files.count == 11)
        for name in files {
            let text = try folder.text(name)
            for secret in ["jane.doe", "jane.doe@", "bob.smith", "ann.lee", "555 0145", "5550145", "0145", "555 0199"] {
                #expect(!text.contains(secret), "\(name) still holds '\(secret)'")
            }
        }
        #expect(try folder.csvLines("invalid-confirmations.csv")[1]
            == #"c-003,"'=HYPERLINK(""evil.example"",""Click"")",MISSING_LAST_NAME;INVALID_DATE,Jane,,j***@contoso.com,***45,13/45/2018,MicrosoftCloudAgreement,tpl-1,AdminAgent"#)
        #expect(try folder.csvLines("data-quality.csv")[1]
            == "orders.csv,17,error,UNKNOWN_CUSTOMER,unknown customer 'c-999' (contact b***@contoso.com)")
        let html = try folder.text("report.html")
        #expect(html.contains("<td>Jane</td><td></td><td>j***@contoso.com</td><td>***45</td>"))
        #expect(html.contains("(contact b***@contoso.com)</td>"))
        #expect(html.contains("Contact e-mail addresses and phone numbers are masked."))
        #expect(try folder.text("report.json").contains(#""message": "unknown customer 'c-999' (contact b***@contoso.com)""#))
        #expect(try folder.text("manifest.json").contains("\n  \"redacted\": true,\n"))
    }

    @Test func withoutRedactValuesAreAsGiven() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.text("invalid-confirmations.csv").contains(",jane.doe@contoso.com,'+1 425 555 0145,"))
        #expect(try folder.text("report.html").contains("<td>jane.doe@contoso.com</td><td>+1 425 555 0145</td>"))
    }

    @Test(arguments: [
        ("jane.doe@contoso.com", "j***@contoso.com"),
        ("j@contoso.com", "j***@contoso.com"),
        ("élodie@exemple.fr", "é***@exemple.fr"),
        ("not an address", "***"),
        ("@contoso.com", "***"),
        ("jane@", "***"),
        ("", ""),
    ])
    func emailMask(input: String, expected: String) {
        #expect(Redactor(enabled: true).email(input) == expected)
        #expect(Redactor(enabled: false).email(input) == input)
    }

    @Test(arguments: [
        ("+1 425 555 0145", "***45"),
        ("(425) 555-01.99", "***99"),
        ("1234", "***"),
        ("unknown", "***"),
        ("", ""),
    ])
    func phoneMask(input: String, expected: String) {
        #expect(Redactor(enabled: true).phone(input) == expected)
        #expect(Redactor(enabled: false).phone(input) == input)
    }

    @Test func missingValuesStayMissing() {
        #expect(Redactor(enabled: true).email(nil) == nil)
        #expect(Redactor(enabled: true).phone(nil) == nil)
    }

    @Test(arguments: [
        ("no address here", "no address here"),
        ("contact jane.doe@contoso.com.", "contact j***@contoso.com."),
        ("value 'a.b+tag@x.example.org' rejected", "value 'a***@x.example.org' rejected"),
        ("two: ann@a.io, bob@b.io", "two: a***@a.io, b***@b.io"),
        ("émile@société.fr", "é***@société.fr"),
        ("a stray @ sign and x@ y", "a stray @ sign and x@ y"),
        ("@handle", "@handle"),
    ])
    func messagesAreScrubbedOfAddresses(input: String, expected: String) {
        #expect(Redactor(enabled: true).scrub(input) == expected)
        #expect(Redactor(enabled: false).scrub(input) == input)
    }
}
