#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How long each phase of a run took, and the process's peak memory: one line for `--verbose`,
/// so that an operator sees where a night's run spends its time without a profiler.
struct PhaseClock {
    private var last = Date()
    private var phases: [(name: String, seconds: Double)] = []

    /// Ends the phase running since the previous mark (or the clock's start).
    mutating func mark(_ name: String) {
        let now = Date()
        phases.append((name, now.timeIntervalSince(last)))
        last = now
    }

    /// Peak resident memory of the process so far, in bytes (`getrusage`).
    static var peakMemory: Int {
        var usage = rusage()
        #if canImport(Darwin)
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)  // bytes
        #else
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024  // kilobytes
        #endif
    }

    /// "timing: read 19.52 s, outcomes 2.83 s, reports 3.60 s; peak memory 902 MiB".
    var summary: String {
        let parts = phases.map { "\($0.name) \(String(format: "%.2f", $0.seconds)) s" }
        return "timing: \(parts.joined(separator: ", ")); peak memory \(PhaseClock.peakMemory >> 20) MiB"
    }
}
