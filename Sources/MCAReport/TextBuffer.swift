import MCAModel
import MCAStorage

/// Bytes of a report being assembled; the encoders of each format append to it row by row.
///
/// Everything is appended as UTF-8 bytes straight into one buffer, so writing a row allocates
/// nothing beyond the values themselves.
struct TextBuffer {
    var bytes = GrowingBytes()

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    init(capacity: Int = 0) { bytes = GrowingBytes(capacity: capacity) }

    mutating func append(_ text: String) {
        withUTF8Bytes(text) { bytes.append(contentsOf: $0) }
    }

    mutating func append(byte: UInt8) { bytes.append(byte) }

    /// Decimal, without grouping.
    mutating func append(_ number: Int) {
        if number < 0 {
            bytes.append(UInt8(ascii: "-"))
            // Int.min has no positive counterpart; its magnitude still fits in UInt.
            appendDigits(UInt(bitPattern: 0 &- number))
        } else {
            appendDigits(UInt(number))
        }
    }

    /// `YYYY-MM-DD`.
    mutating func append(_ date: DayDate) {
        let (year, month, day) = date.components
        appendPadded(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2)
    }

    var text: String { bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    private mutating func appendPadded(_ value: Int, width: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        if digits < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits)) }
        append(value)
    }

    private mutating func appendDigits(_ value: UInt) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // At most 20 digits: fill a 24-byte scratch from the right, then copy it once.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            var position = raw.count
            var rest = value
            while rest > 0 {
                position -= 1
                raw[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: raw[position...])
        }
    }
}

/// The UTF-8 bytes of a string, read in place for a native string (every string on Linux).
@inline(__always)
func withUTF8Bytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
}

/// The bytes an encoder has to look at (quotes, control characters, …), as a 256-entry table,
/// so text without any of them is scanned with one load per byte and copied in one go.
struct ByteSet: Sendable {
    private let members: [Bool]

    init(_ isMember: (UInt8) -> Bool) {
        members = (0...255).map { isMember(UInt8($0)) }
    }

    /// The index of the first member at or after `start`, or `bytes.count` when there is none.
    @inline(__always)
    func firstIndex(in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int {
        members.withUnsafeBufferPointer { members in
            var index = start
            while index < bytes.count, !members[Int(bytes[index])] { index += 1 }
            return index
        }
    }
}
