import Foundation
import Logging

/// How log lines on stderr are written (`--log-format`).
public enum LogFormat: String, CaseIterable, Sendable {
    /// For people: findings as `file:line: severity: message [CODE]`, everything else as `mca-audit: message`.
    case text
    /// For log collectors: one JSON object per line.
    case json
}

/// A swift-log handler that writes one line per entry to stderr (or to any sink, for tests).
///
/// A finding is logged with the metadata `file`, `line`, `severity` and `code`; the text format
/// turns those into the compiler-style diagnostic, the JSON format keeps them as fields.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: LogFormat
    private let sink: @Sendable (String) -> Void

    /// - Parameters:
    ///   - format: Text or JSON lines.
    ///   - sink: Receives each line without its line break (default: stderr).
    public init(format: LogFormat, sink: @escaping @Sendable (String) -> Void = StderrLogHandler.standardError) {
        self.format = format
        self.sink = sink
    }

    /// Writes `line` and a line break to stderr.
    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A logger named `mca-audit` with this handler.
    public static func logger(format: LogFormat, level: Logger.Level = .info,
                              sink: @escaping @Sendable (String) -> Void = StderrLogHandler.standardError) -> Logger {
        var logger = Logger(label: "mca-audit") { _ in StderrLogHandler(format: format, sink: sink) }
        logger.logLevel = level
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let own = event.metadata { all.merge(own) { $1 } }
        switch format {
        case .text: sink(StderrLogHandler.text(event, all))
        case .json: sink(StderrLogHandler.json(event, all))
        }
    }

    static func text(_ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        if let file = metadata["file"], let line = metadata["line"], let code = metadata["code"] {
            let severity = metadata["severity"].map { "\($0)" } ?? "\(event.level)"
            return terminalSafe("\(file):\(line): \(severity): \(event.message) [\(code)]")
        }
        if let code = metadata["code"] {  // a notice about the whole run
            return terminalSafe("mca-audit: \(event.level): \(event.message) [\(code)]")
        }
        // A run's own message may span lines (a fatal finding, then what it means for the run).
        return "mca-audit: " + event.message.description.split(separator: "\n", omittingEmptySubsequences: false)
            .map { terminalSafe(String($0)) }.joined(separator: "\n")
    }

    /// `text` with every control character (C0, DEL, C1: ESC sequences, BEL, carriage returns,
    /// line breaks) written as `\u{1B}`, so a value from an input file can neither drive the
    /// terminal that shows stderr nor forge a diagnostic line of its own.
    static func terminalSafe(_ text: String) -> String {
        let isControl: (Unicode.Scalar) -> Bool = { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func json(_ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var line = "{\"time\": "
        appendJSONString(ISO8601DateFormatter().string(from: Date()), to: &line)
        line += ", \"level\": "
        appendJSONString(event.level.rawValue, to: &line)
        line += ", \"message\": "
        appendJSONString(event.message.description, to: &line)
        for key in metadata.keys.sorted() {
            line += ", "
            appendJSONString(key, to: &line)
            line += ": "
            let value = "\(metadata[key].map { "\($0)" } ?? "")"
            if key == "line" || key == "exitCode", let number = Int(value) {
                line += String(number)
            } else {
                appendJSONString(value, to: &line)
            }
        }
        return line + "}"
    }

    private static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x2028 || c.value == 0x2029:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
