import MCAModel

/// `report.json` (README, "Reports"): keys in the README's order, two-space indentation, one array element per line.
enum ReportJSON {
    static let fileName = "report.json"

    static func write(_ context: ReportContext, to file: ReportFile) throws {
        let result = context.result
        let summary = result.summary
        try file.append { t in
            t.append("{\n  \"schemaVersion\": 1,\n  \"asOf\": ")
            t.appendJSON(result.asOf.iso)
            t.append(",\n  \"runDate\": ")
            t.appendJSON(result.runDate.iso)
            t.append(",\n  \"phase\": ")
            t.appendJSON(result.phase.rawValue)
            t.append(",\n  \"policy\": ")
            t.appendJSONPolicy(result.policy, indent: "  ")
            t.append(",\n  \"summary\": ")
            t.appendJSONSummary(summary, indent: "  ")
            t.append(",\n  \"seatsSource\": ")
            t.appendJSON(result.seatsSource.rawValue)
            t.append(",\n  \"notices\": [")
            for (i, notice) in result.notices.enumerated() {
                t.append(i == 0 ? "\n    {\"code\": " : ",\n    {\"code\": ")
                t.appendJSON(notice.code.rawValue)
                t.append(", \"message\": ")
                t.appendJSON(notice.message)
                t.append("}")
            }
            t.append(result.notices.isEmpty ? "]" : "\n  ]")
            t.append(",\n")
        }
        try writeResellers(result.resellers, to: file)
        try file.append("  \"customers\": ")
        let customers = result.customers
        try writeArray(count: customers.count, to: file, last: false) { t, i in
            customers.withView(i) { appendCustomer($0, to: &t) }
            appendResellers(of: i, result.resellers, to: &t)
            t.append("}")
        }
        try file.append("  \"violations\": ")
        let violations = result.violations
        try writeArray(violations, to: file, last: false) { t, v in appendViolation(v, to: &t) }
        try file.append("  \"dataQuality\": ")
        try writeArray(result.dataQuality, to: file, last: false) { t, f in t.appendJSONFinding(f, redactor: context.redactor) }
        try file.append("  \"inputs\": ")
        let inputs = result.inputs
        try writeArray(count: inputs.count, to: file, last: false) { t, i in t.appendJSONInput(inputs[i]) }
        try writeChanges(result.changes, to: file)
        try file.append("  \"trend\": ")
        if let trend = result.trend {
            try writeArray(count: trend.count, to: file, last: true) { t, i in
                t.append("{\"asOf\": ")
                t.appendJSON(trend[i].asOf)
                t.append(", \"runDate\": ")
                t.appendJSON(trend[i].runDate)
                t.append(", \"summary\": ")
                t.appendJSONSummary(trend[i].summary, indent: nil)
                t.append("}")
            }
        } else {
            try file.append("null\n")
        }
        try file.append("}\n")
    }

    /// `changes` (docs/operations.md, "Run history"): what changed since the previous run, `null` without a run history.
    private static func writeChanges(_ changes: RunChanges?, to file: ReportFile) throws {
        guard let changes else { return try file.append("  \"changes\": null,\n") }
        try file.append { t in
            t.append("  \"changes\": {\n    \"previousAsOf\": ")
            t.appendJSON(changes.previousAsOf)
            t.append(",\n    \"previousRunDate\": ")
            t.appendJSON(changes.previousRunDate)
            t.append(",\n")
        }
        let lists = changes.lists
        for (n, list) in lists.enumerated() {
            try file.append { t in
                t.append("    ")
                t.appendJSON(list.name)
                t.append(": ")
            }
            try writeArray(count: list.changes.count, to: file, last: n == lists.count - 1, indent: "    ") { t, i in
                let change = list.changes[i]
                t.append("{\"customerId\": ")
                t.appendJSON(change.customerId)
                t.append(", \"companyName\": ")
                t.appendJSON(change.companyName)
                t.append(", \"before\": ")
                if let before = change.before { t.appendJSONSnapshot(before) } else { t.append("null") }
                t.append(", \"after\": ")
                t.appendJSONSnapshot(change.after)
                t.append("}")
            }
        }
        try file.append("  },\n")
    }

    private static func appendCustomer(_ c: OutcomeView, to t: inout TextBuffer) {
        t.append("{\"customerId\": ")
        t.appendJSON(c.customerId)
        t.append(", \"companyName\": ")
        t.appendJSON(c.companyName)
        t.append(", \"cloud\": ")
        t.appendJSON(c.cloud.rawValue)
        t.append(", \"status\": ")
        t.appendJSON(c.status.rawValue)
        t.append(", \"reasons\": ")
        t.appendJSONArray(c.reasons)
        t.append(", \"confirmedOn\": ")
        t.appendJSON(c.confirmedOn)
        t.append(", \"newOrders\": ")
        t.appendJSON(c.newOrders.rawValue)
        t.append(", \"seatChanges\": ")
        t.appendJSON(c.seatChanges.rawValue)
        t.append(", \"daysToCutover\": ")
        t.appendJSON(c.daysToCutover)
        t.append(", \"seatBasedSubscriptions\": [")
        for (i, subscription) in c.subscriptions.enumerated() {
            t.append(i == 0 ? "{\"subscriptionId\": " : ", {\"subscriptionId\": ")
            t.appendJSON(subscription.subscriptionId)
            t.append(", \"offerId\": ")
            t.appendJSON(subscription.offerId)
            t.append(", \"seats\": ")
            t.append(subscription.seats)
            t.append("}")
        }
        t.append("]")
    }

    private static func appendViolation(_ v: Violation, to t: inout TextBuffer) {
        t.append("{\"customerId\": ")
        t.appendJSON(v.customerId)
        t.append(", \"orderId\": ")
        t.appendJSON(v.orderId)
        t.append(", \"lineItemNumber\": ")
        t.append(v.lineItemNumber)
        t.append(", \"creationDate\": ")
        t.appendJSON(v.creationDate)
        t.append(", \"code\": ")
        t.appendJSON(Violation.code)
        t.append(", \"resellerId\": ")
        if let reseller = v.resellerId { t.appendJSON(reseller) } else { t.append("null") }
        t.append("}")
    }

    /// `[]`, or one element per line indented two more than `indent` (the indentation of the line
    /// holding the key), closed at `indent`; then `,\n` unless `last`.
    ///
    /// Elements are passed by index so a large struct is read in place, never copied per row.
    static func writeArray(count: Int, to file: ReportFile, last: Bool, indent: String = "  ",
                           element: (inout TextBuffer, Int) -> Void) throws {
        try writeArray(0..<count, to: file, last: last, indent: indent, element: element)
    }

    /// The same, of the elements of a sequence read once in order (spooled rows).
    static func writeArray<Items: Sequence>(_ items: Items, to file: ReportFile, last: Bool, indent: String = "  ",
                                            element: (inout TextBuffer, Items.Element) -> Void) throws {
        let close = last ? "\n" : ",\n"
        let first = "[\n" + indent + "  ", next = ",\n" + indent + "  "
        var isFirst = true
        for item in items {
            try file.append { t in
                t.append(isFirst ? first : next)
                element(&t, item)
            }
            isFirst = false
        }
        try file.append(isFirst ? "[]" + close : "\n" + indent + "]" + close)
    }
}

extension TextBuffer {
    /// A JSON string literal. Besides what JSON requires (quote, backslash, control characters),
    /// `<`, `>`, `&`, U+2028 and U+2029 are escaped so the text is safe inside HTML and JavaScript.
    /// Other non-ASCII characters stay as UTF-8.
    mutating func appendJSON(_ text: String) {
        withUTF8Bytes(text) { appendJSON(utf8: $0) }
    }

    private static let jsonSpecial = ByteSet { b in
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">")
            || b == UInt8(ascii: "&") || b == 0xE2
    }

    /// A JSON string literal of UTF-8 bytes, escaped as `appendJSON(_:)` escapes a String; `null` when `nil`.
    mutating func appendJSON(_ utf8: UnsafeBufferPointer<UInt8>?) {
        if let utf8 { appendJSON(utf8: utf8) } else { append("null") }
    }

    private mutating func appendJSON(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var start = 0
        while true {
            let special = TextBuffer.jsonSpecial.firstIndex(in: utf8, from: start)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<special]))
            guard special < utf8.count else { break }
            let b = utf8[special]
            start = special + 1
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(b)
            case 0xE2:
                // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR end a JavaScript line.
                if special + 2 < utf8.count, utf8[special + 1] == 0x80, utf8[special + 2] == 0xA8 || utf8[special + 2] == 0xA9 {
                    appendUnicodeEscape(utf8[special + 2] == 0xA8 ? 0x2028 : 0x2029)
                    start = special + 3
                } else {
                    bytes.append(b)
                }
            default:
                // Control characters, and `<`, `>`, `&` so the text is inert inside HTML.
                appendUnicodeEscape(UInt16(b))
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func appendJSON(_ text: String?) {
        if let text { appendJSON(text) } else { append("null") }
    }

    mutating func appendJSON(_ number: Int?) {
        if let number { append(number) } else { append("null") }
    }

    mutating func appendJSON(_ date: DayDate?) {
        guard let date else { return append("null") }
        bytes.append(UInt8(ascii: "\""))
        append(date)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func appendJSONArray(_ texts: [String]?) {
        if let texts { appendJSONArray(texts) } else { append("null") }
    }

    mutating func appendJSONArray(_ texts: some Sequence<String>) {
        bytes.append(UInt8(ascii: "["))
        for (i, text) in texts.enumerated() {
            if i > 0 { append(", ") }
            appendJSON(text)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The whole policy as an object, every key of `Policy.Key` in its order; `indent` is the
    /// indentation of the line holding its key.
    mutating func appendJSONPolicy(_ policy: Policy, indent: String) {
        for (n, key) in Policy.Key.allCases.enumerated() {
            append((n == 0 ? "{\n" : ",\n") + indent + "  \"" + key.rawValue + "\": ")
            switch policy[key] {
            case .text(let s): appendJSON(s)
            case .date(let d): appendJSON(d)
            case .texts(let a): appendJSONArray(a)
            case .none: append("null")
            }
        }
        append("\n" + indent + "}")
    }

    /// The counts of report.json `summary`: one key per line at `indent` + 2, or on one line when `indent` is nil.
    mutating func appendJSONSummary(_ summary: Summary, indent: String?) {
        let open = indent.map { "{\n" + $0 + "  " } ?? "{"
        let separator = indent.map { ",\n" + $0 + "  " } ?? ", "
        let close = indent.map { "\n" + $0 + "}" } ?? "}"
        append(open + "\"customers\": ")
        append(summary.customers)
        append(separator + "\"byStatus\": {")
        for (i, status) in CustomerStatus.allCases.enumerated() {
            if i > 0 { append(", ") }
            appendJSON(status.rawValue)
            append(": ")
            append(summary.count(status))
        }
        append("}")
        let counts: [(String, Int)] = [
            ("blockedNewOrders", summary.blockedNewOrders), ("blockedSeatChanges", summary.blockedSeatChanges),
            ("seatsAffected", summary.seatsAffected), ("violations", summary.violations),
            ("rowsRejected", summary.rowsRejected), ("warnings", summary.warnings),
            ("otherAgreementTypes", summary.otherAgreementTypes),
        ] + (summary.notFetched.map { [("notFetched", $0)] } ?? [])
        for (key, value) in counts {
            append(separator)
            appendJSON(key)
            append(": ")
            append(value)
        }
        append(close)
    }

    /// One customer's state in one run (report.json `changes`).
    mutating func appendJSONSnapshot(_ snapshot: CustomerSnapshot) {
        append("{\"status\": ")
        appendJSON(snapshot.status.rawValue)
        append(", \"reasons\": ")
        appendJSONArray(snapshot.reasons)
        append(", \"newOrders\": ")
        appendJSON(snapshot.newOrders.rawValue)
        append(", \"seatChanges\": ")
        appendJSON(snapshot.seatChanges.rawValue)
        append(", \"seats\": ")
        append(snapshot.seats)
        append(", \"violations\": ")
        append(snapshot.violations)
        append("}")
    }

    mutating func appendJSONFinding(_ finding: Finding, redactor: Redactor) {
        append("{\"file\": ")
        appendJSON(finding.file)
        append(", \"line\": ")
        append(finding.line)
        append(", \"severity\": ")
        appendJSON(finding.severity.rawValue)
        append(", \"code\": ")
        appendJSON(finding.code.rawValue)
        append(", \"message\": ")
        appendJSON(redactor.scrub(finding.message))
        append("}")
    }

    mutating func appendJSONInput(_ input: InputSummary) {
        append("{\"kind\": ")
        appendJSON(input.kind.rawValue)
        append(", \"path\": ")
        appendJSON(input.path)
        append(", \"format\": ")
        appendJSON(input.format.rawValue)
        append(", \"sha256\": ")
        appendJSON(input.sha256)
        append(", \"rowsRead\": ")
        append(input.rowsRead)
        append(", \"rowsAccepted\": ")
        append(input.rowsAccepted)
        append(", \"rowsRejected\": ")
        append(input.rowsRejected)
        append("}")
    }

    private mutating func appendUnicodeEscape(_ unit: UInt16) {
        let hex = TextBuffer.hexDigits
        bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"),
                                  hex[Int(unit >> 12 & 0xF)], hex[Int(unit >> 8 & 0xF)],
                                  hex[Int(unit >> 4 & 0xF)], hex[Int(unit & 0xF)]])
    }
}
