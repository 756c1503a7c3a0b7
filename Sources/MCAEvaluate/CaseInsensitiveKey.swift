/// A string compared and hashed ignoring ASCII case, without making a lower-cased copy: orders a
/// customer's subscriptions by id for the reports. (The per-line joins use `KeyTable`.)
struct CaseInsensitiveKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: CaseInsensitiveKey, b: CaseInsensitiveKey) -> Bool {
        guard a.text.utf8.count == b.text.utf8.count else { return false }
        return a.withBytes { p in
            b.withBytes { q in
                for i in 0..<p.count where lower(p[i]) != lower(q[i]) { return false }
                return true
            }
        }
    }

    /// The text's UTF-8 bytes, in place for a native string (no copy of the String, so no
    /// reference counting per comparison), through a copy otherwise.
    @inline(__always)
    private func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = text.utf8.withContiguousStorageIfAvailable(body) { return r }
        var t = text
        return t.withUTF8(body)
    }

    func hash(into hasher: inout Hasher) {
        withBytes { p in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buf in
                var n = 0
                for c in p {
                    buf[n] = lower(c)
                    n += 1
                    if n == 64 {
                        hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(buf)))
                        n = 0
                    }
                }
                hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[0..<n])))
            }
            hasher.combine(p.count)
        }
    }

    /// Orders keys as their lower-cased texts would sort (byte order), again without copies.
    static func < (a: CaseInsensitiveKey, b: CaseInsensitiveKey) -> Bool {
        a.withBytes { p in
            b.withBytes { q in
                let n = min(p.count, q.count)
                for i in 0..<n {
                    let l = lower(p[i]), r = lower(q[i])
                    if l != r { return l < r }
                }
                return p.count < q.count
            }
        }
    }
}

@inline(__always) private func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
