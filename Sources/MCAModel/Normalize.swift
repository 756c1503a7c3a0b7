/// The one normalisation used for header names, element names, JSON keys and enumerated
/// values (docs/inputs.md): lower-case ASCII letters and digits only, every other character dropped.
///
/// Non-ASCII letters are dropped too: no alias or enumerated value contains one.
public func normalizedKey(_ text: String) -> String {
    var text = text
    return text.withUTF8 { normalizedKey(bytes: UnsafeRawBufferPointer($0)) }
}

/// `normalizedKey` of a substring.
public func normalizedKey(_ text: Substring) -> String { normalizedKey(String(text)) }

/// `normalizedKey` of UTF-8 bytes.
public func normalizedKey(bytes: UnsafeRawBufferPointer) -> String {
    // Most keys are short: normalise on the stack, then make one (usually small, inline) String.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(bytes.count, 1)) { out in
        var n = 0
        for c in bytes {
            if let k = keyByte(c) {
                out[n] = k
                n += 1
            }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: out[0..<n]), as: UTF8.self)
    }
}

/// Whether `normalizedKey(bytes:)` of `bytes` is `key` (a normalised key), without making a String.
public func hasNormalizedKey(_ bytes: UnsafeRawBufferPointer, _ key: String) -> Bool {
    // The key's bytes in place (a String's UTF-8 iterator costs tens of instructions a byte).
    var key = key
    return key.withUTF8 { expected in
        var j = 0
        for c in bytes {
            guard let k = keyByte(c) else { continue }
            guard j < expected.count, expected[j] == k else { return false }
            j += 1
        }
        return j == expected.count
    }
}

/// What a byte is in a normalised key: ASCII letters lower-cased, digits kept, anything else dropped.
@inline(__always) private func keyByte(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39, 0x61...0x7A: c
    case 0x41...0x5A: c | 0x20
    default: nil
    }
}

/// Trims white space from both ends: ASCII white space and the Unicode spaces exports carry
/// (no-break space, the U+2000 block, ideographic space, a stray BOM).
public func trimmed(_ text: String) -> String {
    var copy = text
    let plain = copy.withUTF8 { u -> Bool in
        guard let first = u.first, let last = u.last else { return true }
        return first > 0x20 && first < 0x80 && last > 0x20 && last < 0x80
    }
    // Fast path: nothing to trim (the common case).
    if plain { return text }
    var s = Substring(text)
    while let f = s.unicodeScalars.first, isTrimmable(f) { s.unicodeScalars.removeFirst() }
    while let l = s.unicodeScalars.last, isTrimmable(l) { s.unicodeScalars.removeLast() }
    return String(s)
}

@inline(__always) private func isTrimmable(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
    default: return false
    }
}
