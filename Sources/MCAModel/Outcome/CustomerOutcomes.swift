/// Where `CustomerOutcomes` gets its elements from when they are made on demand.
package protocol OutcomeSource: AnyObject, Sendable {
    var count: Int { get }
    func outcome(_ position: Int) -> CustomerOutcome
    func withView<R>(_ position: Int, _ body: (OutcomeView) -> R) -> R
    func brief(_ position: Int) -> OutcomeBrief
    func customerId(_ position: Int) -> String
    func customerId(_ position: Int, equals id: String) -> Bool
    func companyName(_ position: Int) -> String
}

/// Every customer's outcome, in report order.
///
/// An evaluation's outcomes are made one at a time when asked for, from the evaluator's own state:
/// a million customers' outcomes, with their subscription ids as Strings, are never all in memory
/// at once, and the report writers stream them. Ask for `brief(_:)`, `customerId(_:)` or
/// `companyName(_:)` when that is all you need, and take an element once (`let c = outcomes[i]`)
/// rather than reading it field by field.
public struct CustomerOutcomes: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable, Equatable {
    // Not an enum: reading an enum's payload copies it, and a copy of the shared source is a
    // reference count changed by every report thread at once, for every customer.
    /// The outcomes as values, when there is no source.
    private let values: [CustomerOutcome]
    /// Where the outcomes are made.
    private let source: (any OutcomeSource)?

    package init(source: any OutcomeSource) {
        values = []
        self.source = source
    }
    public init(_ values: [CustomerOutcome]) {
        self.values = values
        source = nil
    }
    public init() { self.init([]) }
    public init(arrayLiteral elements: CustomerOutcome...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { source?.count ?? values.count }

    public subscript(position: Int) -> CustomerOutcome { source?.outcome(position) ?? values[position] }

    /// The outcome at `position` read in place (no Strings made): what a report writing every
    /// customer should ask for. The view is valid only inside `body`.
    public func withView<R>(_ position: Int, _ body: (OutcomeView) -> R) -> R {
        if let source { return source.withView(position, body) }
        return OutcomeView.with(values[position], body)
    }

    /// Status, impacts and seats of the customer at `position`.
    public func brief(_ position: Int) -> OutcomeBrief { source?.brief(position) ?? OutcomeBrief(values[position]) }

    public func customerId(_ position: Int) -> String { source?.customerId(position) ?? values[position].customerId }

    /// Whether the id of the customer at `position` is `id`, exactly (no String is made for it).
    public func customerId(_ position: Int, equals id: String) -> Bool {
        source?.customerId(position, equals: id) ?? (values[position].customerId == id)
    }

    public func companyName(_ position: Int) -> String { source?.companyName(position) ?? values[position].companyName }

    public static func == (a: CustomerOutcomes, b: CustomerOutcomes) -> Bool { a.elementsEqual(b) }
}
