import MCAStorage
/// How bad a data-quality finding is (docs/inputs.md, "Data quality").
public enum Severity: String, Sendable, Codable, Comparable {
    /// The row is kept.
    case warning
    /// The row is rejected; the rest of the file is still read.
    case error
    /// The file cannot be read on; the run stops with exit 65 and writes no report.
    case fatal

    private var rank: Int { self == .warning ? 0 : self == .error ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Every data-quality code (docs/inputs.md, "Data quality").
public enum FindingCode: String, Sendable, Codable, CaseIterable {
    case missingRequiredField = "MISSING_REQUIRED_FIELD"
    case malformedRow = "MALFORMED_ROW"
    case unterminatedQuote = "UNTERMINATED_QUOTE"
    case malformedDocument = "MALFORMED_DOCUMENT"
    case invalidUTF8 = "INVALID_UTF8"
    case invalidQuantity = "INVALID_QUANTITY"
    case invalidDate = "INVALID_DATE"
    case duplicateCustomer = "DUPLICATE_CUSTOMER"
    case duplicateSubscription = "DUPLICATE_SUBSCRIPTION"
    case unknownCustomer = "UNKNOWN_CUSTOMER"
    /// A customer `mca-audit fetch` could not read completely (listed in fetch-failures.csv).
    case notFetched = "NOT_FETCHED"
    case raggedRow = "RAGGED_ROW"
    case unrecognizedCloud = "UNRECOGNIZED_CLOUD"
    case unrecognizedValue = "UNRECOGNIZED_VALUE"
    /// A required column is absent from a CSV header (exit 65; not a per-row finding).
    case missingColumn = "MISSING_COLUMN"

    /// The severity the code always has.
    public var severity: Severity {
        switch self {
        case .raggedRow, .unrecognizedCloud, .unrecognizedValue: return .warning
        case .unterminatedQuote, .malformedDocument, .missingColumn: return .fatal
        default: return .error
        }
    }
}

/// A problem found in one row, before the file name is known.
public struct RowIssue: Error, Sendable, Equatable {
    public var code: FindingCode
    public var message: String
    public init(_ code: FindingCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A data-quality finding: a rejected row, a warning, or a fatal problem, with where it is.
public struct Finding: Sendable, Equatable, Codable {
    /// The input file as given on the command line.
    public var file: String
    /// Physical line for CSV and XML, 1-based item number for JSON.
    public var line: Int
    public var severity: Severity
    public var code: FindingCode
    public var message: String

    public init(file: String, line: Int, code: FindingCode, message: String) {
        self.file = file
        self.line = line
        self.code = code
        self.severity = code.severity
        self.message = message
    }

    public init(file: String, line: Int, issue: RowIssue) {
        self.init(file: file, line: line, code: issue.code, message: issue.message)
    }

    /// `file:line: severity: message [CODE]`, the compiler-style line written to stderr.
    public var diagnostic: String { "\(file):\(line): \(severity.rawValue): \(message) [\(code.rawValue)]" }
}

/// A problem that makes a whole input unusable (the fatal codes of docs/inputs.md, "Data quality"; a missing column):
/// thrown by a reader; the run stops with exit 65 and writes no report.
public struct FatalInputError: Error, Sendable, Equatable {
    public var line: Int
    public var code: FindingCode
    public var message: String
    public init(line: Int, code: FindingCode, message: String) {
        self.line = line
        self.code = code
        self.message = message
    }
}

/// Findings are spooled: a file of bad rows makes one per row (`Spooled`).
extension Finding: Spoolable {
    public func spool(into bytes: inout GrowingBytes) {
        bytes.spool(file)
        bytes.spool(line)
        bytes.spool(code.rawValue)
        bytes.spool(message)
    }

    public init(unspooling reader: inout SpoolReader) throws {
        let file = try reader.requiredString(), line = try reader.int()
        guard let code = FindingCode(rawValue: try reader.requiredString()) else { throw SpoolError("a spooled finding has an unknown code") }
        self.init(file: file, line: line, code: code, message: try reader.requiredString())
    }
}
