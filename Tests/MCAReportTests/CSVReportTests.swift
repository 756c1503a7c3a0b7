import Foundation
import MCAEvaluate
import MCAModel
import Testing
@testable import MCAReport

@Suite struct CSVReportTests {
    @Test func customersCSV() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.csvLines("customers.csv") == [
            "customerId,companyName,domain,cloud,status,reasons,confirmedOn,newOrders,seatChanges,daysToCutover,seatBasedSubscriptions,seats,resellers",
            #"c-001,"Contoso, Ltd.",contoso.com,public,CONFIRMED,,2018-09-01,ALLOWED,ALLOWED,,1,10,"#,
            #"c-002,"Fabrikam ""Quoted"" Café",,public,UNCONFIRMED,NO_CONFIRMATION,,BLOCKED,BLOCKED,,2,30,"#,
            #"c-003,"'=HYPERLINK(""evil.example"",""Click"")",tailspin.example,public,INVALID,MISSING_LAST_NAME;INVALID_DATE,,BLOCKED,BLOCKED,,1,7,"#,
            "c-004,Tailwind GmbH,,germany,OUT_OF_SCOPE,CLOUD_NOT_SUPPORTED,,ALLOWED,NONE,,0,0,",
            "c-005,'-Northwind *Traders* [x](y) | a_b,,public,UNCONFIRMED,NO_CONFIRMATION,,BLOCKED,NONE,,0,0,",
            "c-006,<script>alert(1)</script>,,public,UNCONFIRMED,NO_CONFIRMATION,,BLOCKED,NONE,,0,0,",
        ])
    }

    @Test func blockedNewOrdersCSV() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.csvLines("blocked-new-orders.csv") == [
            "customerId,companyName,cloud,status,reasons,newOrders,daysToCutover,seats",
            #"c-002,"Fabrikam ""Quoted"" Café",public,UNCONFIRMED,NO_CONFIRMATION,BLOCKED,,30"#,
            #"c-003,"'=HYPERLINK(""evil.example"",""Click"")",public,INVALID,MISSING_LAST_NAME;INVALID_DATE,BLOCKED,,7"#,
            "c-005,'-Northwind *Traders* [x](y) | a_b,public,UNCONFIRMED,NO_CONFIRMATION,BLOCKED,,0",
            "c-006,<script>alert(1)</script>,public,UNCONFIRMED,NO_CONFIRMATION,BLOCKED,,0",
        ])
    }

    @Test func blockedAtCutoverRowsCarryTheDaysLeft() throws {
        let (folder, _) = try writeReports(SampleAudit.optionalPhaseResult())
        defer { folder.cleanUp() }
        let lines = try folder.csvLines("blocked-new-orders.csv")
        #expect(lines.count == 5)
        #expect(lines[1] == #"c-002,"Fabrikam ""Quoted"" Café",public,UNCONFIRMED,NO_CONFIRMATION,BLOCKED_AT_CUTOVER,37,30"#)
        #expect(try folder.csvLines("blocked-seat-changes.csv")[1]
            == #"c-002,"Fabrikam ""Quoted"" Café",UNCONFIRMED,BLOCKED_AT_CUTOVER,sub-2a,O365_E5,Office 365 E5,25,37"#)
        #expect(try folder.csvLines("order-violations.csv") == [
            "customerId,companyName,orderId,lineItemNumber,creationDate,subscriptionId,offerId,quantity,code,resellerId",
        ])
    }

    @Test func blockedSeatChangesCSV() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.csvLines("blocked-seat-changes.csv") == [
            "customerId,companyName,status,seatChanges,subscriptionId,offerId,offerName,seats,daysToCutover",
            #"c-002,"Fabrikam ""Quoted"" Café",UNCONFIRMED,BLOCKED,sub-2a,O365_E5,Office 365 E5,25,"#,
            #"c-002,"Fabrikam ""Quoted"" Café",UNCONFIRMED,BLOCKED,,EMS,,5,"#,
            #"c-003,"'=HYPERLINK(""evil.example"",""Click"")",INVALID,BLOCKED,sub-3,O365_E1,Office 365 E1,7,"#,
        ])
    }

    @Test func invalidConfirmationsCSV() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.csvLines("invalid-confirmations.csv") == [
            "customerId,companyName,defects,firstName,lastName,email,phoneNumber,dateAgreed,agreementType,templateId,recordedByRole",
            #"c-003,"'=HYPERLINK(""evil.example"",""Click"")",MISSING_LAST_NAME;INVALID_DATE,Jane,,jane.doe@contoso.com,'+1 425 555 0145,13/45/2018,MicrosoftCloudAgreement,tpl-1,AdminAgent"#,
        ])
    }

    @Test func dateAgreedIsISOOrTheRawTextOrEmpty() throws {
        var result = SampleAudit.result()
        result.customers.modify { all in
            all[2].newestRecord?.dateAgreed = .date(SampleAudit.date("2019-01-02"))
            all[2].newestRecord?.phoneNumber = nil
            var second = all[2]
            second.customerId = "c-003b"
            second.newestRecord = ConfirmationRecord(firstName: "Bo", email: "not-an-address")
            all.insert(second, at: 3)
        }
        let (folder, _) = try writeReports(result)
        defer { folder.cleanUp() }
        let lines = try folder.csvLines("invalid-confirmations.csv")
        #expect(lines.count == 3)
        #expect(lines[1].hasSuffix(",Jane,,jane.doe@contoso.com,,2019-01-02,MicrosoftCloudAgreement,tpl-1,AdminAgent"))
        #expect(lines[2].hasSuffix(",Bo,,not-an-address,,,,,"))
    }

    @Test func orderViolationsCSV() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.csvLines("order-violations.csv") == [
            "customerId,companyName,orderId,lineItemNumber,creationDate,subscriptionId,offerId,quantity,code,resellerId",
            #"c-002,"Fabrikam ""Quoted"" Café",ord-9,1,2018-11-07,sub-2a,O365_E5,5,ORDER_WITHOUT_CONFIRMATION,"#,
        ])
    }

    @Test func dataQualityCSV() throws {
        let (folder, _) = try writeReports()
        defer { folder.cleanUp() }
        #expect(try folder.csvLines("data-quality.csv") == [
            "file,line,severity,code,message",
            "orders.csv,17,error,UNKNOWN_CUSTOMER,unknown customer 'c-999' (contact bob.smith@contoso.com)",
            "customers.csv,4,warning,UNRECOGNIZED_CLOUD,unrecognized cloud 'mars'; evaluated as public",
        ])
    }

    @Test func everyLineEndsInCRLFAndThereIsNoBOM() throws {
        let (folder, files) = try writeReports()
        defer { folder.cleanUp() }
        let csvFiles = files.filter { $0.hasSuffix(".csv") }
        #expect(csvFiles.count == 7)
        for name in csvFiles {
            let bytes = [UInt8](try folder.data(name))
            #expect(Array(bytes.prefix(3)) != [0xEF, 0xBB, 0xBF], "\(name)")
            #expect(bytes.suffix(2) == [0x0D, 0x0A], "\(name)")
            for (i, byte) in bytes.enumerated() where byte == 0x0A {
                #expect(i > 0 && bytes[i - 1] == 0x0D, "\(name): bare LF at byte \(i)")
            }
        }
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        ("Café 東京", "Café 東京"),
        ("a,b", #""a,b""#),
        (#"say "hi""#, #""say ""hi""""#),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rhere", "\"cr\rhere\""),
        (" leading", #"" leading""#),
        ("trailing ", #""trailing ""#),
        ("=1+2", "'=1+2"),
        ("+33 1 23", "'+33 1 23"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "\"'\rCR\""),
        (#"=HYPERLINK("x","y")"#, #""'=HYPERLINK(""x"",""y"")""#),
        ("a=b", "a=b"),
    ])
    func fieldQuotingAndSpreadsheetGuard(input: String, expected: String) {
        var buffer = TextBuffer()
        buffer.appendCSV(input)
        #expect(buffer.text == expected)
    }
}
