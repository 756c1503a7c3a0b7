/// The two orders of texts held as UTF-8 bytes that the reports use, each written once.
public enum TextOrder {
    /// How `a` sorts against `b` as Swift Strings do (negative: before, 0: the same text, positive:
    /// after), without making a String for ASCII texts, whose String order is their byte order.
    /// Beyond ASCII that is not so, and different bytes can be the same text (é composed, or e and
    /// a combining accent): those are compared as Strings. Order ids are ordered this way.
    public static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        if a.allSatisfy({ $0 < 0x80 }), b.allSatisfy({ $0 < 0x80 }) {
            for i in 0..<min(a.count, b.count) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            return a.count - b.count
        }
        let x = String(decoding: a.bindMemory(to: UInt8.self), as: UTF8.self)
        let y = String(decoding: b.bindMemory(to: UInt8.self), as: UTF8.self)
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    /// Whether `x` comes before `y` with A–Z folded to a–z, byte by byte, a prefix first: the
    /// order of customer ids (and of subscription ids within a customer), which is the order of
    /// the keys a `KeyTable` that ignores case holds.
    @inlinable
    public static func foldedBefore(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let n = min(x.count, y.count)
        var i = 0
        // Eight bytes at a time.
        while i + 8 <= n {
            let a = UInt64(bigEndian: foldedWord(x.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            let b = UInt64(bigEndian: foldedWord(y.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if a != b { return a < b }
            i += 8
        }
        while i < n {
            let a = lowercasedASCII(x[i]), b = lowercasedASCII(y[i])
            if a != b { return a < b }
            i += 1
        }
        return x.count < y.count
    }

    /// The first eight bytes of `bytes` folded, the first one highest (zeros past its end): of two
    /// texts, the one with the lower prefix comes first in `foldedBefore`'s order.
    @inlinable
    public static func foldedPrefix(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var prefix: UInt64 = 0
        for k in 0..<8 { prefix = prefix << 8 | UInt64(k < bytes.count ? lowercasedASCII(bytes[k]) : 0) }
        return prefix
    }

    /// Eight bytes with A–Z folded to a–z at once; other bytes, UTF-8 ones included, unchanged.
    @inlinable @inline(__always)
    public static func foldedWord(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7 = w & (0x7F * ones)
        // High bit set in each byte of low7 that is >= 'A' and not >= '['; no carries, as low7 < 0x80.
        let atLeastA = low7 &+ (0x80 - 0x41) &* ones
        let pastZ = low7 &+ (0x80 - 0x5B) &* ones
        let upper = atLeastA & ~pastZ & ~w & (0x80 * ones)
        return w | (upper >> 2)
    }

    /// `c` with A–Z folded to a–z.
    @inlinable @inline(__always)
    public static func lowercasedASCII(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
}
