import MCAModel

/// The defect checks of one confirmation record (SPEC 3.3 step 3), one function each.
public struct ConfirmationRules: Sendable {
    public let policy: Policy
    /// The run date R: a dateAgreed after it is in the future.
    public let runDate: DayDate
    private let roles: Set<String>
    private let templates: Set<String>?

    public init(policy: Policy, runDate: DayDate) {
        self.policy = policy
        self.runDate = runDate
        roles = Set(policy.authorizedRoles.map(normalizedKey))
        templates = policy.acceptedTemplateIds.map { Set($0.map { $0.lowercased() }) }
    }

    /// Every defect of `record`, in the order of `Defect.allCases`; empty for a valid record.
    public func defects(of record: ConfirmationRecord) -> [Defect] {
        var d: [Defect] = []
        if record.firstName == nil { d.append(.missingFirstName) }
        if record.lastName == nil { d.append(.missingLastName) }
        if let email = record.email {
            if !ConfirmationRules.isValidEmail(email) { d.append(.invalidEmail) }
        } else {
            d.append(.missingEmail)
        }
        if let phone = record.phoneNumber, !ConfirmationRules.isValidPhone(phone) { d.append(.invalidPhone) }
        switch record.dateAgreed {
        case .missing: d.append(.missingDate)
        case .invalid: d.append(.invalidDate)
        case .date(let date):
            if date > runDate { d.append(.futureDate) }
        }
        if let role = record.recordedByRole, !roles.contains(normalizedKey(role)) { d.append(.unauthorizedRole) }
        if let templates, !templates.contains((record.templateId ?? "").lowercased()) { d.append(.templateNotAccepted) }
        if let deadline = policy.acceptedOnOrAfter, let date = record.dateAgreed.date, date < deadline { d.append(.stale) }
        return d
    }

    /// One `@`, a non-empty local part, a domain with a dot, no white space, at most 254 characters.
    public static func isValidEmail(_ email: String) -> Bool {
        guard email.utf8.count <= 254 else { return false }
        // ASCII (nearly every address): one pass over the bytes, no Characters.
        if let ascii = email.utf8.withContiguousStorageIfAvailable(isValidASCIIEmail), let verdict = ascii {
            return verdict
        }
        guard !email.contains(where: \.isWhitespace) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { return false }
        return true
    }

    /// The verdict of `isValidEmail` for an all-ASCII address, `nil` when it holds other bytes.
    private static func isValidASCIIEmail(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        var at = -1, ats = 0, dotAfterAt = false, space = false
        for (i, c) in bytes.enumerated() {
            switch c {
            case 0x80...: return nil
            case 0x40: ats += 1; at = i
            case 0x2E: if ats > 0 { dotAfterAt = true }
            case 0x09...0x0D, 0x20: space = true
            default: break
            }
        }
        return !space && ats == 1 && at > 0 && dotAfterAt
    }

    /// 6 to 20 digits, an optional leading `+`, and spaces, dots, dashes and parentheses.
    public static func isValidPhone(_ phone: String) -> Bool {
        var digits = 0
        for (i, c) in phone.unicodeScalars.enumerated() {
            switch c {
            case "0"..."9": digits += 1
            case " ", ".", "-", "(", ")": continue
            case "+" where i == 0: continue
            default: return false
            }
        }
        return (6...20).contains(digits)
    }
}
