import Foundation
import MCAIngest
import MCAModel
import Testing

@Suite struct DateLayoutHintTests {
    static func sniff(_ values: [String]) -> DateLayoutSniffer {
        var sniffer = DateLayoutSniffer()
        for v in values { sniffer.note(v) }
        return sniffer
    }

    /// The hard rule: what the hint suggests is a pattern `DateParser` accepts, and it reads the
    /// value it was suggested for to the right date. One expected date per alternative: month
    /// first, then day first, where the value reads both ways.
    @Test(arguments: [
        ("8/7/2018 12:00:00 AM", [["M/d/yyyy h:mm:ss a"], ["d/M/yyyy h:mm:ss a"]], ["2018-08-07", "2018-07-08"]),
        ("10/1/2018 4:20:00 PM", [["M/d/yyyy h:mm:ss a"], ["d/M/yyyy h:mm:ss a"]], ["2018-10-01", "2018-01-10"]),
        ("12/25/2018 11:59:59 pm", [["M/d/yyyy h:mm:ss a"]], ["2018-12-25"]),
        ("02/29/2020 08:15 AM", [["MM/dd/yyyy hh:mm a"]], ["2020-02-29"]),
        ("11/1/2018 0:00", [["M/d/yyyy H:mm"], ["d/M/yyyy H:mm"]], ["2018-11-01", "2018-01-11"]),
        ("10/3/2020", [["M/d/yyyy"], ["d/M/yyyy"]], ["2020-10-03", "2020-03-10"]),
        ("25/12/2018 14:05:00", [["d/M/yyyy H:mm:ss"]], ["2018-12-25"]),
        ("03/07/2019 09:00:00", [["MM/dd/yyyy HH:mm:ss"], ["dd/MM/yyyy HH:mm:ss"]], ["2019-03-07", "2019-07-03"]),
        ("29/02/2020", [["dd/MM/yyyy"]], ["2020-02-29"]),
        ("31-12-2018", [["d-M-yyyy"]], ["2018-12-31"]),
        ("7.11.2018", [["d.M.yyyy"]], ["2018-11-07"]),
        ("07.11.2018 09:00:00", [["dd.MM.yyyy HH:mm:ss"]], ["2018-11-07"]),
        // An hour of 10 does not say whether 9 o'clock would be `09` (de-DE) or `9` (ja-JP).
        ("07.11.2018 10:00:00", [["dd.MM.yyyy H:mm:ss"]], ["2018-11-07"]),
        ("2018/11/07", [["yyyy/MM/dd"]], ["2018-11-07"]),
        ("2019/1/5 9:30", [["yyyy/M/d H:mm"]], ["2019-01-05"]),
    ])
    func suggestedLayoutsReadTheValue(value: String, layouts: [[String]], dates: [String]) throws {
        let suggestion = try #require(DateLayoutHintTests.sniff([value]).suggestion)
        #expect(suggestion.alternatives == layouts)
        #expect(suggestion.count == 1)
        #expect(suggestion.ambiguous == (layouts.count == 2))
        try #require(suggestion.alternatives.count == dates.count)
        for (alternative, date) in zip(suggestion.alternatives, dates) {
            let parser = try DateParser(patterns: alternative)
            #expect(parser.parse(value)?.iso == date, "\(alternative) on '\(value)'")
        }
    }

    /// Every shape, order and padding, alone and all of one order together: the suggestion
    /// reads each value to the date it was written from.
    @Test func suggestedLayoutsReadEveryGeneratedValue() throws {
        var values: [(text: String, dayFirst: Bool, iso: String)] = []
        let days: [(y: Int, m: Int, d: Int)] = [(2018, 8, 7), (2018, 12, 25), (2019, 1, 2), (2020, 2, 29), (2018, 10, 11)]
        let times = ["", " 0:00", " 14:05", " 09:30", " 9:30:15", " 23:59:59", " 12:00 AM", " 4:20 pm",
                     " 12:00:00 AM", " 08:15:00 PM", " 11:59:59 PM"]
        for (y, m, d) in days {
            for padded in [false, true] {
                func n(_ v: Int) -> String { padded && v < 10 ? "0\(v)" : "\(v)" }
                let iso = String(format: "%04d-%02d-%02d", y, m, d)
                for time in times {
                    values.append(("\(n(m))/\(n(d))/\(y)\(time)", false, iso))
                    values.append(("\(n(d))/\(n(m))/\(y)\(time)", true, iso))
                    values.append(("\(n(m))-\(n(d))-\(y)\(time)", false, iso))
                    values.append(("\(n(d))-\(n(m))-\(y)\(time)", true, iso))
                    values.append(("\(n(d)).\(n(m)).\(y)\(time)", true, iso))
                    values.append(("\(y)/\(n(m))/\(n(d))\(time)", false, iso))
                }
            }
        }
        for v in values {
            let s = try #require(DateLayoutHintTests.sniff([v.text]).suggestion, "'\(v.text)'")
            let alternative = s.ambiguous ? s.alternatives[v.dayFirst ? 1 : 0] : s.alternatives[0]
            #expect(s.alternatives.count == (s.ambiguous ? 2 : 1))
            #expect(try DateParser(patterns: alternative).parse(v.text)?.iso == v.iso, "\(alternative) on '\(v.text)'")
        }
        // Day-first values of several shapes and paddings, together: one layout per shape, which
        // reads every value (the unpadded spelling, since some are unpadded). Likewise month first.
        for dayFirst in [true, false] {
            let group = values.filter { $0.dayFirst == dayFirst && !$0.text.contains(".") && !$0.text.hasPrefix("20") }
            let s = try #require(DateLayoutHintTests.sniff(group.map(\.text)).suggestion)
            #expect(!s.ambiguous && !s.mixed)
            #expect(s.count == group.count)
            let parser = try DateParser(patterns: s.layouts)
            for v in group { #expect(parser.parse(v.text)?.iso == v.iso, "\(s.layouts) on '\(v.text)'") }
        }
    }

    @Test func everyKnownLayoutIsAPatternTheParserAccepts() throws {
        #expect(DateLayoutSniffer.knownLayouts.count == 108)
        #expect(Set(DateLayoutSniffer.knownLayouts).count == DateLayoutSniffer.knownLayouts.count)
        for layout in ["M/d/yyyy h:mm:ss a", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "M/d/yyyy", "dd/MM/yyyy HH:mm:ss",
                       "dd/MM/yyyy", "d/M/yyyy", "d/M/yyyy H:mm", "dd.MM.yyyy", "dd.MM.yyyy HH:mm:ss", "yyyy/MM/dd"] {
            #expect(DateLayoutSniffer.knownLayouts.contains(layout), "\(layout)")
        }
        for layout in DateLayoutSniffer.knownLayouts {
            _ = try DateParser(patterns: [layout])
        }
    }

    @Test func theMessageNamesTheLayoutAndTheOption() throws {
        let values = (1...12).map { "\($0)/13/2020" }  // 13 is no month: month first only
        let sniffer = DateLayoutHintTests.sniff(values)
        #expect(sniffer.hint(file: "orders.csv", column: "creation dates")
            == #"orders.csv: 12 creation dates look like 'M/d/yyyy'; add --date-format "M/d/yyyy""#)
        let s = try #require(sniffer.suggestion)
        #expect(s.layouts == ["M/d/yyyy"])
        #expect(s.count == 12 && s.monthFirstOnly == 12 && s.dayFirstOnly == 0 && !s.ambiguous && !s.mixed)
        #expect(s.example == "1/13/2020")
        #expect(DateLayoutHintTests.sniff(["12/25/2018"]).hint(file: "orders.csv", column: "creation dates")
            == #"orders.csv: 1 of the creation dates looks like 'M/d/yyyy'; add --date-format "M/d/yyyy""#)
    }

    @Test func anAmbiguousSetNamesBoth() throws {
        let sniffer = DateLayoutHintTests.sniff(["7/8/2018", "1/2/2019", "10/11/2018"])
        let s = try #require(sniffer.suggestion)
        #expect(s.ambiguous && !s.mixed)
        #expect(s.alternatives == [["M/d/yyyy"], ["d/M/yyyy"]])
        #expect(s.layouts == ["M/d/yyyy", "d/M/yyyy"])
        #expect(sniffer.hint(file: "agreements.csv", column: "acceptance dates")
            == "agreements.csv: 3 acceptance dates look like 'M/d/yyyy' or 'd/M/yyyy', and the values cannot tell"
            + #" month-first from day-first; add --date-format "M/d/yyyy" or --date-format "d/M/yyyy", whichever"#
            + " the exporting machine used")
    }

    @Test func oneDayFirstOnlyValueAmongAmbiguousOnesResolvesToDayFirst() throws {
        let sniffer = DateLayoutHintTests.sniff(["7/8/2018", "1/2/2019", "25/12/2018", "10/11/2018"])
        let s = try #require(sniffer.suggestion)
        #expect(!s.ambiguous && !s.mixed)
        #expect(s.alternatives == [["d/M/yyyy"]])
        #expect(s.dayFirstOnly == 1 && s.count == 4)
        #expect(sniffer.hint(file: "agreements.csv", column: "acceptance dates")
            == #"agreements.csv: 4 acceptance dates look like 'd/M/yyyy'; add --date-format "d/M/yyyy""#)
        let monthFirst = try #require(DateLayoutHintTests.sniff(["7/8/2018", "12/25/2018"]).suggestion)
        #expect(monthFirst.alternatives == [["M/d/yyyy"]])
    }

    @Test func valuesThatDisagreeMeanTheFileMixesLayouts() throws {
        let sniffer = DateLayoutHintTests.sniff(["7/8/2018", "12/25/2018", "25/12/2018", "1/13/2019"])
        let s = try #require(sniffer.suggestion)
        #expect(s.mixed && !s.ambiguous)
        #expect(s.monthFirstOnly == 2 && s.dayFirstOnly == 1 && s.count == 4)
        #expect(s.alternatives == [["M/d/yyyy"], ["d/M/yyyy"]])
        #expect(s.examples == ["12/25/2018", "25/12/2018"])
        #expect(sniffer.hint(file: "orders.csv", column: "creation dates")
            == "orders.csv: 4 creation dates look like 'M/d/yyyy' or 'd/M/yyyy', but the file mixes layouts"
            + " (2 can only be month-first ('12/25/2018'), 1 only day-first ('25/12/2018')),"
            + " so no --date-format reads all of them right")
    }

    @Test func severalShapesGetOneLayoutEach() throws {
        let sniffer = DateLayoutHintTests.sniff(["8/7/2018 12:00:00 AM", "12/31/2018", "12/25/2018 4:20:00 PM"])
        let s = try #require(sniffer.suggestion)
        #expect(s.alternatives == [["M/d/yyyy", "M/d/yyyy h:mm:ss a"]])
        #expect(sniffer.hint(file: "agreements.csv", column: "acceptance dates")
            == "agreements.csv: 3 acceptance dates look like 'M/d/yyyy' and 'M/d/yyyy h:mm:ss a';"
            + #" add --date-format "M/d/yyyy" --date-format "M/d/yyyy h:mm:ss a""#)
        let ambiguous = DateLayoutHintTests.sniff(["8/7/2018 12:00:00 AM", "1/2/2019"])
        #expect(ambiguous.hint(file: "a.csv", column: "acceptance dates")
            == "a.csv: 2 acceptance dates look like 'M/d/yyyy' and 'M/d/yyyy h:mm:ss a', or 'd/M/yyyy' and"
            + " 'd/M/yyyy h:mm:ss a', and the values cannot tell month-first from day-first;"
            + #" add --date-format "M/d/yyyy" --date-format "M/d/yyyy h:mm:ss a" or"#
            + #" --date-format "d/M/yyyy" --date-format "d/M/yyyy h:mm:ss a", whichever the exporting machine used"#)
    }

    @Test func theTwoLetterSpellingOnlyWhereTheValuesArePadded() throws {
        let padded = DateLayoutHintTests.sniff(["03/07/2019 09:00:00", "25/12/2018 14:05:00"])
        #expect(padded.suggestion?.layouts == ["dd/MM/yyyy HH:mm:ss"])
        // No leading zero anywhere: nothing says the export pads, so the spelling that reads both.
        #expect(DateLayoutHintTests.sniff(["25/12/2018 14:05:00"]).suggestion?.layouts == ["d/M/yyyy H:mm:ss"])
        // One unpadded day and hour: the one-letter spelling, which still reads the padded ones.
        let both = DateLayoutHintTests.sniff(["03/07/2019 09:00:00", "25/12/2018 14:05:00", "5/1/2019 9:00:00"])
        let layouts = try #require(both.suggestion?.layouts)
        #expect(layouts == ["d/M/yyyy H:mm:ss"])
        #expect(try DateParser(patterns: layouts).parse("03/07/2019 09:00:00")?.iso == "2019-07-03")
    }

    @Test(arguments: ["yesterday", "n/a", "13/45/2018", "2/30/2019", "31/4/2019", "8/7/18", "2018-11-7", "8/7/2018 25:00",
                      "8/7/2018 13:00 PM", "8/7/2018 0:00 AM", "8/7/2018  0:00", "8/7/2018 0:0", "7/8/2018T10:00",
                      "7/8-2018", "2018.11.07", "31.02.2018", "1.2.3", "0/0/0000", "8/7/2018 12:00:00 AM UTC", "8/7/02018", ""])
    func valuesThatFitNoKnownLayoutGiveNoHint(value: String) {
        let sniffer = DateLayoutHintTests.sniff([value])
        #expect(sniffer.noted == 1)
        #expect(sniffer.fitting == 0)
        #expect(sniffer.suggestion == nil)
        #expect(sniffer.hint(file: "orders.csv", column: "creation dates") == nil)
    }

    @Test func garbageBesideFittingValuesIsNotCounted() throws {
        let sniffer = DateLayoutHintTests.sniff(["yesterday", "12/25/2018", "n/a", "13/45/2018"])
        #expect(sniffer.noted == 4)
        #expect(try #require(sniffer.suggestion).count == 1)
        #expect(sniffer.suggestion?.example == "12/25/2018")
    }

    /// Bounded memory by design: counts, flags and at most three short examples, never a
    /// collection that grows with the values noted.
    @Test func aMillionNotesKeepNoGrowingCollection() throws {
        var sniffer = DateLayoutSniffer()
        let values = ["12/25/2018 4:20:00 PM", "7/8/2018 12:00:00 AM", "yesterday", "25/12/2018 14:05:00"]
        let before = storedTypes(sniffer)
        for i in 0..<1_000_000 {
            var v = values[i % values.count]
            v.withUTF8 { sniffer.note(UnsafeRawBufferPointer($0)) }
        }
        #expect(sniffer.noted == 1_000_000)
        #expect(sniffer.fitting == 750_000)
        let s = try #require(sniffer.suggestion)
        #expect(s.mixed && s.monthFirstOnly == 250_000 && s.dayFirstOnly == 250_000)
        #expect(s.example == "12/25/2018 4:20:00 PM" && s.examples == ["12/25/2018 4:20:00 PM", "25/12/2018 14:05:00"])
        let after = storedTypes(sniffer)
        #expect(after == before)
        for (name, type) in after {
            #expect(!["Array", "Dictionary", "Set", "Data"].contains { type.contains($0) }, "\(name): \(type)")
        }
    }

    private func storedTypes(_ sniffer: DateLayoutSniffer) -> [String: String] {
        var types: [String: String] = [:]
        for child in Mirror(reflecting: sniffer).children {
            types[child.label ?? "?"] = String(describing: type(of: child.value))
        }
        return types
    }
}
