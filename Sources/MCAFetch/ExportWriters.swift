#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The four exports a fetch writes (docs/fetch.md, "Output").
enum ExportKind: String, CaseIterable, Sendable, Codable {
    case customers, agreements, subscriptions, orders

    var fileName: String { rawValue + ".json" }
}

/// One export being written as its items arrive: `{"totalCount": n, "items": [ ... ]}`, the Partner
/// Center collection shape the audit reads. The count is not known until the end, so its place is
/// reserved with spaces at the start and filled in by `finish()`.
final class CollectionWriter {
    let path: String
    private let fd: Int32
    private(set) var count: Int
    private(set) var size: Int

    private static let countWidth = 20
    private static let head = "{\"totalCount\":" + String(repeating: " ", count: countWidth) + ", \"items\": ["

    /// A new, empty export, or (with `resume`) one cut back to what the last finished customer left.
    init(path: String, resume: (size: Int, count: Int)? = nil) throws {
        self.path = path
        if let resume {
            try FileOutput.truncate(path, to: resume.size)
            fd = try FileOutput.openForAppend(path)
            count = resume.count
            size = resume.size
        } else {
            try FileOutput.writeFile(path, Data())
            fd = try FileOutput.openForAppend(path)
            count = 0
            size = 0
            try write(Array(Self.head.utf8))
        }
    }

    deinit { close(fd) }

    /// Appends one item's bytes as they are.
    func append(item: UnsafeRawBufferPointer) throws {
        try write(count == 0 ? [0x0A] : [0x2C, 0x0A])
        try FileOutput.writeAll(fd, item, path: path)
        size += item.count
        count += 1
    }

    /// Appends the items a customer's staging file holds, then removes that file.
    func append(staged: StagingFile) throws {
        guard staged.count > 0 else { return }
        try write(count == 0 ? [0x0A] : [0x2C, 0x0A])
        let input = open(staged.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FetchFailure(.cannotWrite, "\(staged.path): cannot read: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FetchFailure(.cannotWrite, "\(staged.path): cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try FileOutput.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n]), path: path) }
            size += n
        }
        count += staged.count
    }

    /// Closes the array and writes the count into its reserved place.
    func finish() throws {
        try write(Array("\n]}\n".utf8))
        let number = Array(String(count).utf8)
        let offset = "{\"totalCount\":".utf8.count + Self.countWidth - number.count
        // The append descriptor cannot write in place (Linux ignores pwrite's offset with O_APPEND).
        let inPlace = open(path, O_WRONLY | O_CLOEXEC)
        defer { if inPlace >= 0 { close(inPlace) } }
        let written = inPlace < 0 ? -1 : number.withUnsafeBytes { pwrite(inPlace, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == number.count else {
            throw FetchFailure(.cannotWrite, "\(path): cannot write the item count: \(String(cString: strerror(errno)))")
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try FileOutput.writeAll(fd, $0, path: path) }
        size += bytes.count
    }
}

/// One customer's items of one kind, written to disk as its pages arrive and appended to the export
/// once every customer before it is done, so the exports keep the customers' order whatever the
/// order in which their answers came.
final class StagingFile: @unchecked Sendable {
    // Used by one customer's task at a time, then handed to the committer: never shared at once.
    let path: String
    private var fd: Int32 = -1
    private(set) var count = 0

    init(path: String) {
        self.path = path
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Writes one item, with `"customerId"` put first when `customerId` is given and the item lacks one.
    func append(item bytes: UnsafeRawBufferPointer, customerId: String?) throws {
        if fd < 0 { fd = try FileOutput.openForAppend(path) }
        if count > 0 { try [UInt8](",\n".utf8).withUnsafeBytes { try FileOutput.writeAll(fd, $0, path: path) } }
        if let customerId, bytes.first == UInt8(ascii: "{"),
           !JSONSpans.objectHasMember("customerId", in: bytes, range: 0..<bytes.count) {
            let inner = UnsafeRawBufferPointer(rebasing: bytes[1...])
            let empty = inner.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == UInt8(ascii: "}") }
            let head = "{\"customerId\":" + JSONText.quoted(customerId) + (empty ? "" : ",")
            try [UInt8](head.utf8).withUnsafeBytes { try FileOutput.writeAll(fd, $0, path: path) }
            try FileOutput.writeAll(fd, empty ? UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - 1)...]) : inner, path: path)
        } else {
            try FileOutput.writeAll(fd, bytes, path: path)
        }
        count += 1
    }

    /// Closes the file and removes it.
    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(path)
    }
}

/// `fetch-failures.csv`: `customerId,request,status,correlationId,message`, one row per failed request.
final class FailureLog {
    let path: String
    private let fd: Int32
    private(set) var size: Int
    static let header = "customerId,request,status,correlationId,message\r\n"

    init(path: String, resumeSize: Int? = nil) throws {
        self.path = path
        if let resumeSize {
            try FileOutput.truncate(path, to: resumeSize)
            fd = try FileOutput.openForAppend(path)
            size = resumeSize
        } else {
            try FileOutput.writeFile(path, Data(Self.header.utf8))
            fd = try FileOutput.openForAppend(path)
            size = Self.header.utf8.count
        }
    }

    deinit { close(fd) }

    func append(customerId: String, failure: RequestFailure, correlationId: String) throws {
        let fields = [customerId, failure.request, failure.status.map(String.init) ?? "", correlationId, failure.message]
        let row = Array((fields.map(Self.cell).joined(separator: ",") + "\r\n").utf8)
        try row.withUnsafeBytes { try FileOutput.writeAll(fd, $0, path: path) }
        size += row.count
    }

    /// RFC 4180 quoting, and a leading `'` for a cell a spreadsheet would run as a formula.
    static func cell(_ value: String) -> String {
        var v = value
        if let first = v.first, "=+-@\t\r".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

enum JSONText {
    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
