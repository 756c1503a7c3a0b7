import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension FileHandle {
    /// Everything up to the end of the file or pipe, reading again when a signal interrupts a read
    /// (EINTR). Foundation's `readDataToEndOfFile()` stops the whole test process on EINTR, which
    /// happens when a child process ends while the read waits.
    public func readAllRetryingInterrupts() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }
            if n > 0 {
                data.append(contentsOf: buffer[0..<n])
            } else if n == 0 || errno != EINTR {
                return data
            }
        }
    }
}
