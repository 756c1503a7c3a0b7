#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The few file operations of the fetch: files 0640 and folders 0750 whatever the umask
/// (docs/fetch.md, "Output"), writes that finish or throw.
enum FileOutput {
    static let fileMode: mode_t = 0o640
    static let folderMode: mode_t = 0o750

    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) throws {
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let n = write(fd, base + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FetchFailure(.cannotWrite, "\(path): cannot write: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    static func makeFolder(_ path: String) throws {
        guard mkdir(path, folderMode) == 0 || errno == EEXIST else {
            throw FetchFailure(.cannotWrite, "\(path): cannot create the folder: \(String(cString: strerror(errno)))")
        }
        guard chmod(path, folderMode) == 0 else {
            throw FetchFailure(.cannotWrite, "\(path): cannot set the folder's mode: \(String(cString: strerror(errno)))")
        }
    }

    /// Opens `path` for appending, creating it (0640) if needed.
    static func openForAppend(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw FetchFailure(.cannotWrite, "\(path): cannot open: \(String(cString: strerror(errno)))") }
        guard fchmod(fd, fileMode) == 0 else {
            close(fd)
            throw FetchFailure(.cannotWrite, "\(path): cannot set the file's mode: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Writes a whole small file (0640), replacing it.
    static func writeFile(_ path: String, _ data: Data) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw FetchFailure(.cannotWrite, "\(path): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchmod(fd, fileMode) == 0 else { throw FetchFailure(.cannotWrite, "\(path): cannot set the file's mode") }
        try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Cuts `path` back to `length` bytes (what the last finished customer left).
    static func truncate(_ path: String, to length: Int) throws {
        guard Glibc.truncate(path, off_t(length)) == 0 else {
            throw FetchFailure(.cannotWrite, "\(path): cannot cut back to \(length) bytes: \(String(cString: strerror(errno)))")
        }
    }

    static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }
}
