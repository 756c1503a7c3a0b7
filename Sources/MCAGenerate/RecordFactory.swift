/// The one place that decides what generated exports contain: customers, their confirmation
/// records and their orders, for every format alike (the formats only render).
///
/// Every customer's profile is a pure function of the seed and its index, so the customers,
/// agreements and orders files agree with each other without any of them being held in memory.
final class RecordFactory {
    let seed: UInt64
    let customerCount: Int
    /// Distinct resellers customers are sold through (0: every customer is direct).
    let resellerCount: Int
    let vocabulary = Vocabulary()
    private let streamKeys: [UInt64]

    init(seed: UInt64, customerCount: Int, resellerCount: Int? = nil) {
        self.seed = seed
        self.customerCount = customerCount
        self.resellerCount = min(resellerCount ?? GenerateOptions.defaultResellers(customers: customerCount),
                                 RecordFactory.maxResellers)
        streamKeys = RandomStream.allCases.map {
            RecordFactory.mix(seed &+ UInt64($0.rawValue + 1) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// SplitMix64's finaliser: a bijection of 64-bit values that scatters neighbouring inputs.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value fixed by the seed, a stream and up to two indices.
    @inline(__always)
    func hash(_ stream: RandomStream, _ i: Int, _ j: Int = 0) -> UInt64 {
        RecordFactory.mix(streamKeys[stream.rawValue] &+ UInt64(truncatingIfNeeded: i) &* 0xD1B5_4A32_D192_ED03
            &+ UInt64(truncatingIfNeeded: j) &* 0xA24B_AED4_963E_E407)
    }

    /// A generator for one index of one stream.
    func random(_ stream: RandomStream, _ i: Int, _ j: Int = 0) -> SplitMix64 { SplitMix64(seed: hash(stream, i, j)) }

    /// A sequential generator for a whole file.
    func sequence(_ stream: RandomStream) -> SplitMix64 { SplitMix64(seed: streamKeys[stream.rawValue]) }

    // MARK: - Identity

    /// About 0.1% of customers rows repeat an earlier customer's id (DUPLICATE_CUSTOMER); the
    /// customer of such a row index does not exist. Row 0 never does.
    func isDuplicateRow(_ row: Int) -> Bool { row > 0 && hash(.duplicates, row) % 1000 == 0 }

    /// The nearest existing customer at or below an index.
    func existingCustomer(atOrBelow index: Int) -> Int {
        var c = index
        while isDuplicateRow(c) { c -= 1 }
        return c
    }

    /// Whether the customers export writes this customer's id in upper case (the others: lower).
    func idIsUppercase(_ customer: Int) -> Bool { hash(.identity, customer, 2) % 10 < 6 }

    func appendCustomerId(_ customer: Int, uppercase: Bool, to out: inout [UInt8]) {
        out.appendGUID(high: hash(.identity, customer, 0), low: hash(.identity, customer, 1), uppercase: uppercase)
    }

    /// A customer id that no customers row has (UNKNOWN_CUSTOMER).
    func appendUnknownCustomerId(_ n: Int, to out: inout [UInt8]) {
        out.appendGUID(high: hash(.unknownCustomers, n, 0), low: hash(.unknownCustomers, n, 1), uppercase: n % 2 == 0)
    }

    /// How many subscriptions a customer's orders draw from (1–6).
    func subscriptionCount(_ customer: Int) -> Int { 1 + Int(hash(.identity, customer, 3) % 6) }

    // MARK: - Resellers

    /// The largest reseller pool: reseller ids are a bijection of their index onto 7-digit MPN ids,
    /// and the index `maxResellers` is kept for the partner's own MPN ID.
    static let maxResellers = 1_000_000

    /// A customer's resellers, from the seed and its index alone: with a pool of resellers, ~20%
    /// of customers buy direct, ~8% through two resellers, the others through one; some resellers
    /// sell to far more customers than others.
    func resellers(_ customer: Int) -> CustomerResellers {
        let n = resellerCount
        guard n > 0, customer >= 0 else { return .direct }
        let draw = hash(.resellers, customer, 0) % 100
        if draw < 20 { return .direct }
        var first = Int(hash(.resellers, customer, 1) % UInt64(n))
        if hash(.resellers, customer, 2) % 100 < 40 { first = Int(hash(.resellers, customer, 3) % UInt64(first + 1)) }
        guard draw < 28, n > 1 else { return CustomerResellers(first: first, second: nil) }
        let second = (first + 1 + Int(hash(.resellers, customer, 4) % UInt64(n - 1))) % n
        return CustomerResellers(first: first, second: second)
    }

    /// A reseller's MPN ID: a 7-digit number, distinct for distinct indices (up to 9,000,000).
    func resellerMpnId(_ reseller: Int) -> Int {
        let offset = Int(hash(.resellers, -1, 0) % 9_000_000)
        // 1,234,567 = 127 × 9,721 shares no factor with 9,000,000 = 2⁶·3²·5⁶: a bijection.
        return 1_000_000 + (reseller % 9_000_000 * 1_234_567 + offset) % 9_000_000
    }

    /// Writes the reseller of a customer's subscription `slot` as `resellerId` (of line `line`):
    /// its MPN ID, or for a direct customer nothing (~60%), `-1` (~20%) or `0` (~20%), fixed per
    /// customer, as exports spell "no reseller".
    func setReseller(customer: Int, slot: Int, line: Int = -1, into r: inout GeneratedRecord) {
        if let reseller = resellers(customer).reseller(slot: slot) {
            let id = resellerMpnId(reseller)
            r.set(.resellerId, line: line) { $0.appendDecimal(id) }
            return
        }
        switch hash(.resellers, customer, 5) % 10 {
        case ..<6: break
        case ..<8: r.set(.resellerId, line: line, "-1")
        default: r.set(.resellerId, line: line, "0")
        }
    }

    // MARK: - Profiles

    func profile(_ customer: Int) -> CustomerProfile {
        var rng = random(.profile, customer)
        let v = vocabulary
        let cloudDraw = rng.below(10_000)
        let cloud: CloudChoice
        let spelling: Int
        switch cloudDraw {
        case ..<60: cloud = .germany; spelling = rng.below(v.germanClouds.count)
        case ..<120: cloud = .china; spelling = rng.below(v.chineseClouds.count)
        case ..<200: cloud = .usGovernment; spelling = rng.below(v.governmentClouds.count)
        case ..<220: cloud = .unrecognized; spelling = rng.below(v.unrecognizedClouds.count)
        case ..<3220: cloud = .publicSpelled; spelling = rng.below(v.publicClouds.count)
        default: cloud = .publicUnspecified; spelling = 0
        }
        let scenario: Scenario
        if cloudDraw < 200 {
            // A partner rarely confirms in a national cloud, where confirmation does not exist.
            scenario = rng.chance(25) ? .confirmed : .none
        } else {
            let s = rng.below(10_000)
            switch s {
            case ..<6400: scenario = .confirmed
            case ..<6900: scenario = .confirmedEmbedded
            case ..<7700: scenario = .confirmedLate
            case ..<7900: scenario = .confirmedAfterAsOf
            case ..<8950: scenario = .defective(PlantedDefect.allCases[(s - 7900) * PlantedDefect.allCases.count / 1050])
            case ..<9150: scenario = .newerValidOverInvalid
            case ..<9300: scenario = .newerInvalidOverValid
            case ..<9350: scenario = .threeRecords
            case ..<9450: scenario = .otherTypeOnly
            case ..<9500: scenario = .emptyRecord
            default: scenario = .none
            }
        }
        return CustomerProfile(
            scenario: scenario, cloud: cloud, cloudSpelling: spelling,
            brand: rng.below(v.brands.count), industry: rng.below(v.industries.count),
            suffix: rng.below(v.suffixes.count),
            city: rng.chance(25) ? rng.below(v.cities.count) : nil,
            nickname: rng.chance(3) ? rng.below(v.nicknames.count) : nil,
            topLevelDomain: rng.below(v.topLevelDomains.count),
            firstName: rng.below(v.firstNames.count), lastName: rng.below(v.lastNames.count),
            phoneTemplate: rng.below(v.phoneTemplates.count),
            resellers: resellers(customer))
    }

    /// The confirmation records a customer has, oldest first.
    func plans(_ customer: Int, _ profile: CustomerProfile) -> [RecordPlan] {
        var rng = random(.records, customer)
        func early(_ rng: inout SplitMix64) -> Int {
            rng.chance(15) ? rng.day(in: Window.beforeRollout) : rng.day(in: Window.optional)
        }
        func anyDefect(_ rng: inout SplitMix64) -> PlantedDefect {
            PlantedDefect.allCases[rng.below(PlantedDefect.allCases.count)]
        }
        switch profile.scenario {
        case .none:
            return []
        case .confirmed:
            return [RecordPlan(day: early(&rng), kind: kind(&rng))]
        case .confirmedEmbedded:
            return [RecordPlan(day: early(&rng), kind: .unspecified, embedded: true)]
        case .confirmedLate:
            return [RecordPlan(day: rng.day(in: Window.afterCutover), kind: kind(&rng))]
        case .confirmedAfterAsOf:
            return [RecordPlan(day: rng.day(in: Window.afterAsOf), kind: kind(&rng))]
        case .defective(let d):
            let day = rng.chance(70) ? rng.day(in: Window.optional) : rng.day(in: Window.afterCutover)
            return [RecordPlan(defect: d, day: day, kind: kind(&rng))]
        case .newerValidOverInvalid:
            let older = rng.day(in: Window.optional)
            let defect = rng.chance(50) ? anyDefect(&rng) : .invalidEmail
            return [RecordPlan(defect: defect == .futureDate ? .missingLastName : defect, day: older, kind: kind(&rng)),
                    RecordPlan(day: older + 3 + rng.below(60), kind: kind(&rng))]
        case .newerInvalidOverValid:
            let older = early(&rng)
            return [RecordPlan(day: older, kind: kind(&rng)),
                    RecordPlan(defect: anyDefect(&rng), day: older + 10 + rng.below(120), kind: kind(&rng))]
        case .threeRecords:
            let first = rng.day(in: Window.optional)
            return [RecordPlan(defect: .unauthorizedRole, day: first, kind: kind(&rng)),
                    RecordPlan(day: first + 1 + rng.below(30), kind: kind(&rng)),
                    RecordPlan(day: rng.day(in: Window.customerAgreement), kind: .customerAgreement)]
        case .otherTypeOnly:
            return [RecordPlan(day: rng.day(in: Window.customerAgreement), kind: .customerAgreement)]
        case .emptyRecord:
            return [RecordPlan(day: 0, kind: .cloudAgreement, allEmpty: true)]
        }
    }

    private func kind(_ rng: inout SplitMix64) -> AgreementKind { rng.chance(70) ? .cloudAgreement : .unspecified }

    // MARK: - Customers

    /// Fills the customers row at `row`.
    func fillCustomer(row: Int, into r: inout GeneratedRecord) {
        if isDuplicateRow(row) {
            // A second listing of an earlier customer, its id in the other case.
            var rng = random(.duplicates, row, 1)
            let original = existingCustomer(atOrBelow: row - 1 - rng.below(min(row, 50)))
            let p = profile(original)
            r.set(.customerId) { appendCustomerId(original, uppercase: !idIsUppercase(original), to: &$0) }
            r.set(.companyName) { appendCompanyName(p, to: &$0) }
            r.set(.domain) { appendDomain(original, p, onMicrosoft: false, to: &$0) }
            setCloud(p, into: &r)
            return
        }
        let p = profile(row)
        r.set(.customerId) { appendCustomerId(row, uppercase: idIsUppercase(row), to: &$0) }
        r.set(.companyName) { appendCompanyName(p, to: &$0) }
        r.set(.domain) { appendDomain(row, p, onMicrosoft: true, to: &$0) }
        setCloud(p, into: &r)
        for (k, plan) in plans(row, p).enumerated() where plan.embedded {
            fillConfirmation(customer: row, ordinal: k, plan: plan, profile: p, embedded: true, into: &r)
        }
    }

    private func setCloud(_ p: CustomerProfile, into r: inout GeneratedRecord) {
        let v = vocabulary
        switch p.cloud {
        case .publicUnspecified: break
        case .publicSpelled: r.set(.cloud, v.publicClouds[p.cloudSpelling])
        case .germany: r.set(.cloud, v.germanClouds[p.cloudSpelling])
        case .china: r.set(.cloud, v.chineseClouds[p.cloudSpelling])
        case .usGovernment: r.set(.cloud, v.governmentClouds[p.cloudSpelling])
        case .unrecognized: r.set(.cloud, v.unrecognizedClouds[p.cloudSpelling])
        }
    }

    func appendCompanyName(_ p: CustomerProfile, to out: inout [UInt8]) {
        let v = vocabulary
        out.append(contentsOf: v.brands[p.brand].display)
        if let n = p.nickname {
            out.append(32)
            out.append(contentsOf: v.nicknames[n])
        }
        out.append(32)
        out.append(contentsOf: v.industries[p.industry].display)
        if let c = p.city { out.append(contentsOf: v.cities[c]) }
        out.append(contentsOf: v.suffixes[p.suffix])
    }

    /// `contosologistics42.onmicrosoft.com`, or the company's own domain (`contosologistics42.de`).
    func appendDomain(_ customer: Int, _ p: CustomerProfile, onMicrosoft: Bool, to out: inout [UInt8]) {
        let v = vocabulary
        out.append(contentsOf: v.brands[p.brand].ascii)
        out.append(contentsOf: v.industries[p.industry].ascii)
        out.appendDecimal(customer)
        out.append(46)
        if onMicrosoft {
            out.appendASCII("onmicrosoft.com")
        } else {
            out.append(contentsOf: v.topLevelDomains[p.topLevelDomain])
        }
    }

    // MARK: - Confirmation records

    /// Fills the contact, date, type and role fields of one record (and, for an agreements row,
    /// its customer id).
    func fillConfirmation(customer: Int, ordinal: Int, plan: RecordPlan, profile p: CustomerProfile,
                          embedded: Bool, into r: inout GeneratedRecord) {
        var rng = random(.records, customer, ordinal + 1)
        let v = vocabulary
        if !embedded {
            let upper = rng.chance(50) ? idIsUppercase(customer) : !idIsUppercase(customer)
            r.set(.customerId) { appendCustomerId(customer, uppercase: upper, to: &$0) }
            switch plan.kind {
            case .cloudAgreement: r.set(.agreementType, "MicrosoftCloudAgreement")
            case .unspecified: break
            case .customerAgreement: r.set(.agreementType, "MicrosoftCustomerAgreement")
            }
            if plan.kind == .customerAgreement {
                r.set(.templateId, v.mcustaTemplateId)
            } else if rng.chance(50) {
                r.set(.templateId, v.mcaTemplateId)
            }
        }
        if plan.allEmpty { return }
        // Usually the customer's own contact; sometimes a colleague.
        let first = rng.chance(80) ? p.firstName : rng.below(v.firstNames.count)
        let last = rng.chance(80) ? p.lastName : rng.below(v.lastNames.count)
        let defect = plan.defect
        if defect != .missingFirstName { r.set(.firstName, v.firstNames[first].display) }
        if defect != .missingLastName { r.set(.lastName, v.lastNames[last].display) }
        if defect == .invalidEmail {
            r.set(.email) { appendInvalidEmail(customer, p, first: first, last: last, rng: &rng, to: &$0) }
        } else if defect != .missingEmail {
            r.set(.email) { appendEmail(customer, p, first: first, last: last, to: &$0) }
        }
        if defect == .invalidPhone {
            r.set(.phoneNumber, v.invalidPhones[rng.below(v.invalidPhones.count)])
        } else if rng.chance(60) {
            r.set(.phoneNumber) { appendPhone(v.phoneTemplates[p.phoneTemplate], rng: &rng, to: &$0) }
        }
        switch defect {
        case .missingDate:
            break
        case .invalidDate:
            r.set(.dateAgreed, v.invalidDates[rng.below(v.invalidDates.count)])
        case .futureDate:
            // The typo that makes a date future for any run date: 2018 written as 2108.
            let (_, m, d) = civilDate(plan.day)
            r.set(.dateAgreed) {
                $0.appendDecimal(2108, width: 4)
                $0.append(45)
                $0.appendDecimal(m, width: 2)
                $0.append(45)
                $0.appendDecimal(min(d, 28), width: 2)
            }
        default:
            r.set(.dateAgreed) { appendDateTime(day: plan.day, style: agreedStyle(&rng), rng: &rng, to: &$0) }
        }
        if defect == .unauthorizedRole {
            r.set(.recordedByRole, v.unauthorizedRoles[rng.below(v.unauthorizedRoles.count)])
        } else {
            let role = rng.below(100)
            if role < 60 {
                r.set(.recordedByRole, "AdminAgent")
            } else if role < 85 {
                r.set(.recordedByRole, "SalesAgent")
            }
        }
    }

    /// An agreements row for a customer no customers row has.
    func fillUnknownCustomerAgreement(_ n: Int, into r: inout GeneratedRecord) {
        var rng = random(.unknownCustomers, n, 2)
        let v = vocabulary
        r.set(.customerId) { appendUnknownCustomerId(n, to: &$0) }
        r.set(.agreementType, "MicrosoftCloudAgreement")
        let first = rng.below(v.firstNames.count), last = rng.below(v.lastNames.count)
        r.set(.firstName, v.firstNames[first].display)
        r.set(.lastName, v.lastNames[last].display)
        r.set(.email) {
            $0.append(contentsOf: v.firstNames[first].ascii)
            $0.appendASCII("@former-customer.example")
        }
        let day = rng.day(in: Window.optional)
        r.set(.dateAgreed) { appendDateTime(day: day, style: 0, rng: &rng, to: &$0) }
        r.set(.recordedByRole, "AdminAgent")
    }

    private func appendEmail(_ customer: Int, _ p: CustomerProfile, first: Int, last: Int, to out: inout [UInt8]) {
        let v = vocabulary
        out.append(contentsOf: v.firstNames[first].ascii)
        out.append(46)
        out.append(contentsOf: v.lastNames[last].ascii)
        out.append(64)
        appendDomain(customer, p, onMicrosoft: false, to: &out)
    }

    /// An address breaking one part of the rule: no `@`, two of them, no dot in the domain,
    /// white space, or an empty local part.
    private func appendInvalidEmail(_ customer: Int, _ p: CustomerProfile, first: Int, last: Int,
                                    rng: inout SplitMix64, to out: inout [UInt8]) {
        let v = vocabulary
        let local = v.firstNames[first].ascii, surname = v.lastNames[last].ascii
        switch rng.below(5) {
        case 0:
            out.append(contentsOf: local)
            out.appendASCII("(at)")
            appendDomain(customer, p, onMicrosoft: false, to: &out)
        case 1:
            out.append(contentsOf: local)
            out.appendASCII("@@")
            appendDomain(customer, p, onMicrosoft: false, to: &out)
        case 2:
            out.append(contentsOf: local)
            out.append(64)
            out.append(contentsOf: v.brands[p.brand].ascii)
        case 3:
            out.append(contentsOf: local)
            out.append(32)
            out.append(contentsOf: surname)
            out.append(64)
            appendDomain(customer, p, onMicrosoft: false, to: &out)
        default:
            out.append(64)
            appendDomain(customer, p, onMicrosoft: false, to: &out)
        }
    }

    private func appendPhone(_ template: [UInt8], rng: inout SplitMix64, to out: inout [UInt8]) {
        for b in template {
            out.append(b == 35 ? UInt8(48 + rng.below(10)) : b)
        }
    }

    // MARK: - Dates

    /// How a dateAgreed is written: mostly a date or a UTC date-time, some with zones.
    private func agreedStyle(_ rng: inout SplitMix64) -> Int {
        switch rng.below(100) {
        case ..<40: return 4
        case ..<75: return 0
        case ..<85: return 2
        case ..<95: return 3
        default: return 5
        }
    }

    /// Writes a day (with a random time) in one of the ISO 8601 layouts of the README's "Values":
    /// 0 `…T10:00:00Z`, 1 `…T10:00:00.123Z`, 2 `…T10:00:00+02:00`, 3 `…T10:00:00.000-05:00`,
    /// 4 `2018-11-07`, 5 `2018-11-07 10:00:00`.
    ///
    /// - Returns: the instant written, in whole seconds since 1970-01-01 UTC (a date alone and a
    ///   date-time without a zone are UTC), so the subscriptions export and the reconciliation
    ///   layout can tell the UTC day the audit will read.
    @discardableResult
    func appendDateTime(day: Int, style: Int, rng: inout SplitMix64, to out: inout [UInt8]) -> Int {
        out.appendISODate(daysSinceEpoch: day)
        if style == 4 { return day * 86_400 }
        // Office hours mostly, so a zone rarely moves the date (as in real exports).
        let second = (7 * 3600) + rng.below(12 * 3600)
        out.append(style == 5 ? 32 : 84)
        out.appendTime(secondOfDay: second)
        var offset = 0
        switch style {
        case 1:
            out.append(46)
            out.appendDecimal(rng.below(1000), width: 3)
            out.append(90)
        case 2, 3:
            if style == 3 { out.appendASCII(".000") }
            let zone = rng.below(Self.zones.count)
            out.appendASCII(Self.zones[zone].text)
            offset = Self.zones[zone].seconds
        case 5:
            break
        default:
            out.append(90)
        }
        return day * 86_400 + second - offset
    }

    private static let zones: [(text: StaticString, seconds: Int)] = [
        ("+01:00", 3600), ("+02:00", 7200), ("-05:00", -18_000), ("-08:00", -28_800), ("+09:00", 32_400),
        ("+05:30", 19_800), ("+00:00", 0),
    ]
}
