import Foundation
@testable import MCAAudit
@testable import MCAFetch
import Testing

@Suite struct FetchUnitTests {
    @Test func itemSpansSkipStringsWithBracketsAndEscapes() throws {
        let text = #"{"totalCount": 3, "links": {"next": {"uri": "/x]"}}, "items": [ {"a": "}\"]", "b": [1, {"c": null}]}, {}, {"id":"x"} ], "z": 1}"#
        let data = Data(text.utf8)
        let spans = data.withUnsafeBytes { JSONSpans.arrayElements(ofTopLevelKey: "items", in: $0) }
        let pieces = spans?.map { String(decoding: data[$0], as: UTF8.self) }
        #expect(pieces == [#"{"a": "}\"]", "b": [1, {"c": null}]}"#, "{}", #"{"id":"x"}"#])
        let nested = Data(#"{"links": {"items": [1]}, "items": []}"#.utf8)
        #expect(nested.withUnsafeBytes { JSONSpans.arrayElements(ofTopLevelKey: "items", in: $0) } == [])
    }

    @Test func customerIdIsAddedFirstUnlessPresent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let staged = StagingFile(path: dir.appendingPathComponent("s").path)
        for item in [#"{"type":"MicrosoftCloudAgreement"}"#, "{ }", #"{"x":{"customerId":"inner"}}"#, #"{"customerId":"own"}"#] {
            try Data(item.utf8).withUnsafeBytes { try staged.append(item: $0, customerId: "c\"1") }
        }
        let text = try String(contentsOfFile: staged.path, encoding: .utf8)
        #expect(text == #"{"customerId":"c\"1","type":"MicrosoftCloudAgreement"},"# + "\n" + #"{"customerId":"c\"1"}"# + ",\n"
                + #"{"customerId":"c\"1","x":{"customerId":"inner"}},"# + "\n" + #"{"customerId":"own"}"#)
        #expect(staged.count == 4)
    }

    @Test func backOffStaysBetweenOneAndSixtyUnits() {
        let policy = RetryPolicy(unit: .seconds(1))
        #expect(policy.backOff(after: 1, random: 0) == .seconds(1))
        #expect(policy.backOff(after: 3, random: 1) == .seconds(4))
        #expect(policy.backOff(after: 3, random: 0) == .seconds(2))
        #expect(policy.backOff(after: 12, random: 1) == .seconds(60))
        #expect(policy.retryAfter("7") == .seconds(7))
        #expect(policy.retryAfter("3600") == .seconds(60))
        #expect(policy.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(RetryPolicy(unit: .milliseconds(5)).backOff(after: 2, random: 1) == .milliseconds(10))
    }

    @Test func nextLinkMustStayBelowTheAPI() throws {
        func page(_ uri: String) throws -> CollectionPage {
            try CollectionPage(data: Data(#"{"items":[],"links":{"next":{"uri":"\#(uri)","headers":[{"key":"MS-ContinuationToken","value":"abc"}]}}}"#.utf8))
        }
        #expect(try page("/customers?size=500&seekOperation=Next").next
                == CollectionPage.NextLink(uri: "/customers?size=500&seekOperation=Next", headers: [("MS-ContinuationToken", "abc")]))
        for bad in ["https://elsewhere.example/v1/customers", "//elsewhere.example/x", "customers", "/../../oauth2"] {
            #expect(throws: CollectionPage.NotACollection.self) { try page(bad) }
        }
        #expect(throws: CollectionPage.NotACollection.self) { try CollectionPage(data: Data("<html></html>".utf8)) }
        #expect(throws: CollectionPage.NotACollection.self) { try CollectionPage(data: Data(#"{"value":[]}"#.utf8)) }
    }

    @Test func failuresCSVLinesCountQuotedLineBreaks() {
        let text = "customerId,request,status,correlationId,message\r\na,GET /v1/x,403,c,\"two\nlines\"\r\nb,GET /v1/y,,c,\"say \"\"no\"\"\"\r\n"
        let records = FailureCSV.records(text)
        #expect(records.map(\.line) == [1, 2, 4])
        #expect(records[2].fields == ["b", "GET /v1/y", "", "c", "say \"no\""])
    }

    @Test func scrubberRemovesEveryKnownSecret() {
        let s = SecretScrubber()
        s.register("abcdefgh-secret")
        s.register("short")
        #expect(s.scrub("x abcdefgh-secret y short") == "x [redacted] y short")
    }
}
