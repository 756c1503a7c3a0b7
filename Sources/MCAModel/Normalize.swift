/// The one normalisation used for header names, element names, JSON keys and enumerated
/// values (SPEC 2.1, 2.2): lower-case ASCII letters and digits only, every other character dropped.
///
/// Non-ASCII letters are dropped too: no alias or enumerated value contains one.
public func normalizedKey(_ text: some StringProtocol) -> String {
    var out = [UInt8]()
    out.reserveCapacity(text.utf8.count)
    for c in text.utf8 {
        switch c {
        case 0x30...0x39, 0x61...0x7A: out.append(c)
        case 0x41...0x5A: out.append(c | 0x20)
        default: continue
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Trims ASCII and Unicode white space from both ends.
public func trimmed(_ text: String) -> String {
    var s = Substring(text)
    while let f = s.first, f.isWhitespace { s.removeFirst() }
    while let l = s.last, l.isWhitespace { s.removeLast() }
    return s.count == text.count ? text : String(s)
}
