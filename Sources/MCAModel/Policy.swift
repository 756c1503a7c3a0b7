import Foundation

/// The parameters of the rules (SPEC 3.1). `Policy.default` reproduces the source document.
public struct Policy: Sendable, Equatable {
    /// The only policy file version this build reads.
    public static let currentVersion = 1

    public var agreementType: String
    public var availableFrom: DayDate
    /// The cutover: confirmation is mandatory from this date.
    public var mandatoryFrom: DayDate
    public var supportedClouds: [Cloud]
    public var authorizedRoles: [String]
    /// `nil` accepts any template id.
    public var acceptedTemplateIds: [String]?
    /// A re-acceptance deadline: records agreed before it are STALE. `nil` for none.
    public var acceptedOnOrAfter: DayDate?

    public init(agreementType: String, availableFrom: DayDate, mandatoryFrom: DayDate,
                supportedClouds: [Cloud], authorizedRoles: [String], acceptedTemplateIds: [String]? = nil,
                acceptedOnOrAfter: DayDate? = nil) {
        self.agreementType = agreementType
        self.availableFrom = availableFrom
        self.mandatoryFrom = mandatoryFrom
        self.supportedClouds = supportedClouds
        self.authorizedRoles = authorizedRoles
        self.acceptedTemplateIds = acceptedTemplateIds
        self.acceptedOnOrAfter = acceptedOnOrAfter
    }

    /// The source document's programme: MCA, optional from 2018-08-07, mandatory from 2018-11-07,
    /// public cloud only, recorded by an admin agent or a sales agent.
    public static let `default` = Policy(
        agreementType: "MicrosoftCloudAgreement",
        availableFrom: DayDate(year: 2018, month: 8, day: 7)!,
        mandatoryFrom: DayDate(year: 2018, month: 11, day: 7)!,
        supportedClouds: [.public],
        authorizedRoles: ["AdminAgent", "SalesAgent"]
    )

    /// Whether an agreement row's type counts for this policy (empty = yes).
    public func counts(agreementType type: String?) -> Bool {
        guard var type else { return true }
        let key = normalizedKey(agreementType)
        return type.withUTF8 { Policy.counts(UnsafeRawBufferPointer($0), typeKey: key) }
    }

    /// `counts(agreementType:)` of the type's bytes, given `normalizedKey(agreementType)` (worked
    /// out once for a million rows).
    public static func counts(_ type: UnsafeRawBufferPointer, typeKey: String) -> Bool {
        type.isEmpty || hasNormalizedKey(type, typeKey)
    }

    private static let keys: Set<String> = [
        "version", "agreementType", "availableFrom", "mandatoryFrom", "supportedClouds",
        "authorizedRoles", "acceptedTemplateIds", "acceptedOnOrAfter", "description", "name",
    ]

    /// Reads a policy file: JSON with `version: 1`; keys not given keep the default's value.
    /// - Throws: `PolicyError` naming the key or value that is wrong.
    public static func load(json data: Data, base: Policy = .default) throws -> Policy {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw PolicyError("not valid JSON (\(error.localizedDescription))")
        }
        guard let object = any as? [String: Any] else { throw PolicyError("the top level must be a JSON object") }
        for key in object.keys.sorted() where !keys.contains(key) {
            throw PolicyError("unknown key '\(key)' (known: \(keys.sorted().joined(separator: ", ")))")
        }
        guard let version = object["version"] as? Int else { throw PolicyError("missing 'version' (this build reads version \(currentVersion))") }
        guard version == currentVersion else { throw PolicyError("unsupported version \(version) (this build reads version \(currentVersion))") }

        var p = base
        if let v = object["agreementType"] { p.agreementType = try string(v, "agreementType") }
        if let v = object["availableFrom"] { p.availableFrom = try date(v, "availableFrom") }
        if let v = object["mandatoryFrom"] { p.mandatoryFrom = try date(v, "mandatoryFrom") }
        if let v = object["supportedClouds"] {
            p.supportedClouds = try strings(v, "supportedClouds").map { name in
                guard let c = Cloud(exportValue: name) else { throw PolicyError("'supportedClouds': unknown cloud '\(name)' (public, germany, china, usgovernment)") }
                return c
            }
        }
        if let v = object["authorizedRoles"] { p.authorizedRoles = try strings(v, "authorizedRoles") }
        if let v = object["acceptedTemplateIds"] {
            p.acceptedTemplateIds = v is NSNull ? nil : try strings(v, "acceptedTemplateIds")
        }
        if let v = object["acceptedOnOrAfter"] {
            p.acceptedOnOrAfter = v is NSNull ? nil : try date(v, "acceptedOnOrAfter")
        }
        guard p.availableFrom <= p.mandatoryFrom else {
            throw PolicyError("'availableFrom' (\(p.availableFrom)) is after 'mandatoryFrom' (\(p.mandatoryFrom))")
        }
        return p
    }

    private static func string(_ v: Any, _ key: String) throws -> String {
        guard let s = v as? String, !s.isEmpty else { throw PolicyError("'\(key)' must be a non-empty string") }
        return s
    }

    private static func strings(_ v: Any, _ key: String) throws -> [String] {
        guard let a = v as? [Any], let s = a as? [String] else { throw PolicyError("'\(key)' must be an array of strings") }
        return s
    }

    private static func date(_ v: Any, _ key: String) throws -> DayDate {
        guard let s = v as? String, let d = DayDate(iso: s) else { throw PolicyError("'\(key)' must be a date YYYY-MM-DD") }
        return d
    }
}

/// A policy file that cannot be used, with the reason.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}
