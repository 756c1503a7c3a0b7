import MCAModel
import MCAStorage
import Testing

private func bytes(_ b: GrowingBytes) -> [UInt8] { b.withUnsafeBytes { Array($0) } }

@Suite struct GrowingBytesTests {
    @Test func appendsOfEveryKindGrowTheBufferInOrder() {
        var b = GrowingBytes()
        #expect(b.isEmpty && b.last == nil)
        var expected: [UInt8] = []
        for i in 0..<5000 {
            let text = Array("Société \(i), l'Étoile;".utf8)
            text.withUnsafeBytes { b.append($0) }
            b.append(UInt8(ascii: "|"))
            b.append(contentsOf: [UInt8(i & 0xFF)].reversed())  // not contiguous: byte by byte
            text.withUnsafeBufferPointer { b.append(contentsOf: $0) }
            expected += text + [UInt8(ascii: "|"), UInt8(i & 0xFF)] + text
        }
        #expect(b.count == expected.count)
        #expect(b.capacity >= b.count)
        #expect(bytes(b) == expected)
        #expect(b.last == expected.last)
        b.truncate(to: 9)
        #expect(bytes(b) == Array("Société".utf8))
        b.removeAll()
        #expect(b.isEmpty && bytes(b) == [])
    }

    @Test func aCopyIsIndependentOfTheOriginal() {
        var a = GrowingBytes(capacity: 1024)
        Array("CUST-0001".utf8).withUnsafeBytes { a.append($0) }
        var b = a
        b.append(UInt8(ascii: "!"))
        #expect(bytes(a) == Array("CUST-0001".utf8))
        #expect(bytes(b) == Array("CUST-0001!".utf8))
        // Writing over bytes a copy shares: the copy keeps its own.
        var e = a
        e.truncate(to: 4)
        e.append(UInt8(ascii: "X"))
        #expect(bytes(e) == Array("CUSTX".utf8))
        #expect(bytes(a) == Array("CUST-0001".utf8))
        // Emptying or growing one leaves the other as it was.
        var c = b
        c.removeAll()
        #expect(bytes(b) == Array("CUST-0001!".utf8))
        var d = a
        d.reserveCapacity(1 << 16)
        Array(repeating: UInt8(ascii: "x"), count: 5000).withUnsafeBytes { d.append($0) }
        #expect(bytes(a) == Array("CUST-0001".utf8))
        #expect(d.count == 9 + 5000)
        #expect(c.isEmpty)
    }
}
