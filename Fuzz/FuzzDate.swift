// libFuzzer target for DateParser (Scripts/fuzz.sh date SECONDS).
//
// An input is `PATTERN\nTEXT` (a --date-format pattern and a value) or just `TEXT`. The value
// is parsed as ISO only, with the pattern, in UTC and in zones at the far ends of the offsets
// (+14:00, -11:00, a half-hour zone with daylight saving). Checked besides "no crash":
// - a pattern that compiles holds yyyy, M and d (a date is never guessed);
// - ISO parsing succeeds only for text that starts with a real YYYY-MM-DD date, gives exactly
//   that date for a plain date and at most a day away for a date-time;
// - a pattern parser gives the ISO result whenever ISO parsing succeeds (ISO is always read);
// - the same text in another zone is at most one day away from its UTC date, and a plain date
//   is the same in every zone;
// - a result round-trips through `iso` when its year is 1…9999, and parsing is repeatable.
import Foundation
import MCAIngest
import MCAModel

private let utc = try! DateParser()
private let zones = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns", "Australia/Lord_Howe"].map {
    try! DateParser(timeZone: TimeZone(identifier: $0)!)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    var patternText: String?
    var valueBytes = bytes[...]
    if let nl = bytes.firstIndex(of: 0x0A) {
        patternText = String(decoding: bytes[..<nl], as: UTF8.self)
        valueBytes = bytes[(nl + 1)...]
    }
    let text = String(decoding: valueBytes, as: UTF8.self)

    let iso = utc.parse(text)
    require(utc.parse(text) == iso, "date: parsing '\(text)' twice differs")
    if let iso {
        let head = Array(text.utf8.prefix(10))
        let written = head.count == 10 ? DayDate(iso: String(decoding: head, as: UTF8.self)) : nil
        require(written != nil, "date: ISO accepted '\(text)', which does not start with a valid YYYY-MM-DD")
        if let written {
            if text.utf8.count == 10 { require(iso == written, "date: plain date '\(text)' read as \(iso)") }
            require(abs(iso - written) <= 1, "date: '\(text)' read as \(iso), more than a day from \(written)")
        }
        if (1...9999).contains(iso.components.year) {
            require(DayDate(iso: iso.iso) == iso, "date: \(iso.daysSinceEpoch) does not round-trip through '\(iso.iso)'")
        }
    }
    for zoned in zones {
        let local = zoned.parse(text)
        require((local == nil) == (iso == nil), "date: '\(text)' read in one zone and not in another")
        if let local, let iso {
            require(abs(local - iso) <= 1, "date: '\(text)' is \(iso) in UTC but \(local) in a zone")
            if text.utf8.count == 10 { require(local == iso, "date: plain date '\(text)' moved with the zone") }
        }
    }

    guard let patternText, let parser = try? DateParser(pattern: patternText) else { return 0 }
    let bytesOfPattern = Array(patternText.utf8)
    require(bytesOfPattern.contains(UInt8(ascii: "y")) && bytesOfPattern.contains(UInt8(ascii: "M"))
            && bytesOfPattern.contains(UInt8(ascii: "d")), "date: pattern '\(patternText)' compiled without yyyy, M and d")
    let patterned = parser.parse(text)
    require(parser.parse(text) == patterned, "date: pattern parse of '\(text)' twice differs")
    if let iso { require(patterned == iso, "date: with pattern '\(patternText)', '\(text)' is \(String(describing: patterned)), ISO says \(iso)") }
    if let patterned, (1...9999).contains(patterned.components.year) {
        require(DayDate(iso: patterned.iso) == patterned, "date: \(patterned.daysSinceEpoch) does not round-trip")
    }
    let zonedPattern = try? DateParser(timeZone: TimeZone(identifier: "Pacific/Kiritimati")!, pattern: patternText)
    if let zonedPattern {
        let local = zonedPattern.parse(text)
        require((local == nil) == (patterned == nil), "date: pattern '\(patternText)' reads '\(text)' in UTC but not in +14")
        if let local, let patterned { require(abs(local - patterned) <= 1, "date: pattern result moved more than a day") }
    }
    return 0
}
