import MCAModel

/// The defect checks of one confirmation record (README, "Statuses": record defects), one function each. Records are
/// checked as bytes (`ConfirmationView`): a million agreement rows make no String here.
public struct ConfirmationRules: Sendable {
    public let policy: Policy
    /// The run date R: a dateAgreed after it is in the future.
    public let runDate: DayDate
    /// The authorised roles' normalised keys (a handful: compared one by one, without making a String per record).
    private let roles: [String]
    private let templates: Set<String>?

    public init(policy: Policy, runDate: DayDate) {
        self.policy = policy
        self.runDate = runDate
        roles = Array(Set(policy.authorizedRoles.map(normalizedKey))).sorted()
        templates = policy.acceptedTemplateIds.map { Set($0.map { $0.lowercased() }) }
    }

    /// Every defect of `record`, in the order of `Defect.allCases`; empty for a valid record.
    public func defects(of record: ConfirmationRecord) -> [Defect] {
        var text = PackedText()
        let packed = PackedConfirmation(record, into: &text)
        return text.bytes.withUnsafeBytes { defects(of: ConfirmationView(row: packed, text: $0)) }.list
    }

    /// Every defect of a packed record.
    func defects(of view: ConfirmationView) -> DefectBits {
        let r = view.row
        var d = DefectBits()
        if r.firstName.isAbsent { d.insert(.missingFirstName) }
        if r.lastName.isAbsent { d.insert(.missingLastName) }
        if r.email.isAbsent {
            d.insert(.missingEmail)
        } else if !ConfirmationRules.isValidEmail(bytes: view.bytes(r.email)) {
            d.insert(.invalidEmail)
        }
        if !r.phoneNumber.isAbsent, !ConfirmationRules.isValidPhone(bytes: view.bytes(r.phoneNumber)) { d.insert(.invalidPhone) }
        if let date = r.date {
            if date > runDate { d.insert(.futureDate) }
        } else {
            d.insert(r.unreadableDate.isAbsent ? .missingDate : .invalidDate)
        }
        if !r.recordedByRole.isAbsent, !roles.contains(where: { hasNormalizedKey(view.bytes(r.recordedByRole), $0) }) {
            d.insert(.unauthorizedRole)
        }
        if let templates {
            let id = String(decoding: view.bytes(r.templateId).bindMemory(to: UInt8.self), as: UTF8.self)
            if !templates.contains(id.lowercased()) { d.insert(.templateNotAccepted) }
        }
        if let deadline = policy.acceptedOnOrAfter, let date = r.date, date < deadline { d.insert(.stale) }
        return d
    }

    /// One `@`, a non-empty local part, a domain with a dot, no white space, at most 254 characters.
    public static func isValidEmail(_ email: String) -> Bool {
        var email = email
        return email.withUTF8 { isValidEmail(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// `isValidEmail` of UTF-8 bytes.
    static func isValidEmail(bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= 254 else { return false }
        // ASCII (nearly every address): one pass over the bytes, no Characters.
        if let verdict = isValidASCIIEmail(bytes) { return verdict }
        let email = String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
        guard !email.contains(where: \.isWhitespace) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { return false }
        return true
    }

    /// The verdict of `isValidEmail` for an all-ASCII address, `nil` when it holds other bytes.
    private static func isValidASCIIEmail(_ bytes: UnsafeRawBufferPointer) -> Bool? {
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
        var phone = phone
        return phone.withUTF8 { isValidPhone(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// `isValidPhone` of UTF-8 bytes: every allowed character is ASCII, so any other byte fails it.
    static func isValidPhone(bytes: UnsafeRawBufferPointer) -> Bool {
        var digits = 0
        for (i, c) in bytes.enumerated() {
            switch c {
            case 0x30...0x39: digits += 1
            case 0x20, 0x2E, 0x2D, 0x28, 0x29: continue
            case 0x2B where i == 0: continue
            default: return false
            }
        }
        return (6...20).contains(digits)
    }
}
