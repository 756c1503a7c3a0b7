import MCAModel

/// `manifest.json`: what the run read, with which parameters, and the SHA-256 of every other file
/// written, so an auditor can prove later that a report is the one this run produced.
enum Manifest {
    static let fileName = "manifest.json"

    /// - Parameter files: name → SHA-256 of the files already written.
    static func write(_ context: ReportContext, files: [(name: String, sha256: String)], to file: ReportFile) throws {
        let result = context.result
        let options = context.options
        try file.append { t in
            t.append("{\n  \"schemaVersion\": 1,\n  \"tool\": \"mca-audit\",\n  \"toolVersion\": ")
            t.appendJSON(options.toolVersion)
            t.append(",\n  \"asOf\": ")
            t.appendJSON(result.asOf)
            t.append(",\n  \"runDate\": ")
            t.appendJSON(result.runDate)
            t.append(",\n  \"timeZone\": ")
            t.appendJSON(result.timeZone)
            t.append(",\n  \"policy\": ")
            t.appendJSONPolicy(result.policy, indent: "  ")
            t.append(",\n  \"formats\": ")
            t.appendJSONArray(ReportFormat.allCases.filter { options.formats.contains($0) }.map(\.rawValue))
            t.append(",\n  \"redacted\": ")
            t.append(options.redact ? "true" : "false")
            if options.splitByReseller { t.append(",\n  \"splitBy\": \"reseller\"") }
            t.append(",\n  \"inputs\": ")
        }
        let inputs = result.inputs
        try ReportJSON.writeArray(count: inputs.count, to: file, last: false) { t, i in t.appendJSONInput(inputs[i]) }
        try file.append { t in
            t.append("  \"files\": {")
            for (i, entry) in files.sorted(by: { $0.name < $1.name }).enumerated() {
                t.append(i == 0 ? "\n    " : ",\n    ")
                t.appendJSON(entry.name)
                t.append(": ")
                t.appendJSON(entry.sha256)
            }
            t.append(files.isEmpty ? "}\n}\n" : "\n  }\n}\n")
        }
    }
}
