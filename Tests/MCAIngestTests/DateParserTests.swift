import Foundation
import MCAIngest
import MCAModel
import Testing

@Suite struct DateParserTests {
    static let utc = try! DateParser()

    @Test(arguments: [
        ("2018-11-07", "2018-11-07"),
        ("2018-11-07T10:00:00Z", "2018-11-07"),
        ("2018-11-07T10:00:00.000+02:00", "2018-11-07"),
        ("2018-11-07T01:00:00+02:00", "2018-11-06"),
        ("2018-11-06T23:30:00-01:00", "2018-11-07"),
        ("2018-07-28T00:00:00", "2018-07-28"),
        ("2018-11-07 10:00:00", "2018-11-07"),
        ("2018-11-07T23:59", "2018-11-07"),
        ("2020-02-29", "2020-02-29"),
    ])
    func isoIsAlwaysRead(text: String, expected: String) {
        #expect(DateParserTests.utc.parse(text)?.iso == expected)
    }

    @Test(arguments: ["8/7/2018", "13/45/2018", "2018-02-30", "2019-02-29", "2018-13-01", "2018-11-07T25:00:00Z",
                      "2018-11-07T10:60", "2018-11-07X", "07.11.2018", "yesterday", "2018-11-7"])
    func invalidOrAmbiguousIsNeverGuessed(text: String) {
        #expect(DateParserTests.utc.parse(text) == nil)
    }

    @Test func aDateTimeNearMidnightMovesDayInAnotherZone() throws {
        let paris = try DateParser(timeZone: TimeZone(identifier: "Europe/Paris")!)
        #expect(paris.parse("2018-11-06T23:30:00Z")?.iso == "2018-11-07")  // 00:30 in Paris
        #expect(paris.parse("2018-11-06")?.iso == "2018-11-06")  // a plain date is taken as written
        let ny = try DateParser(timeZone: TimeZone(identifier: "America/New_York")!)
        #expect(ny.parse("2018-11-07T03:00:00Z")?.iso == "2018-11-06")
        #expect(ny.parse("2018-07-07T03:59:00Z")?.iso == "2018-07-06")  // EDT, -4
        #expect(ny.parse("2018-07-07T04:00:00Z")?.iso == "2018-07-07")
    }

    @Test func microsoftSampleLayoutWithAPattern() throws {
        let p = try DateParser(pattern: "M/d/yyyy h:mm:ss a")
        #expect(p.parse("8/7/2018 12:00:00 AM")?.iso == "2018-08-07")
        #expect(p.parse("11/7/2018 11:59:59 PM")?.iso == "2018-11-07")
        #expect(p.parse("12/31/2018 12:30:00 PM")?.iso == "2018-12-31")
        #expect(p.parse("13/45/2018 10:00:00 AM") == nil)
        #expect(p.parse("2/30/2019 10:00:00 AM") == nil)
        #expect(p.parse("8/7/2018") == nil)
        #expect(p.parse("2018-08-07")?.iso == "2018-08-07")  // ISO still read
        let dayFirst = try DateParser(pattern: "dd/MM/yyyy")
        #expect(dayFirst.parse("07/08/2018")?.iso == "2018-08-07")
    }

    @Test func patternsThatWouldGuessAreRefused() {
        #expect(throws: DatePatternError.self) { _ = try DateParser(pattern: "M/d") }
        #expect(throws: DatePatternError.self) { _ = try DateParser(pattern: "M/d/yy") }
        #expect(throws: DatePatternError.self) { _ = try DateParser(pattern: "EEE M/d/yyyy") }
    }

    @Test func twoLayoutsInOneParser() throws {
        let p = try DateParser(patterns: ["M/d/yyyy h:mm:ss a", "M/d/yyyy"])
        #expect(p.patterns == ["M/d/yyyy h:mm:ss a", "M/d/yyyy"])
        #expect(p.parse("8/7/2018 12:00:00 AM")?.iso == "2018-08-07")
        #expect(p.parse("7/8/2018")?.iso == "2018-07-08")
        #expect(p.parse("2018-11-07T10:00:00Z")?.iso == "2018-11-07")  // ISO still read, and first
        #expect(p.parse("8/7/2018 0:00") == nil)  // neither layout has a 24-hour time
    }

    @Test func theFirstLayoutThatReadsTheTextWins() throws {
        let dayFirst = try DateParser(patterns: ["d/M/yyyy", "M/d/yyyy"])
        let monthFirst = try DateParser(patterns: ["M/d/yyyy", "d/M/yyyy"])
        #expect(dayFirst.parse("7/8/2018")?.iso == "2018-08-07")
        #expect(monthFirst.parse("7/8/2018")?.iso == "2018-07-08")
        // Where only the second layout reads the text, it still does.
        #expect(dayFirst.parse("7/25/2018")?.iso == "2018-07-25")
        #expect(monthFirst.parse("25/7/2018")?.iso == "2018-07-25")
    }

    @Test(arguments: ["13/45/2018", "2/30/2019", "31/4/2019", "4/31/2019", "0/1/2018", "13/45/2018 10:00:00 AM"])
    func impossibleDatesAreInvalidForEveryLayout(text: String) throws {
        let p = try DateParser(patterns: ["M/d/yyyy h:mm:ss a", "M/d/yyyy", "d/M/yyyy", "dd/MM/yyyy", "d/M/yyyy h:mm:ss a"])
        #expect(p.parse(text) == nil)
    }

    @Test func anUnusablePatternAmongSeveralIsNamed() {
        #expect(throws: DatePatternError.self) { _ = try DateParser(patterns: ["M/d/yyyy", "M/d/yy"]) }
        do {
            _ = try DateParser(patterns: ["M/d/yyyy", "EEE d/M/yyyy", "M/d"])
            Issue.record("an unusable pattern was accepted")
        } catch let error as DatePatternError {
            #expect(error.pattern == "EEE d/M/yyyy")  // the first unusable one, by name
            #expect(error.description.contains("EEE d/M/yyyy"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func theOnePatternInitialiserForwards() throws {
        let one = try DateParser(pattern: "M/d/yyyy")
        #expect(one.patterns == ["M/d/yyyy"])
        #expect(one.parse("7/8/2018")?.iso == "2018-07-08")
        let none = try DateParser(timeZone: TimeZone(identifier: "Europe/Paris")!, pattern: nil)
        #expect(none.patterns.isEmpty)
        #expect(none.parse("7/8/2018") == nil)
        #expect(none.parse("2018-11-06T23:30:00Z")?.iso == "2018-11-07")
    }
}
