import Foundation

/// One answer of a Partner Center collection, `{"totalCount": n, "items": [...], "links": {"next": ...}}`
/// (the REST shape the audit reads, README "Inputs"): its bytes as they arrived, where each item lies
/// in them, and the link to the next page.
struct CollectionPage {
    /// The `links.next` of an answer: a path relative to the API's `/v1` root, and the headers
    /// (such as `MS-ContinuationToken`) to send with it.
    struct NextLink: Sendable, Equatable {
        var uri: String
        var headers: [(String, String)]

        static func == (a: NextLink, b: NextLink) -> Bool {
            a.uri == b.uri && a.headers.elementsEqual(b.headers) { $0 == $1 }
        }
    }

    let data: Data
    let items: [Range<Int>]
    let next: NextLink?
    /// `id` of each item, in order (used for customers).
    let ids: [String?]

    /// Why an answer is not the collection it should be.
    struct NotACollection: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads a page from the bytes of a 200 answer.
    /// - Throws: `NotACollection` when the body is not JSON, not an object with an `items` array of
    ///   objects, or has a `links.next` that leaves the API.
    init(data: Data) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            let start = String(decoding: data.prefix(40), as: UTF8.self).filter { !$0.isNewline }
            throw NotACollection(description: "the answer is not JSON (\(data.count) bytes, starting \"\(start)\")")
        }
        guard let root = object as? [String: Any], let list = root["items"] as? [Any] else {
            throw NotACollection(description: "the answer is JSON but not a collection with \"items\"")
        }
        var ids: [String?] = []
        ids.reserveCapacity(list.count)
        for item in list {
            guard let fields = item as? [String: Any] else {
                throw NotACollection(description: "an item of the collection is not an object")
            }
            ids.append(fields["id"] as? String)
        }
        let spans = data.withUnsafeBytes { JSONSpans.arrayElements(ofTopLevelKey: "items", in: $0) }
        guard let spans, spans.count == list.count else {
            throw NotACollection(description: "the items of the answer cannot be located in its bytes")
        }
        self.data = data
        self.items = spans
        self.ids = ids
        self.next = try Self.nextLink(root)
    }

    private static func nextLink(_ root: [String: Any]) throws -> NextLink? {
        guard let links = root["links"] as? [String: Any], let next = links["next"] as? [String: Any] else { return nil }
        guard let uri = next["uri"] as? String, !uri.isEmpty else { return nil }
        // Relative to /v1 of the API given: never another host, never a way out of /v1.
        guard uri.hasPrefix("/"), !uri.hasPrefix("//"), !uri.contains("://"), !uri.contains(".."),
              !uri.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw NotACollection(description: "links.next is not a path below the API's /v1")
        }
        var headers: [(String, String)] = []
        if let list = next["headers"] as? [[String: Any]] {
            for entry in list {
                guard let key = entry["key"] as? String, let value = entry["value"] as? String else { continue }
                let allowed = key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
                guard allowed, !key.isEmpty, !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                    throw NotACollection(description: "links.next has a header that cannot be sent")
                }
                headers.append((key, value))
            }
        }
        return NextLink(uri: uri, headers: headers)
    }
}
