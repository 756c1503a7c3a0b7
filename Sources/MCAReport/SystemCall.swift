import MCAModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls the report stage makes, named apart from the methods that wrap them.
enum SystemCall {
    static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(fd)
        #elseif canImport(Musl)
        return Musl.close(fd)
        #else
        return Darwin.close(fd)
        #endif
    }

    /// Flushes a file or folder to disk; a folder's fsync makes the names in it durable.
    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReportWriteError.system("open", path: path) }
        defer { _ = close(fd) }
        while systemFsync(fd) != 0 {
            guard errno == EINTR else {
                // Some file systems cannot fsync a folder; the data is as safe as they allow.
                if errno == EINVAL || errno == ENOTSUP { return }
                throw ReportWriteError.system("fsync", path: path)
            }
        }
    }

    /// Flushes everything of the file system that holds `path` to disk in one call (Linux
    /// `syncfs`): one journal commit instead of one per file. Returns false when the system has
    /// no such call, and the caller syncs file by file.
    static func syncFileSystem(holding path: String) throws -> Bool {
        #if os(Linux)
        guard let syncfs = linuxSyncfs else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReportWriteError.system("open", path: path) }
        defer { _ = close(fd) }
        while syncfs(fd) != 0 {
            guard errno == EINTR else { throw ReportWriteError.system("syncfs", path: path) }
        }
        return true
        #else
        return false
        #endif
    }

    static func rename(_ from: String, _ to: String) throws {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #elseif canImport(Musl)
        let result = Musl.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        guard result == 0 else { throw ReportWriteError.system("rename to '\(to)'", path: from) }
    }

    /// Swaps two existing paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`), so neither
    /// name is ever missing. Returns false when the system or the file system cannot do it, and the
    /// caller falls back to two renames.
    static func exchange(_ a: String, _ b: String) throws -> Bool {
        #if os(Linux)
        guard let renameat2 = linuxRenameat2 else { return false }
        let renameExchange: UInt32 = 1 << 1
        if renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0 { return true }
        let code = errno
        if code == EINVAL || code == ENOSYS || code == ENOTSUP || code == EPERM { return false }
        throw ReportWriteError.system("exchange with '\(b)'", path: a, errno: code)
        #else
        return false
        #endif
    }

    /// Starts writing a file's dirty pages in `range` to disk without waiting for them (Linux
    /// `sync_file_range` with `SYNC_FILE_RANGE_WRITE`), so that the fsync before a report is
    /// published finds little left to write. Only a hint: elsewhere, or when it fails, nothing happens.
    static func startWriteBack(_ fd: Int32, _ range: Range<Int>) {
        #if os(Linux)
        guard let syncFileRange = linuxSyncFileRange else { return }
        let write: UInt32 = 2  // SYNC_FILE_RANGE_WRITE
        _ = syncFileRange(fd, Int64(range.lowerBound), Int64(range.count), write)
        #endif
    }

    #if os(Linux)
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32

    /// glibc has `sync_file_range`, but the Swift Glibc module does not declare it.
    private static let linuxSyncFileRange: SyncFileRange? = {
        guard let symbol = dlsym(nil, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()

    private typealias Syncfs = @convention(c) (Int32) -> Int32

    /// glibc has `syncfs` since 2.14, but the Swift Glibc module does not declare it.
    private static let linuxSyncfs: Syncfs? = {
        guard let symbol = dlsym(nil, "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: Syncfs.self)
    }()

    private typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// glibc has `renameat2` since 2.28, but the Swift Glibc module does not declare it.
    private static let linuxRenameat2: Renameat2? = {
        guard let symbol = dlsym(nil, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: Renameat2.self)
    }()
    #endif

    /// Creates one folder with exactly `mode` (not narrowed by the umask).
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        guard mkdir(path, mode) == 0 else { throw ReportWriteError.system("mkdir", path: path) }
        guard chmod(path, mode) == 0 else { throw ReportWriteError.system("chmod", path: path) }
    }

    static func symlink(target: String, at path: String) throws {
        #if canImport(Glibc)
        let result = Glibc.symlink(target, path)
        #elseif canImport(Musl)
        let result = Musl.symlink(target, path)
        #else
        let result = Darwin.symlink(target, path)
        #endif
        guard result == 0 else { throw ReportWriteError.system("symlink", path: path) }
    }

    enum Kind { case missing, directory, symlink, file, other }

    /// What is at `path`, without following a final symlink.
    static func kind(of path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFREG: return .file
        default: return .other
        }
    }

    private static func systemFsync(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.fsync(fd)
        #elseif canImport(Musl)
        return Musl.fsync(fd)
        #else
        return Darwin.fsync(fd)
        #endif
    }
}
