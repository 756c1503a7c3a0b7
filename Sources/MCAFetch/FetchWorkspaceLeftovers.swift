import Foundation
import MCAReport

/// Clearing what killed fetches left in the fetch folder; called only while holding its lock.
enum FetchWorkspaceLeftovers {
    /// Removes every unfinished fetch (all but the newest with `keepNewest`, for `--resume`) and the
    /// leftovers of an interrupted publish.
    /// - Returns: The names removed.
    static func clean(outDir: URL, keepNewest: Bool) -> [String] {
        var removed = ReportPublisher.removeLeftovers(outDir: outDir)
        var unfinished = FetchWorkspace.unfinished(in: outDir)
        if keepNewest, !unfinished.isEmpty { unfinished.removeLast() }
        for workspace in unfinished {
            workspace.remove()
            removed.append(FetchWorkspace.prefix + workspace.stamp)
        }
        return removed
    }
}
