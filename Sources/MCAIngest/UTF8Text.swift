/// UTF-8 checks and String making for the readers' hot paths, without the generic
/// (unspecialised, metadata-heavy) standard-library entry points.
enum UTF8Text {
    /// A String of `bytes` if they are valid UTF-8, else `nil` (the row is rejected, not repaired).
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// Whether `bytes` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        // ASCII fast path, 8 bytes at a time.
        while i + 8 <= n {
            if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        let p = base.assumingMemoryBound(to: UInt8.self)
        while i < n {
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            let len: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: len = 2
            case 0xE0: len = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: len = 3
            case 0xED: len = 3; hi = 0x9F
            case 0xF0: len = 4; lo = 0x90
            case 0xF1...0xF3: len = 4
            case 0xF4: len = 4; hi = 0x8F
            default: return false
            }
            guard i + len <= n, p[i + 1] >= lo, p[i + 1] <= hi else { return false }
            for k in 2..<len where p[i + k] & 0xC0 != 0x80 { return false }
            i += len
        }
        return true
    }
}
