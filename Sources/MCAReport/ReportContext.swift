import MCAModel

/// What every report file of one run shares: the result, the options and values derived once from them.
struct ReportContext: Sendable {
    let result: AuditResult
    let options: ReportOptions
    let redactor: Redactor

    init(result: AuditResult, options: ReportOptions) {
        self.result = result
        self.options = options
        redactor = Redactor(enabled: options.redact)
    }

    /// mandatoryFrom − asOf: positive before the cutover, 0 on it, negative after.
    var daysToCutover: Int { result.policy.mandatoryFrom - result.asOf }

    /// "in 3 days", "today", "12 days ago".
    var cutoverDistance: String {
        let days = daysToCutover
        if days == 0 { return "today" }
        let count = abs(days) == 1 ? "1 day" : "\(abs(days)) days"
        return days > 0 ? "in \(count)" : "\(count) ago"
    }

    /// A sentence on the cutover for the summary and the page header.
    var cutoverSentence: String {
        let date = result.policy.mandatoryFrom.iso
        let days = daysToCutover
        if days > 0 { return "\(days) \(days == 1 ? "day" : "days") to the cutover (\(date))" }
        if days == 0 { return "The cutover (\(date)) is the as-of date" }
        return "\(-days) \(days == -1 ? "day" : "days") since the cutover (\(date))"
    }

    /// Where a reader finds the rows a capped table leaves out.
    func fullListName(csv: String) -> String {
        if options.formats.contains(.csv) { return csv }
        if options.formats.contains(.json) { return "report.json" }
        return "the CSV reports (--report csv)"
    }
}

/// The `limit` best items by `rankedBefore` (a strict total order), best first, and how many there were.
///
/// A bounded heap, so picking the 5,000 largest of a million rows costs n·log(5,000), not a full sort.
func topRanked<T>(_ items: some Sequence<T>, limit: Int, by rankedBefore: (T, T) -> Bool) -> (top: [T], total: Int) {
    // heap[0] is the worst item kept: each parent is ranked after its children.
    var heap: [T] = []
    heap.reserveCapacity(min(limit, 1024))
    var total = 0
    for item in items {
        total += 1
        guard limit > 0 else { continue }
        if heap.count < limit {
            heap.append(item)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard rankedBefore(heap[parent], heap[child]) else { break }
                heap.swapAt(parent, child)
                child = parent
            }
        } else if rankedBefore(item, heap[0]) {
            heap[0] = item
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                var worst = left
                let right = left + 1
                if right < heap.count, rankedBefore(heap[left], heap[right]) { worst = right }
                guard rankedBefore(heap[parent], heap[worst]) else { break }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
    }
    heap.sort(by: rankedBefore)
    return (heap, total)
}

/// Finds the company name of each violation's customer.
///
/// Violations and customers are both sorted by customer id, so asking in violation order walks
/// the customers once. Should an id not be found ahead (ids that differ only in case, which join
/// case-insensitively, docs/inputs.md, "Field names"), every customer is indexed once and the rest use that index.
final class CompanyLookup {
    private let customers: CustomerOutcomes
    private var cursor = 0
    private var index: [String: Int]?

    init(_ customers: CustomerOutcomes) { self.customers = customers }

    func companyName(of customerId: String) -> String? { position(of: customerId).map { customers.companyName($0) } }

    /// The position of the customer with this id.
    func position(of customerId: String) -> Int? {
        if index == nil {
            var position = cursor
            while position < customers.count {
                if customers.customerId(position, equals: customerId) {
                    cursor = position
                    return position
                }
                position += 1
            }
            var all = [String: Int](minimumCapacity: customers.count)
            for position in customers.indices {
                let key = customers.customerId(position).lowercased()
                if all[key] == nil { all[key] = position }
            }
            index = all
        }
        return index?[customerId.lowercased()]
    }
}

/// The seat-based subscriptions of the customers whose seat changes are (or will be) blocked,
/// as (customer index, subscription index) in customer order.
func blockedSubscriptionRows(_ customers: CustomerOutcomes) -> some Sequence<RankedRow> {
    customers.indices.lazy
        .filter { customers.brief($0).seatChanges.isBlocking }
        .flatMap { index in
            customers.withView(index) { c in
                c.subscriptions.indices.map { RankedRow(size: c.subscriptions[$0].seats, index: index, subIndex: $0) }
            }
        }
}

/// A row picked for a capped table: its size (seats or quantity) and where it is in the result.
struct RankedRow {
    var size: Int
    var index: Int
    var subIndex: Int = 0

    /// Largest first; ties keep the order of the result.
    static func largestFirst(_ a: RankedRow, _ b: RankedRow) -> Bool {
        if a.size != b.size { return a.size > b.size }
        if a.index != b.index { return a.index < b.index }
        return a.subIndex < b.subIndex
    }
}

extension DateField {
    /// The ISO date, the unreadable text as written, or empty.
    var reportText: String {
        switch self {
        case .missing: return ""
        case .invalid(let text): return text
        case .date(let date): return date.iso
        }
    }
}
