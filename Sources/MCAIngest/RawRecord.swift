import MCAModel
import MCAStorage

/// One record as a reader found it: field texts by `Field`, where it starts, and any problem
/// that makes it unreadable. Readers fill these; `RowMapper` turns them into typed rows.
public struct RawRecord: Sendable {
    /// Physical line of the record's start (CSV, XML) or its 1-based item number (JSON).
    public var line: Int
    private var values: [String?]
    /// Field bytes kept without making a String (CSV): `spans[2f]` start, `spans[2f+1]` length (-1: none).
    private var bytes = GrowingBytes()
    private var spans: [Int]
    private var hasSpans = false
    /// Whether any field holds a String (XML, JSON, tests): the CSV fast path never does, so its
    /// `reset` and `setValidUTF8` skip `values` entirely.
    private var hasValues = false
    /// Set when the record cannot be read (INVALID_UTF8, MALFORMED_ROW): it is rejected.
    public var rejection: RowIssue?
    /// Warnings that keep the row (RAGGED_ROW).
    public var warnings: [RowIssue] = []
    /// The rank of the alias each field's value came under (`set(_:validUTF8:)`); meaningful only
    /// for fields the record has.
    private var ranks: [UInt8]

    public init(line: Int = 0) {
        self.line = line
        self.values = Array(repeating: nil, count: Field.allCases.count)
        self.spans = Array(repeating: -1, count: 2 * Field.allCases.count)
        self.ranks = Array(repeating: .max, count: Field.allCases.count)
    }

    /// Whether a value under a name of this alias rank is taken: the field has none yet, or has one
    /// that came under a later alias (`Schema`: the alias that comes first wins; on a tie, the first value).
    public func takes(_ named: NamedField) -> Bool { !has(named.field) || named.rank < ranks[named.field.rawValue] }

    /// Sets a field from bytes already checked to be valid UTF-8, when `takes(named)`.
    public mutating func set(_ named: NamedField, validUTF8 value: UnsafeRawBufferPointer) {
        guard takes(named) else { return }
        setValidUTF8(named.field, value)
        ranks[named.field.rawValue] = named.rank
    }

    /// Sets a field from a String, when `takes(named)`.
    public mutating func set(_ named: NamedField, _ value: String) {
        guard takes(named) else { return }
        self[named.field] = value
        ranks[named.field.rawValue] = named.rank
    }

    /// The value of a field, untrimmed, or `nil` when the record has none.
    public subscript(field: Field) -> String? {
        get {
            if let v = values[field.rawValue] { return v }
            return withUTF8(field) { $0.map { String(decoding: $0.bindMemory(to: UInt8.self), as: UTF8.self) } }
        }
        set {
            values[field.rawValue] = newValue
            if newValue != nil { hasValues = true }
            spans[2 * field.rawValue + 1] = -1
        }
    }

    /// Calls `body` with the field's UTF-8 bytes, or `nil` when the record has none, without making a String.
    public func withUTF8<R>(_ field: Field, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        // A CSV record holds no String (`hasValues` is false): its fields are read without looking at `values`.
        if hasValues, let v = values[field.rawValue] {
            var v = v
            return v.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
        let length = spans[2 * field.rawValue + 1]
        guard length >= 0 else { return body(nil) }
        let start = spans[2 * field.rawValue]
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
    }

    /// Sets a field from bytes already checked to be valid UTF-8 (the CSV reader's fast path).
    public mutating func setValidUTF8(_ field: Field, _ value: UnsafeRawBufferPointer) {
        if hasValues { values[field.rawValue] = nil }
        spans[2 * field.rawValue] = bytes.count
        spans[2 * field.rawValue + 1] = value.count
        bytes.append(value)
        hasSpans = true
    }

    /// Appends bytes (valid UTF-8) to the record's storage for `withSpans`; returns where they start.
    mutating func appendBytes(_ value: UnsafeRawBufferPointer) -> Int {
        let start = bytes.count
        bytes.append(value)
        hasSpans = true  // so that `reset` empties the storage
        return start
    }

    /// Calls `body` with the field spans to set many at once (`spans[2f]` start, `spans[2f + 1]`
    /// length, within what `appendBytes` stored): the CSV reader's fast path, with no check per field.
    mutating func withSpans<R>(_ body: (UnsafeMutableBufferPointer<Int>) -> R) -> R {
        if hasValues {
            for i in values.indices where values[i] != nil { values[i] = nil }
            hasValues = false
        }
        hasSpans = true
        return spans.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Whether the record has a value for `field` (empty counts).
    public func has(_ field: Field) -> Bool {
        spans[2 * field.rawValue + 1] >= 0 || (hasValues && values[field.rawValue] != nil)
    }

    /// Gives each of `fields` that this record has no value for the value `other` has (an order's
    /// fields for its line items), as bytes; `except` are never given.
    public mutating func fillAbsent(_ fields: some Sequence<Field>, from other: RawRecord, except: FieldSet = FieldSet([])) {
        for field in fields where !has(field) && !except.contains(field) {
            other.withUTF8(field) { if let value = $0 { setValidUTF8(field, value) } }
        }
    }

    /// Clears every value and problem for reuse, keeping the storage.
    public mutating func reset(line: Int) {
        self.line = line
        if hasValues {
            for i in values.indices where values[i] != nil { values[i] = nil }
            hasValues = false
        }
        if hasSpans {
            spans.withUnsafeMutableBufferPointer { span in
                var i = 1
                while i < span.count { span[i] = -1; i += 2 }
            }
            bytes.removeAll()
            hasSpans = false
        }
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
