#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An exclusive lock on an output folder (`DIR/.lock`, flock(2)), so two runs never write the
/// same folder at once. The kernel drops the lock when its holder dies, so a crashed run never
/// leaves a stale lock behind.
public final class RunLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `AuditFailure(.locked)` at once when another run holds it.
    public init(outDir: URL) throws {
        path = outDir.appendingPathComponent(".lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw AuditFailure(.cannotWrite, "\(path): cannot create the lock file: \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            close(fd)
            throw busy
                ? AuditFailure(.locked, "\(outDir.path) is locked by another mca-audit run; try again later")
                : AuditFailure(.cannotWrite, "\(path): cannot lock: \(String(cString: strerror(errno)))")
        }
        // Record the holder for people investigating; the lock itself is the flock.
        let note = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
