// mca-bench: reads one export through a reader and the row mapper and prints throughput.
// Used by Scripts/bench-readers.sh; not part of the product's command line.
//
//   mca-bench KIND FILE [--raw]      KIND = customers | agreements | orders; --raw skips the row mapper
import Foundation
import MCAIngest
import MCAModel

let args = CommandLine.arguments.dropFirst()
guard args.count >= 2, let kind = InputKind(rawValue: args[args.startIndex]),
      let format = InputFormat(path: args[args.startIndex + 1]) else {
    FileHandle.standardError.write(Data("usage: mca-bench customers|agreements|orders FILE.(csv|xml|json) [--raw]\n".utf8))
    exit(64)
}
let path = args[args.startIndex + 1]
let rawOnly = args.contains("--raw")
let reader: any RecordReader = switch format {
case .csv: CSVRecordReader()
case .xml: XMLRecordReader()
case .json: JSONRecordReader()
}
let mapper = RowMapper(dates: try DateParser())
var rows = 0, rejected = 0
let start = Date()
do {
    let source = try FileByteSource(path: path)
    try reader.read(source, schema: .forKind(kind)) { raw in
        rows += 1
        guard !rawOnly else { return }
        let ok: Bool
        switch kind {
        case .customers: if case .success = mapper.customer(raw) { ok = true } else { ok = false }
        case .agreements: if case .success = mapper.agreement(raw) { ok = true } else { ok = false }
        case .subscriptions: if case .success = mapper.subscription(raw) { ok = true } else { ok = false }
        case .orders: if case .success = mapper.orderLine(raw) { ok = true } else { ok = false }
        }
        if !ok { rejected += 1 }
    }
} catch {
    FileHandle.standardError.write(Data("mca-bench: \(error)\n".utf8))
    exit(65)
}
let seconds = Date().timeIntervalSince(start)
let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
let mb = Double(bytes) / 1_000_000
print(String(format: "%@ %@ %@: %d rows (%d rejected), %.1f MB in %.3f s = %.0f MB/s",
             format.rawValue, kind.rawValue, rawOnly ? "raw" : "mapped", rows, rejected, mb, seconds, mb / seconds))
