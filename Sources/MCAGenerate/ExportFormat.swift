/// Renders generated records as one file format. The records come from `RecordFactory`, so the
/// three formats always carry the same data; a format only decides the syntax and escaping.
protocol ExportFormat {
    /// The file's opening (CSV header, XML prolog and root, JSON collection head).
    func begin(_ kind: ExportKind, itemCount: Int, into out: inout [UInt8])
    /// The `index`-th (0-based) customers row.
    func customer(_ r: GeneratedRecord, index: Int, into out: inout [UInt8])
    /// The `index`-th agreements row.
    func agreement(_ r: GeneratedRecord, index: Int, into out: inout [UInt8])
    /// The `index`-th subscriptions row.
    func subscription(_ r: GeneratedRecord, index: Int, into out: inout [UInt8])
    /// The `index`-th order with its line items.
    func order(_ o: GeneratedRecord, index: Int, into out: inout [UInt8])
    /// The file's closing.
    func end(_ kind: ExportKind, into out: inout [UInt8])
}
