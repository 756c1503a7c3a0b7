import MCAEvaluate
import MCAModel

/// Rows given as values, one at a time: what tests write. The product hands the evaluator batches
/// of rows whose texts are still bytes (`Evaluator.add(customers:)` and the like).
extension Evaluator {
    /// Adds one customers row; its rejection, `nil` when accepted.
    public func add(_ row: CustomerRow) -> RowIssue? {
        var text = PackedText()
        let packed = PackedCustomerRow(row, into: &text)
        return text.bytes.withUnsafeBytes { add(customers: [CustomerRowView(row: packed, text: $0)])[0] }
    }

    /// Adds one agreements row; its rejection, `nil` when accepted.
    public func add(_ row: AgreementRow) -> RowIssue? {
        var text = PackedText()
        let packed = PackedAgreementRow(row, into: &text)
        return text.bytes.withUnsafeBytes { add(agreements: [AgreementRowView(row: packed, text: $0)])[0] }
    }

    /// Adds one subscriptions row; its rejection, `nil` when accepted.
    public func add(_ row: SubscriptionRow) -> RowIssue? {
        var text = PackedText()
        let packed = PackedSubscriptionRow(row, into: &text)
        return text.bytes.withUnsafeBytes { add(subscriptions: [SubscriptionRowView(row: packed, text: $0)])[0] }
    }

    /// Adds one order line; its rejection, `nil` when accepted.
    public func add(_ line: OrderLine) -> RowIssue? {
        var text = PackedText()
        let packed = PackedOrderLine(line, into: &text)
        return text.bytes.withUnsafeBytes { add(orderLines: [OrderLineView(row: packed, text: $0)])[0] }
    }
}

extension CustomerOutcomes {
    /// Changes the outcomes as an array of values (a test's edits of an evaluation's result).
    public mutating func modify(_ body: (inout [CustomerOutcome]) -> Void) {
        var all = Array(self)
        body(&all)
        self = CustomerOutcomes(all)
    }
}
