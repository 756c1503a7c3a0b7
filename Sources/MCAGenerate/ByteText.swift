import MCAModel
// Appending text to byte buffers without building a `String` per value: the generator writes
// hundreds of millions of fields, and interpolation would cost more than everything else.

private let lowerHex: [UInt8] = Array("0123456789abcdef".utf8)
private let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)
private let guidTemplate: [UInt8] = Array("00000000-0000-0000-0000-000000000000".utf8)

extension Array where Element == UInt8 {
    /// Appends `value` as a quoted CSV field (RFC 4180: quotes inside are doubled).
    mutating func appendQuotedCSV(_ value: some Sequence<UInt8>) {
        append(34)
        for b in value {
            append(b)
            if b == 34 { append(34) }
        }
        append(34)
    }

    @inline(__always)
    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// A non-negative integer below 10^18 in decimal, at least `width` digits (zero-padded).
    mutating func appendDecimal(_ value: Int, width: Int = 1) {
        // Fast paths for the commonest cases: date and time parts, line numbers.
        if value >= 0 && value < 100 && width <= 2 {
            if value >= 10 || width == 2 { append(UInt8(48 + value / 10)) }
            append(UInt8(48 + value % 10))
            return
        }
        let v = Swift.max(0, value)
        var digits = 1
        var power = 1
        while digits < 18 && power * 10 <= v {
            power *= 10
            digits += 1
        }
        var pad = width - digits
        while pad > 0 {
            append(48)
            pad -= 1
        }
        var rest = v
        while power > 0 {
            append(UInt8(48 + rest / power % 10))
            rest %= power
            power /= 10
        }
    }

    /// The low `digits` nibbles of `value`, most significant first.
    mutating func appendHex(_ value: UInt64, digits: Int, uppercase: Bool) {
        let table = uppercase ? upperHex : lowerHex
        var shift = (digits - 1) * 4
        while shift >= 0 {
            append(table[Int((value >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    /// A GUID (`8-4-4-4-12` hex digits) from 128 bits, shaped as a version-4 GUID like tenant ids.
    mutating func appendGUID(high: UInt64, low: UInt64, uppercase: Bool) {
        let h = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000
        let l = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        // Digits 10…15 start at 'A' or 'a'.
        let letters: UInt8 = uppercase ? 55 : 87
        let start = count
        append(contentsOf: guidTemplate)
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let out = base + start
            // Positions of the 32 digits in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, most significant first.
            var value = h
            var p = 0
            for i in 0..<32 {
                if i == 16 { value = l }
                if p == 8 || p == 13 || p == 18 || p == 23 { p += 1 }
                let n = UInt8(truncatingIfNeeded: value >> 60)
                out[p] = n < 10 ? 48 + n : letters + n
                value <<= 4
                p += 1
            }
        }
    }

    /// `YYYY-MM-DD` of a day count since 1970-01-01.
    mutating func appendISODate(daysSinceEpoch days: Int) {
        let (y, m, d) = civilDate(days)
        appendDecimal(y, width: 4)
        append(45)
        appendDecimal(m, width: 2)
        append(45)
        appendDecimal(d, width: 2)
    }

    /// `HH:MM:SS` of a second of the day.
    mutating func appendTime(secondOfDay s: Int) {
        appendDecimal(s / 3600, width: 2)
        append(58)
        appendDecimal(s / 60 % 60, width: 2)
        append(58)
        appendDecimal(s % 60, width: 2)
    }
}

// The calendar arithmetic is DayDate's (MCAModel): one implementation for the whole project.

/// (year, month, day) of a day count since 1970-01-01.
func civilDate(_ days: Int) -> (Int, Int, Int) {
    let c = DayDate(daysSinceEpoch: days).components
    return (c.year, c.month, c.day)
}

/// Days since 1970-01-01 of a calendar date (the generator only builds valid ones).
func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
    DayDate(year: year, month: month, day: day)?.daysSinceEpoch ?? 0
}
