import MCAModel

/// The exports `generate` writes: the audit's four kinds of input (README, "Inputs").
public enum ExportKind: String, CaseIterable, Sendable {
    case customers, agreements, subscriptions, orders
}

/// How the orders export is laid out (CSV only for the reconciliation layout).
public enum OrdersLayout: String, CaseIterable, Sendable {
    /// One row (CSV) or `LineItem` (XML, JSON) per order line item, with the Schema's field names.
    case lineItems = "line-items"
    /// A new-commerce billed invoice reconciliation CSV: the 47 documented columns, one row per charge.
    case reconciliation
}

/// What to generate: how many rows of each export, from which seed, in which format.
public struct GenerateOptions: Sendable, Equatable {
    /// Rows of the customers export (a few are duplicates of earlier rows, on purpose).
    public var customers: Int
    /// Rows of the agreements export (confirmation records).
    public var agreements: Int
    /// Order line items (rows of a CSV orders export); orders hold 1–3 of them.
    public var orderLines: Int
    /// The same seed and counts always give byte-identical files.
    public var seed: UInt64
    public var format: InputFormat
    public var ordersLayout: OrdersLayout
    /// Distinct resellers the customers are sold through (`0`: every customer is direct).
    public var resellers: Int

    /// - Parameters:
    ///   - customers: customers rows (at least 1).
    ///   - orderLines: order line items (0 or more).
    ///   - agreements: agreements rows; default: as many as customers.
    ///   - seed: the random seed (default 1).
    ///   - format: csv, xml or json (default csv).
    ///   - ordersLayout: line items (default) or the reconciliation CSV.
    ///   - resellers: distinct resellers; default `defaultResellers(customers:)`; 0: all direct.
    public init(customers: Int, orderLines: Int, agreements: Int? = nil, seed: UInt64 = 1,
                format: InputFormat = .csv, ordersLayout: OrdersLayout = .lineItems, resellers: Int? = nil) {
        self.customers = customers
        self.orderLines = orderLines
        self.agreements = agreements ?? customers
        self.seed = seed
        self.format = format
        self.ordersLayout = ordersLayout
        self.resellers = resellers ?? Self.defaultResellers(customers: customers)
    }

    /// One reseller per 100 customers, at least one.
    public static func defaultResellers(customers: Int) -> Int { max(1, customers / 100) }

    /// Throws `GenerateError.invalidOption` for counts the generator cannot honour.
    public func validate() throws {
        if customers < 1 { throw GenerateError.invalidOption("--customers must be at least 1 (got \(customers))") }
        if orderLines < 0 { throw GenerateError.invalidOption("--orders must not be negative (got \(orderLines))") }
        if agreements < 0 { throw GenerateError.invalidOption("--agreements must not be negative (got \(agreements))") }
        if resellers < 0 { throw GenerateError.invalidOption("--resellers must not be negative (got \(resellers))") }
        if resellers > RecordFactory.maxResellers {
            throw GenerateError.invalidOption("--resellers must be at most \(RecordFactory.maxResellers) (got \(resellers))")
        }
        if ordersLayout == .reconciliation && format != .csv {
            throw GenerateError.invalidOption("--orders-layout reconciliation is a CSV layout (got --format \(format.rawValue))")
        }
    }
}

/// Why generation failed.
public enum GenerateError: Error, Equatable, CustomStringConvertible {
    /// The options cannot be honoured (a usage error, exit 64).
    case invalidOption(String)
    /// A file or folder could not be created or written (exit 73).
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOption(let message): message
        case .cannotWrite(let path, let reason): "\(path): \(reason)"
        }
    }
}

/// One file `ExportGenerator` wrote.
public struct GeneratedFile: Sendable, Equatable {
    public var kind: ExportKind
    public var path: String
    /// Rows written: customers, agreements, subscriptions, or order line items (reconciliation
    /// layout: charges, one per line item).
    public var records: Int
    public var bytes: Int
}

/// Writes deterministic synthetic exports (README, "Usage": `generate`): `customers.<ext>`,
/// `agreements.<ext>`, `orders.<ext>` and `subscriptions.<ext>` in a folder, with every case of the
/// rules represented.
///
/// What the exports contain (for N customers):
/// - ~98% public cloud (the value mostly empty, else `Public`, `Global`, …), ~2% national clouds
///   spelled as exports do (`AzureGermanCloud`, `21Vianet`, `GCC High`, …), a few unrecognised;
/// - most customers confirmed with one valid record before the cutover, ~8% only after it, ~2%
///   after 2019-01-15, ~5% in the customers row's acceptance fields; ~1% each with a missing
///   name or e-mail, an invalid e-mail or phone, a missing, unreadable or future date, or an
///   unauthorised role; some with several records (newer valid over older invalid and the reverse),
///   some with only a MicrosoftCustomerAgreement, an all-empty row, or nothing;
/// - orders of 1–3 line items dated 2018-01 … 2019-06 over each customer's own subscriptions:
///   seat-based and usage lines, new, renew, addQuantity, removeQuantity, cancel, convert;
///   some pending, cancelled or failed; or the same charges as a reconciliation CSV
///   (`OrdersLayout.reconciliation`, `ReconciliationLayout`);
/// - a snapshot of the subscriptions those orders created (`SubscriptionRows`): current seats,
///   usage-based Azure plans, suspended, expired, deleted and pending ones;
/// - resellers (`GenerateOptions.resellers`, `RecordFactory.resellers(_:)`): ~20% of customers
///   direct, ~8% with two resellers, the others with one, named on every order line and
///   subscription;
/// - ~0.1% bad rows: duplicate customers and subscriptions, agreements, subscriptions and orders
///   for unknown customers, orders without an id or with an unreadable date, lines and
///   subscriptions with an invalid quantity, subscriptions with an unknown status.
///
/// Files are streamed through a 1 MiB buffer: memory does not grow with the number of order lines.
/// The subscriptions are written last, from a ledger of what the order lines did to each
/// subscription (`SubscriptionLedger`: 96 bytes per customer).
public enum ExportGenerator {
    /// The file name of one export: `customers.csv`, `orders.json`, ….
    public static func fileName(_ kind: ExportKind, _ format: InputFormat) -> String {
        "\(kind.rawValue).\(format.rawValue)"
    }

    /// Writes the four exports into `directory` (created if missing), replacing files of the same name.
    ///
    /// - Parameters:
    ///   - options: counts, seed, format and orders layout.
    ///   - directory: the output folder.
    ///   - progress: called now and then with the file being written, rows done and rows in total.
    /// - Returns: the files written, in the order written: customers, agreements, orders, subscriptions.
    /// - Throws: `GenerateError`.
    public static func generate(_ options: GenerateOptions, into directory: String,
                                progress: ((ExportKind, Int, Int) -> Void)? = nil) throws -> [GeneratedFile] {
        try options.validate()
        try makeDirectory(directory)
        switch options.format {
        case .csv: return try write(CSVExportFormat(), options, directory, progress)
        case .xml: return try write(XMLExportFormat(), options, directory, progress)
        case .json: return try write(JSONExportFormat(), options, directory, progress)
        }
    }

    private static let progressEvery = 1 << 18

    private static func write<F: ExportFormat>(_ format: F, _ options: GenerateOptions, _ directory: String,
                                               _ progress: ((ExportKind, Int, Int) -> Void)?) throws -> [GeneratedFile] {
        let factory = RecordFactory(seed: options.seed, customerCount: options.customers, resellerCount: options.resellers)
        let folder = directory.hasSuffix("/") ? directory : directory + "/"
        var files: [GeneratedFile] = []

        func path(_ kind: ExportKind) -> String { folder + fileName(kind, options.format) }

        // Customers.
        var file = try OutputFile(path: path(.customers))
        var record = GeneratedRecord()
        format.begin(.customers, itemCount: options.customers, into: &file.buffer)
        for i in 0..<options.customers {
            record.clear()
            factory.fillCustomer(row: i, into: &record)
            format.customer(record, index: i, into: &file.buffer)
            try file.flushIfFull()
            if i % progressEvery == 0 { progress?(.customers, i, options.customers) }
        }
        format.end(.customers, into: &file.buffer)
        try file.close()
        files.append(GeneratedFile(kind: .customers, path: file.path, records: options.customers, bytes: file.bytesWritten))

        // Agreements.
        file = try OutputFile(path: path(.agreements))
        var agreements = AgreementRows(factory: factory)
        format.begin(.agreements, itemCount: options.agreements, into: &file.buffer)
        for i in 0..<options.agreements {
            record.clear()
            agreements.next(into: &record)
            format.agreement(record, index: i, into: &file.buffer)
            try file.flushIfFull()
            if i % progressEvery == 0 { progress?(.agreements, i, options.agreements) }
        }
        format.end(.agreements, into: &file.buffer)
        try file.close()
        files.append(GeneratedFile(kind: .agreements, path: file.path, records: options.agreements,
                                   bytes: file.bytesWritten))

        // Orders, counted in line items; the ledger keeps what they do to each subscription.
        file = try OutputFile(path: path(.orders))
        var orders = OrderRows(factory: factory)
        var order = GeneratedRecord()
        var facts = OrderFacts()
        var ledger = SubscriptionLedger(customerCount: options.customers)
        let reconciliation = options.ordersLayout == .reconciliation ? ReconciliationLayout(factory: factory) : nil
        if let reconciliation {
            reconciliation.begin(into: &file.buffer)
        } else {
            format.begin(.orders, itemCount: OrderRows.orderCount(factory: factory, lines: options.orderLines),
                         into: &file.buffer)
        }
        var lines = 0
        var nextReport = 0
        while lines < options.orderLines {
            let index = orders.orderIndex
            orders.next(remaining: options.orderLines - lines, into: &order, facts: &facts)
            ledger.record(facts)
            if let reconciliation {
                reconciliation.order(order, facts: facts, into: &file.buffer)
            } else {
                format.order(order, index: index, into: &file.buffer)
            }
            lines += order.lineCount
            try file.flushIfFull()
            if lines >= nextReport {
                progress?(.orders, lines, options.orderLines)
                nextReport += progressEvery
            }
        }
        if reconciliation == nil { format.end(.orders, into: &file.buffer) }
        try file.close()
        files.append(GeneratedFile(kind: .orders, path: file.path, records: options.orderLines, bytes: file.bytesWritten))
        progress?(.orders, lines, options.orderLines)

        // Subscriptions: a snapshot of those the orders created.
        file = try OutputFile(path: path(.subscriptions))
        let subscriptionCount = SubscriptionRows.rowCount(factory: factory, ledger: ledger)
        var subscriptions = SubscriptionRows(factory: factory, ledger: ledger)
        format.begin(.subscriptions, itemCount: subscriptionCount, into: &file.buffer)
        var written = 0
        while let row = subscriptions.next() {
            record.clear()
            factory.fillSubscription(row, ledger: ledger, into: &record)
            format.subscription(record, index: written, into: &file.buffer)
            written += 1
            try file.flushIfFull()
            if written % progressEvery == 0 { progress?(.subscriptions, written, subscriptionCount) }
        }
        format.end(.subscriptions, into: &file.buffer)
        try file.close()
        files.append(GeneratedFile(kind: .subscriptions, path: file.path, records: written, bytes: file.bytesWritten))
        return files
    }
}
