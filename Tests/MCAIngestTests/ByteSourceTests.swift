import Foundation
import MCAIngest
import Testing

@Suite struct FileByteSourceTests {
    @Test func aRegularFileHasASizeAndCountsTheBytesRead() throws {
        let path = NSTemporaryDirectory() + "mca-bytesource-\(UInt64.random(in: 0 ... .max)).csv"
        let text = "\u{FEFF}Customer ID,Company Name\r\n" + (0..<5000).map { "\"C-\($0)\",\"Société \($0), l'Étoile\"\r\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try FileByteSource(path: path)
        #expect(source.size == text.utf8.count)
        #expect(source.bytesRead == 0)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        #expect(try source.read(into: buffer) == 4096)
        #expect(source.bytesRead == 4096)
        while try source.read(into: buffer) > 0 {}
        #expect(source.bytesRead == text.utf8.count)
    }

    @Test func aDeviceHasNoSize() throws {
        let source = try FileByteSource(path: "/dev/null")
        #expect(source.size == nil)
    }
}
