import MCAModel

/// Watches the dates of one column of one file that `DateParser` could not read, and says which
/// `--date-format` would read them (README, "Inputs", Dates: a hint, never a guess).
///
/// The hint is advice only: it never changes what `DateParser` reads, and the rows it is about
/// are still judged as unreadable. Feed it, for ONE file and ONE column, every trimmed value that
/// `DateParser.parse(bytes:)` returned `nil` for (not the empty ones), then ask `hint(file:column:)`
/// or `suggestion` once the file is read. It keeps counts and flags only, never the values (the
/// first few examples excepted), so memory stays the same however many values it is given.
///
/// ## Known layouts
///
/// A value fits a known layout when it is a date part, optionally followed by one space and a
/// time part, exactly as below, and is a real date and time (`13/45/2018`, `2/30/2019` and
/// `25:00` fit nothing):
///
/// | date part | order | written by, for example |
/// | --- | --- | --- |
/// | `M/d/yyyy`, `MM/dd/yyyy` | month first | en-US .NET (`8/7/2018 12:00:00 AM`), Partner Center downloads (`10/3/2020`), Excel (`11/1/2018 0:00`) |
/// | `d/M/yyyy`, `dd/MM/yyyy` | day first | en-GB .NET (`25/12/2018 14:05:00`), fr-FR, es-ES, en-AU |
/// | `M-d-yyyy`, `MM-dd-yyyy` | month first | some US tools |
/// | `d-M-yyyy`, `dd-MM-yyyy` | day first | nl-NL, en-IN |
/// | `d.M.yyyy`, `dd.MM.yyyy` | day first (no culture writes dots month first) | de-DE (`07.11.2018 10:00:00`), de-CH, ru-RU, pl-PL |
/// | `yyyy/M/d`, `yyyy/MM/dd` | year, month, day | ja-JP (`2018/11/07`), zh-CN |
///
/// | time part | clock |
/// | --- | --- |
/// | none | |
/// | `H:mm`, `HH:mm` | 24-hour (`0:00`, `14:05`) |
/// | `H:mm:ss`, `HH:mm:ss` | 24-hour |
/// | `h:mm a`, `hh:mm a` | 12-hour with AM or PM (either case) |
/// | `h:mm:ss a`, `hh:mm:ss a` | 12-hour with AM or PM |
///
/// Every combination is in `knownLayouts`. The two-letter spelling (`dd/MM/yyyy`, `HH`) is
/// suggested only when the values show zero padding (some day or month, or hour, written `07`)
/// and none is written with one digit; otherwise the one-letter spelling, which reads both `7` and
/// `07`. With slashes or dashes and the year last, `7/8/2018` reads month first and day first;
/// `25/12/2018` only day first (25 is no month), `12/25/2018` only month first.
///
/// ## What is suggested
///
/// - Values that fix the order one way only (some month-first only, none day-first only, or the
///   reverse): the layouts of that order; the values that read both ways go with them.
/// - Every value reads both ways: both orders are named, and the message says the values cannot
///   tell month first from day first (`ambiguous`).
/// - Some values only month first and some only day first: the file mixes layouts; both are
///   named and nothing single is offered (`mixed`).
/// - Values of several shapes (with and without a time, say): one layout per shape, to be given
///   as repeated `--date-format` options (their order does not matter: each reads only its shape).
public struct DateLayoutSniffer: Sendable {
    /// Values given to `note`, whether or not they fit a known layout.
    public private(set) var noted = 0
    /// Fitting values that read month first only (`12/25/2018`).
    private var monthFirstOnly = 0
    /// Fitting values that read day first only (`25/12/2018`).
    private var dayFirstOnly = 0
    /// Fitting values with slashes or dashes that read both ways (`7/8/2018`).
    private var eitherOrder = 0
    /// Fitting values whose layout has one order only (dots, or the year first).
    private var oneOrder = 0
    /// Shapes seen, one bit per `Shape.index`.
    private var shapes: UInt32 = 0
    /// A day or month written `07` was seen / one written `7` was seen.
    private var datePadded = false, dateUnpadded = false
    /// An hour written `09` was seen / one written `9` was seen.
    private var hourPadded = false, hourUnpadded = false
    /// The first fitting value, and the first that reads only month first or only day first.
    private var firstExample: String?
    private var firstMonthFirstOnly: String?
    private var firstDayFirstOnly: String?

    public init() {}

    /// The number of values noted that fit a known layout.
    public var fitting: Int { monthFirstOnly + dayFirstOnly + eitherOrder + oneOrder }

    /// Notes one value `DateParser` could not read: trimmed UTF-8 bytes, not empty. Values that
    /// fit no known layout are counted in `noted` and otherwise ignored. No allocation, except a
    /// String for each of the first examples kept.
    public mutating func note(_ value: UnsafeRawBufferPointer) {
        noted += 1
        guard let v = Scanned(value.bindMemory(to: UInt8.self)) else { return }
        shapes |= 1 << v.shape
        if v.datePadded { datePadded = true }
        if v.dateUnpadded { dateUnpadded = true }
        if v.hourPadded { hourPadded = true }
        if v.hourUnpadded { hourUnpadded = true }
        switch v.order {
        case .one: oneOrder += 1
        case .either: eitherOrder += 1
        case .monthFirst:
            monthFirstOnly += 1
            if firstMonthFirstOnly == nil { firstMonthFirstOnly = String(decoding: value, as: UTF8.self) }
        case .dayFirst:
            dayFirstOnly += 1
            if firstDayFirstOnly == nil { firstDayFirstOnly = String(decoding: value, as: UTF8.self) }
        }
        if firstExample == nil { firstExample = String(decoding: value, as: UTF8.self) }
    }

    /// `note` of a String (tests, and callers that have one).
    public mutating func note(_ value: String) {
        var value = value
        value.withUTF8 { note(UnsafeRawBufferPointer($0)) }
    }

    /// The layouts that would read the fitting values, or `nil` when none fits a known layout.
    public var suggestion: DateLayoutSuggestion? {
        guard fitting > 0 else { return nil }
        let monthFirst = layouts(order: .monthFirst)
        let dayFirst = layouts(order: .dayFirst)
        var s = DateLayoutSuggestion(count: fitting, alternatives: [], ambiguous: false, mixed: false,
                                     monthFirstOnly: monthFirstOnly, dayFirstOnly: dayFirstOnly,
                                     example: firstExample)
        if monthFirstOnly + dayFirstOnly + eitherOrder == 0 {
            s.alternatives = [monthFirst]  // dots or the year first only: both orders spell the same
        } else if monthFirstOnly > 0, dayFirstOnly > 0 {
            s.alternatives = [monthFirst, dayFirst]
            s.mixed = true
            s.examples = [firstMonthFirstOnly, firstDayFirstOnly].compactMap { $0 }
        } else if monthFirstOnly > 0 {
            s.alternatives = [monthFirst]
        } else if dayFirstOnly > 0 {
            s.alternatives = [dayFirst]
        } else {
            s.alternatives = [monthFirst, dayFirst]
            s.ambiguous = true
        }
        return s
    }

    /// One message for this file and column, or `nil` when no value fits a known layout.
    /// - Parameters:
    ///   - file: the file as the run names it (`orders.csv`).
    ///   - column: the plural noun for the column's values (`creation dates`, `acceptance dates`).
    ///
    /// For example `orders.csv: 12 creation dates look like 'M/d/yyyy'; add --date-format "M/d/yyyy"`.
    public func hint(file: String, column: String) -> String? {
        guard let s = suggestion else { return nil }
        let subject = s.count == 1 ? "1 of the \(column) looks like" : "\(s.count) \(column) look like"
        func named(_ layouts: [String]) -> String { layouts.map { "'\($0)'" }.joined(separator: " and ") }
        func options(_ layouts: [String]) -> String { layouts.map { "--date-format \"\($0)\"" }.joined(separator: " ") }
        let several = s.alternatives.contains { $0.count > 1 }
        let or = several ? ", or " : " or "
        if s.mixed {
            func example(_ i: Int) -> String { i < s.examples.count ? " ('\(s.examples[i])')" : "" }
            let detail = "\(s.monthFirstOnly) can only be month-first\(example(0)), \(s.dayFirstOnly) only day-first\(example(1))"
            return "\(file): \(subject) \(s.alternatives.map(named).joined(separator: or)), but the file mixes"
                + " layouts (\(detail)), so no --date-format reads all of them right"
        }
        if s.ambiguous {
            return "\(file): \(subject) \(s.alternatives.map(named).joined(separator: or)), and the values"
                + " cannot tell month-first from day-first; add \(s.alternatives.map(options).joined(separator: " or ")),"
                + " whichever the exporting machine used"
        }
        return "\(file): \(subject) \(named(s.layouts)); add \(options(s.layouts))"
    }

    /// Every layout a hint can name; `DateParser` accepts each of them.
    public static let knownLayouts: [String] = {
        var all: [String] = []
        for shape in 0..<Shape.count {
            for order in [Order.monthFirst, .dayFirst] {
                for datePadded in [false, true] {
                    for hourPadded in [false, true] {
                        let layout = spelling(shape: shape, order: order, datePadded: datePadded, hourPadded: hourPadded)
                        if !all.contains(layout) { all.append(layout) }
                    }
                }
            }
        }
        return all
    }()

    // MARK: - Layouts

    /// The layouts of the shapes seen, in `Shape.index` order, spelled for `order`.
    private func layouts(order: Order) -> [String] {
        let date = datePadded && !dateUnpadded, hour = hourPadded && !hourUnpadded
        var result: [String] = []
        for shape in 0..<Shape.count where shapes & (1 << shape) != 0 {
            result.append(DateLayoutSniffer.spelling(shape: shape, order: order, datePadded: date, hourPadded: hour))
        }
        return result
    }

    /// The `--date-format` pattern of a shape. `order` is `.monthFirst` or `.dayFirst`; shapes
    /// with one order only (dots, the year first) ignore it.
    private static func spelling(shape: Int, order: Order, datePadded: Bool, hourPadded: Bool) -> String {
        let (d, m) = datePadded ? ("dd", "MM") : ("d", "M")
        let date: String
        switch Shape.date(shape) {
        case .slashYearLast: date = order == .dayFirst ? "\(d)/\(m)/yyyy" : "\(m)/\(d)/yyyy"
        case .dashYearLast: date = order == .dayFirst ? "\(d)-\(m)-yyyy" : "\(m)-\(d)-yyyy"
        case .dotYearLast: date = "\(d).\(m).yyyy"
        case .slashYearFirst: date = "yyyy/\(m)/\(d)"
        }
        let h24 = hourPadded ? "HH" : "H", h12 = hourPadded ? "hh" : "h"
        switch Shape.time(shape) {
        case .none: return date
        case .hourMinute: return "\(date) \(h24):mm"
        case .hourMinuteSecond: return "\(date) \(h24):mm:ss"
        case .hourMinuteAMPM: return "\(date) \(h12):mm a"
        case .hourMinuteSecondAMPM: return "\(date) \(h12):mm:ss a"
        }
    }

    // MARK: - Reading a value

    fileprivate enum Order { case one, either, monthFirst, dayFirst }

    /// A shape is a date part and a time part; `index` = date part * 5 + time part (20 shapes).
    fileprivate enum Shape {
        enum DatePart: Int, CaseIterable { case slashYearLast, dashYearLast, dotYearLast, slashYearFirst }
        enum TimePart: Int, CaseIterable { case none, hourMinute, hourMinuteSecond, hourMinuteAMPM, hourMinuteSecondAMPM }
        static let count = DatePart.allCases.count * TimePart.allCases.count
        static func index(_ date: DatePart, _ time: TimePart) -> Int { date.rawValue * TimePart.allCases.count + time.rawValue }
        static func date(_ index: Int) -> DatePart { DatePart(rawValue: index / TimePart.allCases.count) ?? .slashYearLast }
        static func time(_ index: Int) -> TimePart { TimePart(rawValue: index % TimePart.allCases.count) ?? .none }
    }

    /// What one value looks like, read in one pass over its bytes; `nil` when it fits no known
    /// layout or is not a real date and time in any order its layout allows.
    fileprivate struct Scanned {
        var shape: Int
        var order: Order
        var datePadded = false, dateUnpadded = false
        var hourPadded = false, hourUnpadded = false

        init?(_ b: UnsafeBufferPointer<UInt8>) {
            var i = 0
            /// A run of digits at `i`: its value, its width and whether it starts with `0`.
            func run() -> (value: Int, width: Int, zero: Bool)? {
                let start = i
                var v = 0
                while i < b.count, b[i] >= 48, b[i] <= 57, i - start < 5 { v = v * 10 + Int(b[i] - 48); i += 1 }
                let w = i - start
                return w == 0 ? nil : (v, w, b[start] == 48)
            }
            // Date part: three numbers and two equal separators.
            guard let n1 = run(), i < b.count else { return nil }
            let sep = b[i]
            guard sep == UInt8(ascii: "/") || sep == UInt8(ascii: "-") || sep == UInt8(ascii: ".") else { return nil }
            i += 1
            guard let n2 = run(), i < b.count, b[i] == sep else { return nil }
            i += 1
            guard let n3 = run() else { return nil }
            let datePart: Shape.DatePart
            if n1.width == 4, (1...2).contains(n2.width), (1...2).contains(n3.width), sep == UInt8(ascii: "/") {
                guard DayDate(year: n1.value, month: n2.value, day: n3.value) != nil else { return nil }
                datePart = .slashYearFirst
                order = .one
            } else if n3.width == 4, (1...2).contains(n1.width), (1...2).contains(n2.width) {
                let monthFirst = DayDate(year: n3.value, month: n1.value, day: n2.value) != nil
                let dayFirst = DayDate(year: n3.value, month: n2.value, day: n1.value) != nil
                if sep == UInt8(ascii: ".") {
                    guard dayFirst else { return nil }
                    datePart = .dotYearLast
                    order = .one
                } else {
                    datePart = sep == UInt8(ascii: "/") ? .slashYearLast : .dashYearLast
                    switch (monthFirst, dayFirst) {
                    case (true, true): order = .either
                    case (true, false): order = .monthFirst
                    case (false, true): order = .dayFirst
                    case (false, false): return nil
                    }
                }
            } else {
                return nil
            }
            // Day and month are the two numbers beside the year; both are 1 or 2 digits wide.
            let (a, c) = datePart == .slashYearFirst ? (n2, n3) : (n1, n2)
            if a.width == 1 || c.width == 1 { dateUnpadded = true }
            if (a.width == 2 && a.zero) || (c.width == 2 && c.zero) { datePadded = true }
            // Time part: nothing, or one space, H:mm[:ss] and optionally one space and AM or PM.
            if i == b.count {
                shape = Shape.index(datePart, .none)
                return
            }
            guard b[i] == 0x20 else { return nil }
            i += 1
            guard let hour = run(), hour.width <= 2, i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            guard let minute = run(), minute.width == 2, minute.value <= 59 else { return nil }
            var withSeconds = false
            if i < b.count, b[i] == UInt8(ascii: ":") {
                i += 1
                guard let second = run(), second.width == 2, second.value <= 59 else { return nil }
                withSeconds = true
            }
            var twelveHour = false
            if i < b.count {
                guard b.count - i == 3, b[i] == 0x20, b[i + 2] | 0x20 == UInt8(ascii: "m"),
                      b[i + 1] | 0x20 == UInt8(ascii: "a") || b[i + 1] | 0x20 == UInt8(ascii: "p") else { return nil }
                twelveHour = true
            }
            guard twelveHour ? (1...12).contains(hour.value) : hour.value <= 23 else { return nil }
            if hour.width == 1 { hourUnpadded = true } else if hour.zero { hourPadded = true }
            let timePart: Shape.TimePart = switch (twelveHour, withSeconds) {
            case (false, false): .hourMinute
            case (false, true): .hourMinuteSecond
            case (true, false): .hourMinuteAMPM
            case (true, true): .hourMinuteSecondAMPM
            }
            shape = Shape.index(datePart, timePart)
        }
    }
}

/// What a `DateLayoutSniffer` suggests for one file and column.
public struct DateLayoutSuggestion: Sendable, Equatable {
    /// Fitting values: those noted that fit a known layout.
    public var count: Int
    /// The ways to read them, each a list of `--date-format` layouts given together (one per
    /// shape of value seen). One alternative normally; two, month-first then day-first, when the
    /// values are `ambiguous` or `mixed`.
    public var alternatives: [[String]]
    /// Every value reads both month first and day first: nothing tells them apart, both are named.
    public var ambiguous: Bool
    /// Some values read month first only and others day first only: the file mixes layouts, and
    /// no single set of layouts reads all of them right.
    public var mixed: Bool
    /// Fitting values that read month first only, and day first only.
    public var monthFirstOnly: Int
    public var dayFirstOnly: Int
    /// The first fitting value.
    public var example: String?
    /// When `mixed`: the first month-first-only value, then the first day-first-only one.
    public var examples: [String] = []

    /// Every layout named, in the order named, each once.
    public var layouts: [String] {
        var all: [String] = []
        for layout in alternatives.joined() where !all.contains(layout) { all.append(layout) }
        return all
    }
}
