#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through a 1 MiB buffer with `write(2)`: the generator appends to `buffer` and
/// calls `flushIfFull()`, so memory stays flat however large the file grows.
final class OutputFile {
    static let bufferCapacity = 1 << 20

    let path: String
    private var fd: Int32
    /// Bytes not yet written; append to it, then call `flushIfFull()`.
    var buffer: [UInt8] = []
    private(set) var bytesWritten = 0

    /// Creates (or truncates) the file.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GenerateError.cannotWrite(path: path, reason: OutputFile.lastError()) }
        buffer.reserveCapacity(OutputFile.bufferCapacity + 64 * 1024)
    }

    deinit { if fd >= 0 { _ = systemClose(fd) } }

    @inline(__always)
    func flushIfFull() throws {
        if buffer.count >= OutputFile.bufferCapacity { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { break }
                let n = write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GenerateError.cannotWrite(path: path, reason: OutputFile.lastError())
                }
                offset += n
            }
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file; a failing close (a full disk on NFS) is an error.
    func close() throws {
        try flush()
        let result = systemClose(fd)
        fd = -1
        if result != 0 { throw GenerateError.cannotWrite(path: path, reason: OutputFile.lastError()) }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

@inline(__always)
private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

/// Creates a directory and its missing parents (like `mkdir -p`).
func makeDirectory(_ path: String) throws {
    var built = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        built += "/" + part
        if mkdir(built, 0o755) != 0 && errno != EEXIST {
            throw GenerateError.cannotWrite(path: built, reason: String(cString: strerror(errno)))
        }
    }
    var st = stat()
    guard stat(path.isEmpty ? "." : path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
        throw GenerateError.cannotWrite(path: path, reason: "not a directory")
    }
}
