import MCAModel
import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one writer every report file goes through: a new file (never an existing one), mode 0640
/// whatever the umask, written through a 64 KiB buffer and hashed as it is written, so the
/// manifest's SHA-256 needs no second read.
final class ReportFile {
    /// Flush once the buffer holds this much; a row may overshoot it, which is harmless.
    static let bufferSize = 64 * 1024
    /// Every this many bytes written, the disk writes of what is written so far are started
    /// (`SystemCall.startWriteBack`), so they overlap the writing of this and the other files
    /// rather than all waiting for the fsync before the report is published.
    static let writeBackStep = 8 * 1024 * 1024

    let name: String
    let path: String
    private var descriptor: Int32
    private var buffer = TextBuffer(capacity: ReportFile.bufferSize + 4096)
    private var hasher = SHA256()
    /// Bytes written so far, and how many of them have had their disk writes started.
    private var written = 0
    private var writeBackStarted = 0

    /// Creates `directory/name`; fails if it already exists.
    init(directory: String, name: String) throws {
        self.name = name
        path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o640))
        guard descriptor >= 0 else { throw ReportWriteError.system("open", path: path) }
        // The umask may have narrowed (or a default ACL widened) the mode given to open.
        guard fchmod(descriptor, mode_t(0o640)) == 0 else {
            let error = ReportWriteError.system("fchmod", path: path)
            _ = SystemCall.close(descriptor)
            descriptor = -1
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { _ = SystemCall.close(descriptor) }
    }

    /// Appends one row (or any small piece) through `body`, flushing when the buffer is full.
    func append(_ body: (inout TextBuffer) -> Void) throws {
        body(&buffer)
        if buffer.bytes.count >= ReportFile.bufferSize { try flush() }
    }

    /// Appends fixed text.
    func append(_ text: String) throws {
        try append { $0.append(text) }
    }

    /// Writes what is buffered, closes the file and returns the lower-case hex SHA-256 of everything written.
    func close() throws -> String {
        try flush()
        startWriteBack()
        let fd = descriptor
        descriptor = -1
        guard SystemCall.close(fd) == 0 else { throw ReportWriteError.system("close", path: path) }
        return Self.hex(hasher.finalize())
    }

    private func flush() throws {
        guard !buffer.bytes.isEmpty else { return }
        guard descriptor >= 0 else { throw ReportWriteError(path: path, reason: "file already closed") }
        try buffer.bytes.withUnsafeBytes { raw in
            hasher.update(bufferPointer: raw)
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ReportWriteError.system("write", path: path)
                }
                offset += written
            }
            written += raw.count
        }
        buffer.bytes.removeAll()
        if written - writeBackStarted >= ReportFile.writeBackStep { startWriteBack() }
    }

    private func startWriteBack() {
        // An empty range would mean "to the end of the file" to the system call.
        guard written > writeBackStarted else { return }
        SystemCall.startWriteBack(descriptor, writeBackStarted..<written)
        writeBackStarted = written
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = TextBuffer.hexDigits
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
