import MCAModel
/// Masks contact e-mails and phone numbers (`--redact`), the same way in every report file.
///
/// `jane.doe@contoso.com` → `j***@contoso.com`; a value in the e-mail field that is not an
/// address → `***`; a phone number → `***` and its last two digits (`***45`), or only `***`
/// when it has fewer than five digits (two digits would then be most of it).
struct Redactor: Sendable {
    let enabled: Bool

    static let mask = "***"

    func email(_ value: String?) -> String? {
        guard enabled, let value, !value.isEmpty else { return value }
        guard let at = value.lastIndex(of: "@"), at > value.startIndex,
              value.index(after: at) < value.endIndex,
              let first = value.unicodeScalars.first
        else { return Redactor.mask }
        return String(first) + Redactor.mask + value[at...]
    }

    func phone(_ value: String?) -> String? {
        guard enabled, let value, !value.isEmpty else { return value }
        let digits = value.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard digits.count >= 5 else { return Redactor.mask }
        return Redactor.mask + String(decoding: digits.suffix(2), as: UTF8.self)
    }

    /// Masks every e-mail-looking token in free text (data-quality messages quote raw values).
    func scrub(_ text: String) -> String {
        guard enabled, text.utf8.contains(UInt8(ascii: "@")) else { return text }
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "@") else {
                index += 1
                continue
            }
            var start = index
            while start > copied, Redactor.isLocalByte(bytes[start - 1]) { start -= 1 }
            var end = index + 1
            while end < bytes.count, Redactor.isDomainByte(bytes[end]) { end += 1 }
            // A sentence may end right after the address.
            while end > index + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            guard start < index, end > index + 1 else {
                index += 1
                continue
            }
            out.append(contentsOf: bytes[copied..<start])
            // Keep the whole first scalar of the local part (it may be several UTF-8 bytes).
            var firstEnd = start + 1
            while firstEnd < index, bytes[firstEnd] & 0xC0 == 0x80 { firstEnd += 1 }
            out.append(contentsOf: bytes[start..<firstEnd])
            out.append(contentsOf: Redactor.mask.utf8)
            out.append(contentsOf: bytes[index..<end])
            copied = end
            index = end
        }
        out.append(contentsOf: bytes[copied...])
        return String(decoding: out, as: UTF8.self)
    }

    private static func isLocalByte(_ b: UInt8) -> Bool {
        if b >= 0x80 { return true }
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            // RFC 5322 atext minus the apostrophe, which messages use as a quote.
            switch UnicodeScalar(b) {
            case "!", "#", "$", "%", "&", "*", "+", "-", "/", "=", "?", "^", "_", "`", "{", "|", "}", "~", ".": return true
            default: return false
            }
        }
    }

    private static func isDomainByte(_ b: UInt8) -> Bool {
        if b >= 0x80 { return true }
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
