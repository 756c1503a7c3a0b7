/// Which values of a row's reseller field name a reseller (docs/inputs.md, "Resellers").
public enum ResellerId {
    /// The name of the customers that have no reseller, in every report.
    public static let direct = "direct"

    /// Whether a trimmed reseller id names a reseller: `-1`, `0` and empty mean none, and so does
    /// the partner's own MPN ID of the same row (a reconciliation file lists the partner's MPN ID
    /// "twice, as both the MPN ID and the Reseller MPN ID" for a direct sale, and again for a
    /// reseller that has no MPN ID: in both cases no reseller can be told).
    ///
    /// - Parameters:
    ///   - id: the reseller field, trimmed.
    ///   - ownMpnId: the same row's `MpnId`, trimmed (empty when the row has none).
    public static func names(_ id: UnsafeRawBufferPointer, ownMpnId: UnsafeRawBufferPointer) -> Bool {
        switch id.count {
        case 0: return false
        case 1: return id[0] != UInt8(ascii: "0")
        case 2: if id[0] == UInt8(ascii: "-"), id[1] == UInt8(ascii: "1") { return false }
        default: break
        }
        guard ownMpnId.count == id.count else { return true }
        for k in 0..<id.count where folded(id[k]) != folded(ownMpnId[k]) { return true }
        return false
    }

    /// The same for Strings (tests and rows made in code).
    public static func names(_ id: String, ownMpnId: String = "") -> Bool {
        var id = id, own = ownMpnId
        return id.withUTF8 { i in own.withUTF8 { names(UnsafeRawBufferPointer(i), ownMpnId: UnsafeRawBufferPointer($0)) } }
    }

    /// ASCII letters folded to lower case: ids compare case-insensitively.
    @inline(__always)
    static func folded(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
}
