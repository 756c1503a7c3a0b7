/// The words generated exports are made of, encoded once as UTF-8 bytes.
///
/// Names carry what real exports carry: commas, quotes, apostrophes, ampersands and accents,
/// so every writer's escaping is exercised. Each display name has an ASCII form for e-mail
/// addresses and domains.
final class Vocabulary {
    struct Name {
        var display: [UInt8]
        var ascii: [UInt8]
        init(_ display: String, _ ascii: String) {
            self.display = Array(display.utf8)
            self.ascii = Array(ascii.utf8)
        }
    }

    struct Offer {
        var id: [UInt8]
        var name: [UInt8]
        var seatBased: Bool
        /// List price per seat and month in US cents (the reconciliation layout's `UnitPrice`); 0
        /// for usage-based offers, whose meters have their own prices.
        var monthlyPrice: Int
        init(_ id: String, _ name: String, seatBased: Bool, monthlyPrice: Int = 0) {
            self.id = Array(id.utf8)
            self.name = Array(name.utf8)
            self.seatBased = seatBased
            self.monthlyPrice = monthlyPrice
        }
    }

    let brands: [Name] = [
        Name("Contoso", "contoso"), Name("Fabrikam", "fabrikam"), Name("Northwind", "northwind"),
        Name("Adatum", "adatum"), Name("Litware", "litware"), Name("Proseware", "proseware"),
        Name("Tailspin", "tailspin"), Name("Wingtip", "wingtip"), Name("Trey", "trey"),
        Name("Woodgrove", "woodgrove"), Name("Alpine Ski House", "alpineskihouse"), Name("Coho", "coho"),
        Name("Lucerne", "lucerne"), Name("Margie's", "margies"), Name("Café du Port", "cafeduport"),
        Name("Müller & Söhne", "muellersoehne"), Name("Łódź", "lodz"), Name("Nod", "nod"),
        Name("Relecloud", "relecloud"), Name("Humongous", "humongous"), Name("Fourth Coffee", "fourthcoffee"),
        Name("Blue Yonder", "blueyonder"), Name("Bellows", "bellows"), Name("Wide World", "wideworld"),
        Name("Southridge", "southridge"), Name("Consolidated", "consolidated"), Name("Tailwind", "tailwind"),
        Name("O'Brien", "obrien"), Name("Søndergaard", "sondergaard"), Name("Zoë's", "zoes"),
        Name("São Bento", "saobento"), Name("Åkesson", "akesson"), Name("D'Arcy", "darcy"),
        Name("Ibérica", "iberica"), Name("Nakamura", "nakamura"), Name("Große Freiheit", "grossefreiheit"),
    ]

    let industries: [Name] = [
        Name("Traders", "traders"), Name("Consulting", "consulting"), Name("Logistics", "logistics"),
        Name("Pharmaceuticals", "pharma"), Name("Software", "software"), Name("Holdings", "holdings"),
        Name("& Sons", "sons"), Name("Group", "group"), Name("Publishing", "publishing"),
        Name("Winery", "winery"), Name("Bakery", "bakery"), Name("Insurance", "insurance"),
        Name("Airlines", "airlines"), Name("Engineering", "engineering"), Name("Dental Clinic", "dental"),
        Name("Architects", "architects"), Name("Hôtellerie", "hotellerie"), Name("Transports", "transports"),
        Name("Design Institute", "design"), Name("Steuerberatung", "steuer"),
    ]

    /// Legal-form suffixes, some with the comma that forces CSV quoting.
    let suffixes: [[UInt8]] = [
        "", " Ltd.", ", Inc.", " GmbH", " SARL", " S.A.", ", LLC", " Sp. z o.o.", " AG", " B.V.",
        " Pty Ltd", " K.K.", " AB", " S.r.l.", " Kft.", ", Ltd.",
    ].map { Array($0.utf8) }

    let cities: [[UInt8]] = [
        " (Zürich)", " (São Paulo)", " (Kraków)", " (Montréal)", " (Lyon)", " (Dublin)", " (Köln)",
        " (Osaka)", " (Seattle)", " (Bogotá)",
    ].map { Array($0.utf8) }

    /// Nicknames written in double quotes inside a company name (`Fabrikam "Fab" GmbH`).
    let nicknames: [[UInt8]] = ["\"Fab\"", "\"The Group\"", "\"Nord\"", "\"Übersee\""].map { Array($0.utf8) }

    let topLevelDomains: [[UInt8]] = ["com", "de", "fr", "co.uk", "pl", "ie", "co.jp", "com.br", "ch", "nl"]
        .map { Array($0.utf8) }

    let firstNames: [Name] = [
        Name("Ana", "ana"), Name("José", "jose"), Name("Zoë", "zoe"), Name("Søren", "soren"),
        Name("Jürgen", "juergen"), Name("Kenji", "kenji"), Name("Miriam", "miriam"), Name("Li", "li"),
        Name("Seán", "sean"), Name("Ólafur", "olafur"), Name("Chloé", "chloe"), Name("François", "francois"),
        Name("Łukasz", "lukasz"), Name("Ngozi", "ngozi"), Name("Priya", "priya"), Name("Mohammed", "mohammed"),
        Name("Aiko", "aiko"), Name("Elena", "elena"), Name("Mateo", "mateo"), Name("Sofia", "sofia"),
        Name("John", "john"), Name("Mary", "mary"), Name("Pat", "pat"), Name("Ayşe", "ayse"),
    ]

    let lastNames: [Name] = [
        Name("Núñez", "nunez"), Name("O'Brien", "obrien"), Name("D'Arcy", "darcy"), Name("Müller", "mueller"),
        Name("Wójcik", "wojcik"), Name("Watanabe", "watanabe"), Name("Cohen", "cohen"), Name("Smith", "smith"),
        Name("García", "garcia"), Name("Nguyen", "nguyen"), Name("Okafor", "okafor"), Name("Patel", "patel"),
        Name("Kowalski", "kowalski"), Name("Dubois", "dubois"), Name("Rossi", "rossi"),
        Name("Andersson", "andersson"), Name("Yılmaz", "yilmaz"), Name("Øvrebø", "ovrebo"),
        Name("van der Berg", "vanderberg"), Name("Schmidt-Weiß", "schmidtweiss"),
    ]

    /// Phone layouts by country; `#` is a random digit. All are valid phones (README, "Statuses").
    let phoneTemplates: [[UInt8]] = [
        "+1 (425) 555-0###", "+49 30 #######", "+33 1 ## ## ## ##", "+44 20 7946 0###", "+81 3-####-####",
        "+48 42 ### ## ##", "+55 11 9####-####", "(425) 555-0###", "+41 44 ### ## ##", "+353 1 ### ####",
    ].map { Array($0.utf8) }

    /// Phones that break the rule: too few digits, letters, too many digits.
    let invalidPhones: [[UInt8]] = [
        "555", "call reception", "+1 425 555 0100 ext. 12", "0049 30 1234 5678 9012 3456 78", "n/a",
    ].map { Array($0.utf8) }

    /// Unreadable acceptance dates: impossible, ambiguous without `--date-format`, or not a date.
    let invalidDates: [[UInt8]] = [
        "13/45/2018", "2018-02-30", "31.10.2018", "10/11/2018", "N/A", "2018-9-31", "yesterday",
    ].map { Array($0.utf8) }

    /// Roles that may not record a confirmation.
    let unauthorizedRoles: [[UInt8]] = ["HelpdeskAgent", "GlobalAdmin", "BillingAdmin"].map { Array($0.utf8) }

    /// Quantities that are not non-negative integers.
    let invalidQuantities: [[UInt8]] = ["five", "-3", "2.5", "1e3", "12 seats"].map { Array($0.utf8) }

    /// Order creation dates that cannot be read.
    let invalidOrderDates: [[UInt8]] = ["2018-13-01", "31/11/2018", "tomorrow", "2018-11-31T10:00:00Z"]
        .map { Array($0.utf8) }

    let offers: [Offer] = [
        Offer("CFQ7TTC0LF8Q", "Office 365 E3", seatBased: true, monthlyPrice: 2300),
        Offer("CFQ7TTC0LF8R", "Office 365 E1", seatBased: true, monthlyPrice: 1000),
        Offer("CFQ7TTC0LCHC", "Microsoft 365 Business Premium", seatBased: true, monthlyPrice: 2200),
        Offer("CFQ7TTC0LH18", "Dynamics 365 Sales, Enterprise", seatBased: true, monthlyPrice: 10500),
        Offer("CFQ7TTC0LH16", "Exchange Online (Plan 1)", seatBased: true, monthlyPrice: 400),
        Offer("CFQ7TTC0LFK5", "Visio Plan 2", seatBased: true, monthlyPrice: 1500),
        Offer("CFQ7TTC0LFLZ", "Microsoft 365 E5", seatBased: true, monthlyPrice: 5700),
        Offer("CFQ7TTC0LDPB", "Microsoft 365 Business Basic", seatBased: true, monthlyPrice: 600),
        Offer("796B6B5F-613C-4E24-A17C-EBA730D49C02", "Office 365 Business Premium", seatBased: true, monthlyPrice: 1250),
        Offer("CFQ7TTC0LHSF", "Power BI Pro", seatBased: true, monthlyPrice: 1000),
        Offer("DZH318Z0BPS6", "Azure plan", seatBased: false),
        Offer("MS-AZR-0145P", "Microsoft Azure \"CSP\" (legacy)", seatBased: false),
    ]

    /// Public-cloud spellings, weighted towards the empty value most exports have.
    let publicClouds: [[UInt8]] = ["Public", "Global", "AzureCloud", "Commercial", "Worldwide"].map { Array($0.utf8) }
    let germanClouds: [[UInt8]] = ["AzureGermanCloud", "Microsoft Cloud Germany", "DE"].map { Array($0.utf8) }
    let chineseClouds: [[UInt8]] = ["21Vianet", "AzureChinaCloud", "CN"].map { Array($0.utf8) }
    let governmentClouds: [[UInt8]] = ["GCC High", "AzureUSGovernment", "USGov", "GCC", "DoD"].map { Array($0.utf8) }
    let unrecognizedClouds: [[UInt8]] = ["Azure Stack Hub", "Sovereign (EU)"].map { Array($0.utf8) }

    let mcaTemplateId: [UInt8] = Array("117a488c-2a5e-4d8e-8e7d-5d5b1b0d5d3e".utf8)
    let mcustaTemplateId: [UInt8] = Array("9c6a2c3d-5f1e-4b7a-8d2e-0f3b1c4a5e6d".utf8)
}
