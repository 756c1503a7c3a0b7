@testable import MCAAudit
import Testing

@Suite struct IngestionEstimateTests {
    @Test func theRestOfAFileIsTakenToHoldRowsOfTheSameLength() {
        // 65,536 rows in 11 MB read of a 1.1 GB file: about 100 times as many rows, and a tenth more.
        let more = Ingestion.expectedMoreRows(after: 65_536, bytesRead: 11_000_000, of: 1_100_000_000)
        #expect(more == 7_143_424)  // 65,536 × 100 × 1.1 − 65,536
        // The whole file read: only the margin is left.
        #expect(Ingestion.expectedMoreRows(after: 1000, bytesRead: 50_000, of: 50_000) == 100)
        // Nothing read, or a file that grew while it was read: no estimate.
        #expect(Ingestion.expectedMoreRows(after: 1000, bytesRead: 0, of: 50_000) == nil)
        #expect(Ingestion.expectedMoreRows(after: 0, bytesRead: 10, of: 50_000) == nil)
        #expect(Ingestion.expectedMoreRows(after: 10, bytesRead: 60_000, of: 50_000) == nil)
        // An absurd ratio is capped, not trapped.
        #expect(Ingestion.expectedMoreRows(after: 65_536, bytesRead: 1, of: Int.max) == Int(Int32.max) - 65_536)
    }
}
