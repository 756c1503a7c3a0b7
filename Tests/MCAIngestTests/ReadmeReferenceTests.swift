import Foundation
import MCAIngest
import MCAModel
import MCATestSupport
import Testing

/// The reference tables of the README and `docs/inputs.md` are checked against the code, so that
/// neither drifts from the other.
@Suite struct ReadmeReferenceTests {
    static func text(_ path: String) -> String {
        (try? String(contentsOf: RepoPaths.root.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }
    static let readme = text("README.md")
    static let inputs = text("docs/inputs.md")

    /// The rows of the first table after `heading` in `document`, as cells.
    static func table(after heading: String, in document: String = readme) -> [[String]] {
        guard let start = document.range(of: "\n" + heading + "\n") else { return [] }
        var rows: [[String]] = []
        var inTable = false
        for line in document[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("|") {
                inTable = true
                let cells = line.dropFirst().dropLast().components(separatedBy: " | ").map { $0.trimmingCharacters(in: .whitespaces) }
                if !cells.allSatisfy({ $0.allSatisfy { $0 == "-" } }) { rows.append(cells) }
            } else if inTable {
                break
            }
        }
        return Array(rows.dropFirst())  // the header row
    }

    /// The backquoted words of a cell, up to the first ':' or '(' (what follows describes values).
    static func names(_ cell: String) -> [String] {
        let head = cell.split(separator: ":", maxSplits: 1).first.map(String.init) ?? cell
        let beforeNote = head.split(separator: "(", maxSplits: 1).first.map(String.init) ?? head
        return beforeNote.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    }

    /// The README's table of record defects lists every `Defect`, in the order reports list them.
    @Test func theDefectTableIsTheDefects() {
        let listed = Self.table(after: "Record defects (a record without any is valid):").flatMap { Self.names($0[0]) }
        #expect(listed == Defect.allCases.map(\.rawValue))
    }

    @Test func theAliasTableIsTheSchemas() throws {
        let rows = Self.table(after: "## Field names", in: Self.inputs)
        #expect(rows.count > 30)
        var listed: [InputKind: Set<Field>] = [:]
        for row in rows {
            let kind = try #require(InputKind(rawValue: row[0]), "\(row)")
            let fieldName = String(row[1].split(separator: " ").first ?? "")
            let field = try #require(Field.allCases.first { "\($0)" == fieldName }, "\(row)")
            let schema = Schema.forKind(kind)
            #expect(Self.names(row[2]) == schema.aliases(of: field), "\(kind) \(field)")
            #expect(row[1].contains("(required)") == schema.required.contains(field), "\(kind) \(field)")
            listed[kind, default: []].insert(field)
        }
        // Every field each schema reads is listed (a customers row's agreement fields are described in prose).
        for kind in InputKind.allCases {
            let schema = Schema.forKind(kind)
            let read = Field.allCases.filter { !schema.aliases(of: $0).isEmpty }
                .filter { kind != .customers || !Field.contactAndDate.contains($0) && ![.agreementType, .templateId, .recordedByRole].contains($0) }
            #expect(Set(read) == listed[kind, default: []], "\(kind)")
        }
    }

    @Test func theLegacyChargeTypeTableIsTheCodes() {
        let rows = Self.table(after: "#### Legacy charge types")
        #expect(rows.map { $0[0] } == TransactionType.legacyChargePhrases.map(\.phrase))
        #expect(rows.map { TransactionType(key: $0[1]) } == TransactionType.legacyChargePhrases.map(\.value))
    }

    @Test func theTransactionTableIsTheVocabulary() {
        let rows = Self.table(after: "### Transactions")
        #expect(rows.map { TransactionType(key: $0[0]) } == TransactionType.vocabulary.map(\.0))
        for (row, (_, spellings)) in zip(rows, TransactionType.vocabulary) {
            let also = Self.names(row[1])
            #expect(Set([row[0]] + also + (row[1] == "(empty)" ? [""] : [])) == Set(spellings), "\(row)")
        }
    }

    @Test func theDataQualityAndNoticeTablesNameEveryCode() {
        let codes = Self.table(after: "## Data quality: nothing is lost", in: Self.inputs).flatMap { Self.names($0[0]) }
        #expect(Set(codes) == Set(FindingCode.allCases.map(\.rawValue)))
        let notices = Self.table(after: "### Notices").flatMap { Self.names($0[0]) }
        #expect(notices == Notice.Code.allCases.map(\.rawValue))
    }
}
