/// Finds where values lie in the bytes of a JSON document that is already known to be valid, so that
/// items can be copied into the exports exactly as the API sent them (docs/fetch.md, "Output").
/// It never builds values: it only skips over them.
enum JSONSpans {
    /// The byte ranges of the elements of the array under the top-level key `key`, or `nil` when
    /// the document is not an object with such an array.
    static func arrayElements(ofTopLevelKey key: String, in bytes: UnsafeRawBufferPointer) -> [Range<Int>]? {
        var scanner = Scanner(bytes: bytes, position: 0)
        scanner.skipSpace()
        guard let valueStart = scanner.findMember(key, inObjectAt: scanner.position) else { return nil }
        scanner.position = valueStart
        guard scanner.peek == UInt8(ascii: "[") else { return nil }
        scanner.position += 1
        var ranges: [Range<Int>] = []
        scanner.skipSpace()
        if scanner.peek == UInt8(ascii: "]") { return ranges }
        while scanner.position < bytes.count {
            scanner.skipSpace()
            let start = scanner.position
            guard scanner.skipValue() else { return nil }
            ranges.append(start..<scanner.position)
            scanner.skipSpace()
            guard let c = scanner.peek else { return nil }
            scanner.position += 1
            if c == UInt8(ascii: "]") { return ranges }
            guard c == UInt8(ascii: ",") else { return nil }
        }
        return nil
    }

    /// Whether the object at `range` has the member `key` at its own level.
    static func objectHasMember(_ key: String, in bytes: UnsafeRawBufferPointer, range: Range<Int>) -> Bool {
        let scanner = Scanner(bytes: bytes, position: range.lowerBound)
        return scanner.findMember(key, inObjectAt: range.lowerBound) != nil
    }

    struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var position: Int

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                case 0xEF where position == 0 && bytes.count >= 3 && bytes[1] == 0xBB && bytes[2] == 0xBF: position += 3
                default: return
                }
            }
        }

        /// The position of the value of member `key` of the object starting at `start`.
        func findMember(_ key: String, inObjectAt start: Int) -> Int? {
            var s = Scanner(bytes: bytes, position: start)
            guard s.peek == UInt8(ascii: "{") else { return nil }
            s.position += 1
            let wanted = Array(key.utf8)
            while true {
                s.skipSpace()
                guard let c = s.peek else { return nil }
                if c == UInt8(ascii: "}") { return nil }
                if c == UInt8(ascii: ",") { s.position += 1; continue }
                guard c == UInt8(ascii: "\"") else { return nil }
                let nameStart = s.position + 1
                guard s.skipString() else { return nil }
                let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<(s.position - 1)])
                s.skipSpace()
                guard s.peek == UInt8(ascii: ":") else { return nil }
                s.position += 1
                s.skipSpace()
                if name.elementsEqual(wanted) { return s.position }
                guard s.skipValue() else { return nil }
            }
        }

        /// Moves past the string that starts at `position` (its opening quote).
        mutating func skipString() -> Bool {
            position += 1
            while position < bytes.count {
                let c = bytes[position]
                position += 1
                if c == UInt8(ascii: "\\") { position += 1 } else if c == UInt8(ascii: "\"") { return true }
            }
            return false
        }

        /// Moves past one value of any kind.
        mutating func skipValue() -> Bool {
            guard let c = peek else { return false }
            switch c {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while position < bytes.count {
                    let b = bytes[position]
                    if b == UInt8(ascii: "\"") {
                        guard skipString() else { return false }
                        continue
                    }
                    position += 1
                    if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                        depth += 1
                    } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { return true }
                    }
                }
                return false
            default:
                let start = position
                while position < bytes.count {
                    switch bytes[position] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                        return position > start
                    default: position += 1
                    }
                }
                return position > start
            }
        }
    }
}
