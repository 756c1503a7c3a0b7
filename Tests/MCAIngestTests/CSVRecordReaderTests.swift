import MCAIngest
import MCAModel
import Testing

/// Reads `text` as a CSV export of `kind`, with small chunks so records straddle chunk boundaries.
func readCSV(_ text: String, kind: InputKind = .customers, chunkSize: Int = 3,
             delimiter: Character = ",") throws -> [RawRecord] {
    var out: [RawRecord] = []
    try CSVRecordReader(delimiter: delimiter.asciiValue!)
        .read(MemoryByteSource(text, chunkSize: chunkSize), schema: .forKind(kind)) { out.append($0) }
    return out
}

@Suite struct CSVRecordReaderTests {
    @Test(arguments: [1, 2, 3, 7, 64, 1 << 20])
    func quotedFieldsCommasQuotesAndLineBreaks(chunkSize: Int) throws {
        let text = "\u{FEFF}Customer ID,Company Name,Domain\r\n"
            + "8F2C1A9E-0001-4B7A-9C2D-AAAAAAAAAAAA,\"Contoso, Ltd.\",contoso.com\r\n"
            + "\"b-2\",\"Fabrikam \"\"Fab\"\" GmbH\",fab.de\r\n"
            + "c-3,\"Line one\nLine two\",\r\n"
            + "d-4,Café de l'Ouest,\"\"\n"
        let rows = try readCSV(text, chunkSize: chunkSize)
        #expect(rows.map(\.line) == [2, 3, 4, 6])
        #expect(rows.map { $0[.customerId] } == ["8F2C1A9E-0001-4B7A-9C2D-AAAAAAAAAAAA", "b-2", "c-3", "d-4"])
        #expect(rows.map { $0[.companyName] } == ["Contoso, Ltd.", "Fabrikam \"Fab\" GmbH", "Line one\nLine two", "Café de l'Ouest"])
        #expect(rows[0][.domain] == "contoso.com")
        #expect(rows[3][.domain] == "")
        #expect(rows.allSatisfy { $0.rejection == nil && $0.warnings.isEmpty })
    }

    @Test func headerAliasesAreNormalised() throws {
        let rows = try readCSV("Microsoft ID,Company name,Primary domain name,Relationship\nabc,Tailspin,tailspin.com,Reseller\n")
        #expect(rows.count == 1)
        #expect(rows[0][.customerId] == "abc")
        #expect(rows[0][.companyName] == "Tailspin")
        #expect(rows[0][.domain] == "tailspin.com")
    }

    @Test(arguments: [5, 1 << 20])
    func recordsWithMoreFieldsThanAnyBeforeAreReadWhole(chunkSize: Int) throws {
        // The scanner's room for fields starts at 64 and doubles: these rows need it to grow twice.
        let wide = (0..<150).map { $0 == 1 ? "\"Dupont, \"\"Père\"\" & Fils\"" : "x\($0)" }.joined(separator: ",")
        let text = "Customer ID,Company Name,Domain\r\n" + "a-1,Contoso,contoso.com\r\n" + wide + "\r\n"
            + (0..<300).map { "v\($0)" }.joined(separator: ",") + "\r\n" + "b-2,L'Oréal,loreal.fr\r\n"
        let rows = try readCSV(text, chunkSize: chunkSize)
        #expect(rows.map { $0[.customerId] } == ["a-1", "x0", "v0", "b-2"])
        #expect(rows.map { $0[.companyName] } == ["Contoso", "Dupont, \"Père\" & Fils", "v1", "L'Oréal"])
        #expect(rows.map { $0[.domain] } == ["contoso.com", "x2", "v2", "loreal.fr"])
        #expect(rows[1].warnings.map(\.message) == ["150 fields where the header has 3; the extra fields are ignored"])
        #expect(rows[2].warnings.map(\.message) == ["300 fields where the header has 3; the extra fields are ignored"])
        #expect(rows[0].warnings.isEmpty && rows[3].warnings.isEmpty)
        #expect(rows.allSatisfy { $0.rejection == nil })
    }

    @Test(arguments: [7, 1 << 20])
    func aNULOrANonASCIIByteAnywhereInAFieldIsSeen(chunkSize: Int) throws {
        // Each byte at each place of a name of 1 to 19 bytes, quoted or not, before a delimiter or
        // a line end: the plain-record test must see every one of them.
        for length in 1...19 {
            for at in 0..<length {
                for quoted in [false, true] {
                    for last in [false, true] {
                        func row(_ special: [UInt8]) -> [UInt8] {
                            var name = Array(repeating: UInt8(ascii: "n"), count: length)
                            name.replaceSubrange(at...at, with: special)
                            if quoted { name = [0x22] + name + [0x22] }
                            return last ? Array("id-1,".utf8) + name + [0x0D, 0x0A] : Array("id-1,".utf8) + name + Array(",x.com\r\n".utf8)
                        }
                        let header = Array((last ? "Customer ID,Company Name\r\n" : "Customer ID,Company Name,Domain\r\n").utf8)
                        var bytes = header + row([0x00]) + row([0xC3, 0xA9]) + row([0xFF]) + row([UInt8(ascii: "e")])
                        bytes += Array("id-2,Plain\(last ? "" : ",p.com")\r\n".utf8)
                        var out: [RawRecord] = []
                        try CSVRecordReader(delimiter: UInt8(ascii: ","))
                            .read(MemoryByteSource(bytes, chunkSize: chunkSize), schema: .customers) { out.append($0) }
                        let context = "length \(length), at \(at), quoted \(quoted), last \(last)"
                        #expect(out.map { $0.rejection?.code } == [.malformedRow, nil, .invalidUTF8, nil, nil], "\(context)")
                        #expect(out[1][.companyName]?.unicodeScalars.filter { $0 == "é" }.count == 1, "\(context)")
                        #expect(out[3][.companyName]?.utf8.count == length, "\(context)")
                    }
                }
            }
        }
    }

    @Test func raggedRowsKeepTheNamedFieldsAndWarn() throws {
        let rows = try readCSV("id,name,cloud\na,A,public,extra\nb,B\n")
        #expect(rows[0][.cloud] == "public")
        #expect(rows[0].warnings.map(\.code) == [.raggedRow])
        #expect(rows[1][.companyName] == "B")
        #expect(rows[1][.cloud] == nil)
        #expect(rows[1].warnings.map(\.code) == [.raggedRow])
    }

    @Test func blankLinesAreSkippedButCountedForLineNumbers() throws {
        let rows = try readCSV("id,name\n\na,A\r\n\r\nb,B")
        #expect(rows.map(\.line) == [3, 5])
        #expect(rows.map { $0[.customerId] } == ["a", "b"])
    }

    @Test func unterminatedQuoteIsFatalAtTheLineWhereItStarts() throws {
        let error = #expect(throws: FatalInputError.self) {
            _ = try readCSV("id,name\na,A\nb,\"Open\nstill open\nand more\n")
        }
        #expect(error?.code == .unterminatedQuote)
        #expect(error?.line == 3)
    }

    @Test func missingRequiredColumnIsFatal() throws {
        let error = #expect(throws: FatalInputError.self) { _ = try readCSV("name,domain\nA,a.com\n") }
        #expect(error?.code == .missingColumn)
        #expect(error?.message.contains("customerid") == true)
    }

    @Test func invalidUTF8RejectsTheRowNotTheFile() throws {
        var bytes = Array("id,name\na,".utf8) + [0xC3, 0x28] + Array("\nb,Bob\n".utf8)
        var rows: [RawRecord] = []
        try CSVRecordReader().read(MemoryByteSource(bytes, chunkSize: 4), schema: .customers) { rows.append($0) }
        #expect(rows.count == 2)
        #expect(rows[0].rejection?.code == .invalidUTF8)
        #expect(rows[1].rejection == nil)
        #expect(rows[1][.companyName] == "Bob")
        bytes = Array("id,name\na,A\u{0}B\n".utf8)
        rows = []
        try CSVRecordReader().read(MemoryByteSource(bytes), schema: .customers) { rows.append($0) }
        #expect(rows[0].rejection?.code == .malformedRow)
    }

    /// Plain ASCII records take a faster path (one copy for the whole record); records with
    /// UTF-8, doubled quotes, NUL or bad bytes take the field-by-field one. Both give the same fields.
    @Test func plainAndNonASCIIRecordsReadAlike() throws {
        let csv = "\u{FEFF}Id,Name,Domain\r\n"
            + "a1,\"O'Brien, Ltd\",obrien.com\r\n"              // plain ASCII, quoted comma
            + "a2,\"Zoë \"\"Nord\"\"\",nord.de\r\n"          // UTF-8 and doubled quotes
            + "a3,\"Say \"\"hi\"\"\",hi.com\n"                 // ASCII with doubled quotes
            + "a4,Société Générale\n"                            // UTF-8, ragged (no domain)
            + "a5,x,y,extra\n"                                   // ASCII, ragged (one too many)
            + "a6,\"multi\r\nline\",m.com"                    // quoted line break, no final newline
        for chunk in [1, 3, 64, 1 << 20] {
            let rows = try readCSV(csv, chunkSize: chunk)
            #expect(rows.map { $0[.customerId] } == ["a1", "a2", "a3", "a4", "a5", "a6"])
            #expect(rows.map { $0[.companyName] } == ["O'Brien, Ltd", "Zoë \"Nord\"", "Say \"hi\"", "Société Générale", "x", "multi\r\nline"])
            #expect(rows.map { $0[.domain] } == ["obrien.com", "nord.de", "hi.com", nil, "y", "m.com"])
            #expect(rows.map(\.line) == [2, 3, 4, 5, 6, 7])
            #expect(rows.map { $0.warnings.map(\.code) } == [[], [], [], [.raggedRow], [.raggedRow], []])
            #expect(rows.allSatisfy { $0.rejection == nil })
        }
        // A NUL or a byte that is not UTF-8 still rejects the row, whatever the other fields hold.
        let bad = Array("id,name\na,plain\u{0}\nb,ok\nc,".utf8) + [0xFF] + Array("\n".utf8)
        var rows: [RawRecord] = []
        try CSVRecordReader().read(MemoryByteSource(bad), schema: .customers) { rows.append($0) }
        #expect(rows.map { $0.rejection?.code } == [.malformedRow, nil, .invalidUTF8])
        #expect(rows[1][.companyName] == "ok")
    }

    @Test func textAfterAClosingQuoteRejectsTheRow() throws {
        let rows = try readCSV("id,name\na,\"A\"x\nb,B\n")
        #expect(rows[0].rejection?.code == .malformedRow)
        #expect(rows[1].rejection == nil)
    }

    @Test func semicolonAndTabDelimiters() throws {
        #expect(try readCSV("id;name\na;\"A; B\"\n", delimiter: ";")[0][.companyName] == "A; B")
        #expect(try readCSV("id\tname\na\tA,B\n", delimiter: "\t")[0][.companyName] == "A,B")
    }

    @Test func emptyFileAndHeaderOnlyHaveNoRows() throws {
        #expect(try readCSV("").isEmpty)
        #expect(try readCSV("id,name\r\n").isEmpty)
    }

    @Test func aLongFieldGrowsTheBuffer() throws {
        let long = String(repeating: "x", count: 3 << 20)
        let rows = try readCSV("id,name\na,\"\(long)\"\nb,B\n", chunkSize: 1 << 16)
        #expect(rows[0][.companyName]?.utf8.count == 3 << 20)
        #expect(rows[1].line == 3)
    }

    @Test func ordersHeaderFromAPartnerExport() throws {
        let rows = try readCSV("Order ID,Reference Customer ID,Creation Date,Status,Line Item Number,Offer ID,Subscription ID,Quantity,Billing Type,Transaction Type\n"
            + "o1,c1,2018-11-09T10:00:00Z,completed,0,OFFER-1,sub-1,5,license,new\n", kind: .orders)
        #expect(rows[0][.orderId] == "o1")
        #expect(rows[0][.customerId] == "c1")
        #expect(rows[0][.creationDate] == "2018-11-09T10:00:00Z")
        #expect(rows[0][.quantity] == "5")
        #expect(rows[0][.transactionType] == "new")
    }
}

/// Headers of the exports partners really have (README, "Real exports").
@Suite struct KnownLayoutTests {
    @Test(arguments: [1, 3, 64])
    func theFirstAliasWinsWhateverTheColumnOrder(chunkSize: Int) throws {
        // The legacy file's ChargeStartDate stands in only where there is no order date.
        let both = try readCSV("ChargeStartDate,OrderId,CustomerId,OrderDate,ChargeType\n3/1/2022,o-1,c-1,2/1/2022,cycleCharge\n",
                               kind: .orders, chunkSize: chunkSize)
        #expect(both.first?[.creationDate] == "2/1/2022")
        #expect(both.first?[.transactionType] == "cycleCharge")
        let legacy = try readCSV("OrderId,CustomerId,ChargeStartDate\no-1,c-1,11/1/2018 0:00\n", kind: .orders, chunkSize: chunkSize)
        #expect(legacy.first?[.creationDate] == "11/1/2018 0:00")
    }

    @Test(arguments: [1, 5, 64])
    func aWindowsPowerShellTypeLineIsSkipped(chunkSize: Int) throws {
        let text = "\u{FEFF}#TYPE Microsoft.Store.PartnerCenter.PowerShell.Models.Customers.PSCustomer\r\n"
            + "\"CustomerId\",\"Domain\",\"Name\"\r\n\"c-1\",\"contoso.com\",\"Contoso, Ltd.\"\r\n"
        let rows = try readCSV(text, chunkSize: chunkSize)
        #expect(rows.map { $0[.customerId] } == ["c-1"])
        #expect(rows.map { $0[.companyName] } == ["Contoso, Ltd."])
        #expect(rows.map(\.line) == [3])
    }

    @Test func getAllCustomersAgreementsUnnamedTypeColumnAndShortRows() throws {
        let text = "TenantId,Domain,Date,First Name,Last Name,Phone,Email \r\n"
            + "c-1,contoso.com,10/1/2018 4:20:00 PM,Ana,Núñez,+1 425 555 0100,ana@contoso.com,MicrosoftCustomerAgreement\r\n"
            + "c-2 ,fabrikam.com,,,,,\r\n"
            + "c-3,northwind.com\r\n"
            + "c-4,x.com,,,,,,,\r\n"
        let rows = try readCSV(text, kind: .agreements)
        #expect(rows.map { $0[.agreementType] } == ["MicrosoftCustomerAgreement", nil, nil, ""])
        #expect(rows.map { $0[.email] } == ["ana@contoso.com", "", nil, ""])
        // 8, 7 and 2 fields are the sample's own rows; 9 are not.
        #expect(rows.map { $0.warnings.map(\.code) } == [[], [], [], [.raggedRow]])
    }

    @Test func bulkAttestationRecordsAreCustomerAgreementRecords() throws {
        let text = "CustomerTenantId,FirstName,LastName,Email,PhoneNumber,LastAgreementDate,PartnerAttestationCompleted,CustomerAccountLink\n"
            + "c-1,Ana,Núñez,ana@contoso.com,,2018-10-01 16:20:00,True,https://partner.microsoft.com/x\n"
        let rows = try readCSV(text, kind: .agreements)
        #expect(rows.first?[.agreementType] == "MicrosoftCustomerAgreement")
        #expect(rows.first?[.dateAgreed] == "2018-10-01 16:20:00")
        // An ordinary agreements export keeps an empty type (= the policy's).
        #expect(try readCSV("CustomerId,Email\nc-1,a@b.example\n", kind: .agreements).first?[.agreementType] == nil)
    }

    @Test func theLegacyLicenseBasedFileIsLicenseBased() throws {
        let header = "PartnerId,CustomerId,CustomerName,MpnId,Tier2MpnId,OrderId,SubscriptionId,SyndicationPartnerSubscriptionNumber,"
            + "OfferId,DurableOfferId,OfferName,SubscriptionStartDate,SubscriptionEndDate,ChargeStartDate,ChargeEndDate,ChargeType,"
            + "UnitPrice,Quantity,Amount\n"
        let rows = try readCSV(header + "p,c-1,C,1,-1,o-1,s-1,n,off,d,Office,11/1/2018 0:00,,11/1/2018 0:00,,Activation fee,1,3,3\n",
                               kind: .orders)
        #expect(rows.first?[.billingType] == "license")
        #expect(rows.first?[.transactionType] == "Activation fee")
        // Not in another orders file.
        #expect(try readCSV("OrderId,CustomerId,OrderDate\no-1,c-1,2022-01-01\n", kind: .orders).first?[.billingType] == nil)
    }

    @Test func aMissingColumnNamesWhatTheHeaderHasAndWhatItLooksLike() throws {
        let error = #expect(throws: FatalInputError.self) {
            _ = try readCSV("\"AllowDelegatedAccess\",\"CustomerId\",\"Domain\",\"Name\"\n,c-1,x.com,X\n", kind: .orders)
        }
        #expect(error?.message == "required column missing from the header: orderId (one of: orderid, id); creationDate (one of: "
            + "creationdate, orderdate, date, createddate, chargestartdate); the header has: 'AllowDelegatedAccess', 'CustomerId', "
            + "'Domain', 'Name'; it looks most like Get-PartnerCustomer | Export-Csv (\"CustomerId\",\"Domain\",\"Name\",…), "
            + "an export of customers: give it with --customers")
    }
}
