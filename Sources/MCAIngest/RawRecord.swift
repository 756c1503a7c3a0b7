import MCAModel

/// One record as a reader found it: field texts by `Field`, where it starts, and any problem
/// that makes it unreadable. Readers fill these; `RowMapper` turns them into typed rows.
public struct RawRecord: Sendable {
    /// Physical line of the record's start (CSV, XML) or its 1-based item number (JSON).
    public var line: Int
    private var values: [String?]
    /// Set when the record cannot be read (INVALID_UTF8, MALFORMED_ROW): it is rejected.
    public var rejection: RowIssue?
    /// Warnings that keep the row (RAGGED_ROW).
    public var warnings: [RowIssue] = []

    public init(line: Int = 0) {
        self.line = line
        self.values = Array(repeating: nil, count: Field.allCases.count)
    }

    /// The value of a field, untrimmed, or `nil` when the record has none.
    public subscript(field: Field) -> String? {
        get { values[field.rawValue] }
        set { values[field.rawValue] = newValue }
    }

    /// Sets a field unless it already has a value: the first occurrence of a field wins.
    public mutating func setIfAbsent(_ field: Field, _ value: String) {
        if values[field.rawValue] == nil { values[field.rawValue] = value }
    }

    /// Clears every value and problem for reuse, keeping the storage.
    public mutating func reset(line: Int) {
        self.line = line
        for i in values.indices { values[i] = nil }
        rejection = nil
        if !warnings.isEmpty { warnings.removeAll(keepingCapacity: true) }
    }
}

/// Reads one input file's records in order, streaming.
///
/// Implementations keep memory independent of the file's size, call `emit` once per record
/// (for orders: once per line item), and throw `FatalInputError` when the rest of the file
/// cannot be read (unterminated CSV quote, malformed or truncated XML/JSON, missing CSV column).
public protocol RecordReader {
    func read(_ source: any ByteSource, schema: Schema, emit: (RawRecord) throws -> Void) throws
}
