#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MCAModel

/// Where a reader's bytes come from, one chunk at a time.
public protocol ByteSource: AnyObject {
    /// Fills `buffer` from the start with up to `buffer.count` bytes; returns how many, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// An error opening or reading an input file (exit 66).
public struct FileReadError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A file read with `read(2)`; every chunk read is also handed to `observer` (the SHA-256 of the input).
public final class FileByteSource: ByteSource {
    private let fd: Int32
    public let path: String
    private let observer: ((UnsafeRawBufferPointer) -> Void)?
    /// The file's size when it is a regular file (a pipe has none).
    public let size: Int?
    /// Bytes read so far.
    public private(set) var bytesRead = 0

    public init(path: String, observer: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError(path: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw FileReadError(path: path, reason: "is a directory")
        }
        self.fd = fd
        self.path = path
        self.observer = observer
        self.size = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc_read(fd, base, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadError(path: path, reason: String(cString: strerror(errno)))
            }
            bytesRead += n
            if n > 0, let observer { observer(UnsafeRawBufferPointer(start: base, count: n)) }
            return n
        }
    }
}

@inline(__always)
private func Glibc_read(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buf, count)
    #else
    return Darwin.read(fd, buf, count)
    #endif
}

/// Bytes in memory, handed out in chunks of at most `chunkSize` (tests use small chunks to
/// exercise records that straddle chunk boundaries).
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunkSize: Int

    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 20) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public convenience init(_ text: String, chunkSize: Int = 1 << 20) {
        self.init(Array(text.utf8), chunkSize: chunkSize)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, chunkSize, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + n)]))
        }
        offset += n
        return n
    }
}
