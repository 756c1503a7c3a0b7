import Foundation
import MCAModel

/// What `audit --fetched DIR` stands for: the four exports `mca-audit fetch` wrote into `DIR`, or
/// into the folder `DIR/latest` points at, and its `fetch-failures.csv` (README, "Fetching from
/// Partner Center").
public struct FetchedExports: Sendable, Equatable {
    /// The folder the files are in (`DIR` or `DIR/latest` resolved).
    public var folder: String
    public var inputs: [InputSpec]
    /// `fetch-failures.csv`, when the folder has one.
    public var failures: String?

    static let files: [(InputKind, String)] = [(.customers, "customers.json"), (.agreements, "agreements.json"),
                                               (.subscriptions, "subscriptions.json"), (.orders, "orders.json")]

    /// Finds the fetch in `dir`.
    /// - Throws: `AuditFailure(.noInput)` when neither `dir` nor `dir/latest` holds a complete fetch.
    public static func locate(_ dir: String) throws -> FetchedExports {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw AuditFailure(.noInput, "--fetched \(dir): folder not found")
        }
        let candidates = [dir, dir + "/latest"]
        guard let folder = candidates.first(where: { fm.fileExists(atPath: $0 + "/customers.json") }) else {
            throw AuditFailure(.noInput, "--fetched \(dir): no customers.json in it nor in \(dir)/latest; run mca-audit fetch --out \(dir) first")
        }
        var inputs: [InputSpec] = []
        for (kind, name) in files {
            let path = folder + "/" + name
            guard fm.fileExists(atPath: path) else {
                throw AuditFailure(.noInput, "\(path): \(kind.rawValue) file of the fetch not found (an incomplete fetch folder?)")
            }
            inputs.append(InputSpec(kind: kind, path: path, format: .json))
        }
        let failures = folder + "/fetch-failures.csv"
        return FetchedExports(folder: folder, inputs: inputs, failures: fm.fileExists(atPath: failures) ? failures : nil)
    }

    /// One `NOT_FETCHED` finding per customer listed in `fetch-failures.csv`, at the line of its first row.
    /// - Throws: `AuditFailure(.noInput)` when the file cannot be read, `.dataError` when it is not the
    ///   file `fetch` writes.
    public static func notFetched(failuresFile path: String) throws -> [Finding] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditFailure(.noInput, "\(path): cannot read the fetch failures")
        }
        let records = FailureCSV.records(String(decoding: data, as: UTF8.self))
        guard let header = records.first,
              header.fields.map({ $0.lowercased() }) == ["customerid", "request", "status", "correlationid", "message"] else {
            throw AuditFailure(.dataError, "\(path):1: not a fetch-failures.csv (header customerId,request,status,correlationId,message)")
        }
        var order: [String] = []
        var byCustomer: [String: (line: Int, rows: Int, first: [String])] = [:]
        for record in records.dropFirst() where record.fields.count >= 5 {
            let id = record.fields[0].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { continue }
            let key = id.lowercased()
            if var seen = byCustomer[key] {
                seen.rows += 1
                byCustomer[key] = seen
            } else {
                byCustomer[key] = (record.line, 1, record.fields)
                order.append(key)
            }
        }
        return order.compactMap { key in
            guard let entry = byCustomer[key] else { return nil }
            let f = entry.first
            let status = f[2].isEmpty ? "no answer" : "HTTP \(f[2])"
            let more = entry.rows > 1 ? " and \(entry.rows - 1) more failed requests" : ""
            return Finding(file: path, line: entry.line, code: .notFetched,
                           message: "customer '\(f[0])' was not fetched completely (\(f[1]): \(status)\(more)); "
                                    + "its outcome rests on incomplete data")
        }
    }
}

/// A small RFC 4180 reader for `fetch-failures.csv` (a few rows per failed customer), with the
/// physical line each record starts on.
enum FailureCSV {
    struct Record {
        var line: Int
        var fields: [String]
    }

    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var start = 1
        var chars = Array(text.unicodeScalars)[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }
        var i = chars.startIndex
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: start, fields: fields)) }
            fields = []
            field = ""
        }
        while i < chars.endIndex {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if chars.index(after: i) < chars.endIndex, chars[chars.index(after: i)] == "\"" {
                        field.unicodeScalars.append("\"")
                        i = chars.index(after: i)
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else if c == "\n" || c == "\r" {
                if c == "\r", chars.index(after: i) < chars.endIndex, chars[chars.index(after: i)] == "\n" { i = chars.index(after: i) }
                endRecord()
                line += 1
                start = line
            } else {
                field.unicodeScalars.append(c)
            }
            i = chars.index(after: i)
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
