import Foundation
import MCAModel

/// Reads dates and date-times into calendar dates in the audit time zone (README, "Inputs", Dates).
///
/// ISO 8601 dates and date-times are always read; a date-time without a zone is UTC and is
/// converted to the audit time zone before its date is taken; a plain date is taken as written.
/// More layouts can be given as patterns (`M/d/yyyy h:mm:ss a`, one per `--date-format`); they
/// are tried in the order given, after ISO 8601, and the first that reads the text wins.
/// Nothing is guessed: `8/7/2018` is invalid unless a pattern says which number is the month,
/// and impossible values (`13/45/2018`, `2018-02-30`, `25:00`) are invalid, never rolled over.
public final class DateParser: @unchecked Sendable {
    /// The layouts given, in the order they are tried (after ISO 8601).
    public let patterns: [String]
    private let timeZone: TimeZone
    private let isUTC: Bool
    /// `patterns`, compiled once; `parse(bytes:)` only walks them.
    private let compiled: [[PatternToken]]
    /// UTC offset by hour of instant; time zones change offset on hour boundaries in practice.
    private var offsetCache: [Int: Int] = [:]
    private let lock = NSLock()

    /// - Parameters:
    ///   - timeZone: the audit time zone (`--time-zone`); UTC by default.
    ///   - patterns: the extra layouts (every `--date-format`, in the order given); none by default.
    /// - Throws: `DatePatternError` naming the first pattern that cannot be used.
    public init(timeZone: TimeZone = .gmt, patterns: [String] = []) throws {
        self.timeZone = timeZone
        self.isUTC = timeZone.identifier == "UTC" || timeZone.identifier == "GMT"
            || (timeZone.secondsFromGMT() == 0 && timeZone.nextDaylightSavingTimeTransition == nil)
        self.patterns = patterns
        self.compiled = try patterns.map(DateParser.compile)
    }

    /// One extra layout, or none: `init(timeZone:patterns:)` with `[pattern]` or `[]`.
    /// - Throws: `DatePatternError` when the pattern cannot be used.
    public convenience init(timeZone: TimeZone = .gmt, pattern: String?) throws {
        try self.init(timeZone: timeZone, patterns: pattern.map { [$0] } ?? [])
    }

    /// The calendar date of `text` in the audit time zone, or `nil` when it cannot be read.
    /// `text` must already be trimmed; empty text is `nil` (the caller tells missing from invalid).
    public func parse(_ text: String) -> DayDate? {
        var text = text
        return text.withUTF8 { parse(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// `parse` of UTF-8 bytes (already trimmed), without making a String.
    public func parse(bytes raw: UnsafeRawBufferPointer) -> DayDate? {
        let bytes = raw.bindMemory(to: UInt8.self)
        if let v = parseISO(bytes) { return resolve(v) }
        for tokens in compiled {
            if let v = parsePattern(bytes, tokens) { return resolve(v) }
        }
        return nil
    }

    // MARK: - Parsed value

    private struct Parsed {
        var date: DayDate
        /// Seconds since midnight, or `nil` for a plain date.
        var seconds: Int?
        /// Offset from UTC in seconds when the text gave one; a date-time without one is UTC.
        var offset: Int?
    }

    private func resolve(_ v: Parsed) -> DayDate {
        guard let seconds = v.seconds else { return v.date }
        let instant = v.date.daysSinceEpoch * 86_400 + seconds - (v.offset ?? 0)
        let local = instant + (isUTC ? 0 : offset(at: instant))
        return DayDate(daysSinceEpoch: floorDiv(local, 86_400))
    }

    private func offset(at instant: Int) -> Int {
        let hour = floorDiv(instant, 3_600)
        lock.lock()
        defer { lock.unlock() }
        if let o = offsetCache[hour] { return o }
        let o = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(hour * 3_600)))
        if offsetCache.count > 1_000_000 { offsetCache.removeAll() }
        offsetCache[hour] = o
        return o
    }

    // MARK: - ISO 8601

    /// `YYYY-MM-DD`, optionally `T` or a space and `HH:MM[:SS[.fff…]]`, optionally `Z` or `±HH[:]MM`.
    private func parseISO(_ b: UnsafeBufferPointer<UInt8>) -> Parsed? {
        guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D,
              let y = number(b, 0, 4), let m = number(b, 5, 2), let d = number(b, 8, 2),
              let date = DayDate(year: y, month: m, day: d) else { return nil }
        if b.count == 10 { return Parsed(date: date, seconds: nil, offset: nil) }
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 0x20, b.count >= 16,
              let hh = number(b, 11, 2), b[13] == 0x3A, let mm = number(b, 14, 2), hh <= 23, mm <= 59 else { return nil }
        var seconds = hh * 3_600 + mm * 60
        var i = 16
        if i < b.count, b[i] == 0x3A {
            guard let ss = number(b, i + 1, 2), ss <= 59 else { return nil }
            seconds += ss
            i += 3
            if i < b.count, b[i] == 0x2E || b[i] == 0x2C {  // fraction: read and dropped
                i += 1
                let digitsStart = i
                while i < b.count, isDigit(b[i]) { i += 1 }
                guard i > digitsStart else { return nil }
            }
        }
        if i == b.count { return Parsed(date: date, seconds: seconds, offset: nil) }
        guard let (offset, next) = zone(b, i), next == b.count else { return nil }
        return Parsed(date: date, seconds: seconds, offset: offset)
    }

    /// `Z`, `+HH:MM`, `+HHMM` or `+HH` (also `-`) at `i`; returns the offset and the index after it.
    private func zone(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int)? {
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return (0, i + 1) }
        guard b[i] == 0x2B || b[i] == 0x2D, let hh = number(b, i + 1, 2), hh <= 14 else { return nil }
        let sign = b[i] == 0x2D ? -1 : 1
        var j = i + 3
        var mm = 0
        if j < b.count, b[j] == 0x3A { j += 1 }
        if j < b.count {
            guard let m = number(b, j, 2), m <= 59 else { return nil }
            mm = m
            j += 2
        }
        return (sign * (hh * 3_600 + mm * 60), j)
    }

    // MARK: - Pattern

    private enum PatternToken: Equatable {
        case year4, month(Int), day(Int), hour24(Int), hour12(Int), minute(Int), second(Int), fraction, ampm, zone
        case literal(UInt8)
    }

    private static func compile(_ pattern: String) throws -> [PatternToken] {
        var tokens: [PatternToken] = []
        let chars = Array(pattern.utf8)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            var run = 1
            while i + run < chars.count, chars[i + run] == c { run += 1 }
            let token: PatternToken
            switch (UnicodeScalar(c), run) {
            case ("y", 4): token = .year4
            case ("M", 1), ("M", 2): token = .month(run)
            case ("d", 1), ("d", 2): token = .day(run)
            case ("H", 1), ("H", 2): token = .hour24(run)
            case ("h", 1), ("h", 2): token = .hour12(run)
            case ("m", 1), ("m", 2): token = .minute(run)
            case ("s", 1), ("s", 2): token = .second(run)
            case ("S", _): token = .fraction
            case ("a", 1): token = .ampm
            case ("X", _), ("Z", _), ("x", _): token = .zone
            case (let u, _) where !(("a"..."z").contains(u) || ("A"..."Z").contains(u)):
                for _ in 0..<run { tokens.append(.literal(c)) }
                i += run
                continue
            default:
                throw DatePatternError(pattern: pattern,
                                       reason: "unsupported token '\(String(repeating: Character(UnicodeScalar(c)), count: run))' (use yyyy, M, MM, d, dd, H, HH, h, hh, m, mm, s, ss, S…, a, XXX)")
            }
            tokens.append(token)
            i += run
        }
        guard tokens.contains(.year4), tokens.contains(where: { if case .month = $0 { true } else { false } }),
              tokens.contains(where: { if case .day = $0 { true } else { false } }) else {
            throw DatePatternError(pattern: pattern, reason: "a pattern needs yyyy, M and d: a date is never guessed")
        }
        return tokens
    }

    private func parsePattern(_ b: UnsafeBufferPointer<UInt8>, _ tokens: [PatternToken]) -> Parsed? {
        var i = 0
        var y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0
        var hasTime = false
        var pm: Bool?
        var twelve = false
        var offset: Int?
        func digits(_ minCount: Int, _ maxCount: Int) -> Int? {
            var v = 0, n = 0
            while n < maxCount, i < b.count, isDigit(b[i]) { v = v * 10 + Int(b[i] - 48); i += 1; n += 1 }
            return n >= minCount ? v : nil
        }
        for t in tokens {
            switch t {
            case .year4: guard let v = digits(4, 4) else { return nil }; y = v
            case .month(let w): guard let v = digits(w, 2) else { return nil }; mo = v
            case .day(let w): guard let v = digits(w, 2) else { return nil }; d = v
            case .hour24(let w): guard let v = digits(w, 2), v <= 23 else { return nil }; h = v; hasTime = true
            case .hour12(let w): guard let v = digits(w, 2), (1...12).contains(v) else { return nil }; h = v; twelve = true; hasTime = true
            case .minute(let w): guard let v = digits(w, 2), v <= 59 else { return nil }; mi = v; hasTime = true
            case .second(let w): guard let v = digits(w, 2), v <= 59 else { return nil }; s = v
            case .fraction: guard digits(1, 9) != nil else { return nil }
            case .ampm:
                guard i + 1 < b.count else { return nil }
                let a = b[i] | 0x20, m = b[i + 1] | 0x20
                guard m == UInt8(ascii: "m"), a == UInt8(ascii: "a") || a == UInt8(ascii: "p") else { return nil }
                pm = a == UInt8(ascii: "p")
                i += 2
            case .zone:
                guard let (o, next) = zone(b, i) else { return nil }
                offset = o
                i = next
            case .literal(let c):
                guard i < b.count, b[i] == c else { return nil }
                i += 1
            }
        }
        guard i == b.count, let date = DayDate(year: y, month: mo, day: d) else { return nil }
        if twelve {
            guard let pm else { return nil }
            h = h % 12 + (pm ? 12 : 0)
        }
        return Parsed(date: date, seconds: hasTime ? h * 3_600 + mi * 60 + s : nil, offset: offset)
    }
}

/// A `--date-format` pattern that cannot be used.
public struct DatePatternError: Error, Sendable, CustomStringConvertible {
    public var pattern: String
    public var reason: String
    public var description: String { "date format '\(pattern)': \(reason)" }
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

private func number(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
    guard start + count <= b.count else { return nil }
    var v = 0
    for i in start..<(start + count) {
        guard isDigit(b[i]) else { return nil }
        v = v * 10 + Int(b[i] - 48)
    }
    return v
}

@inline(__always) private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
