import Foundation

/// The parameters of the rules (README, "Policy files"). `Policy.default` reproduces the source document.
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

    /// Reads a policy file: JSON with `version: 1`; keys not given keep `base`'s value.
    /// - Throws: `PolicyError` naming the key or value that is wrong.
    public static func load(json data: Data, base: Policy = .default) throws -> Policy {
        // Checked first, for a message that says what JSON is wrong rather than how decoding failed.
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw PolicyError("not valid JSON (\(error.localizedDescription))")
        }
        guard any is [String: Any] else { throw PolicyError("the top level must be a JSON object") }
        let decoder = JSONDecoder()
        decoder.userInfo[Policy.baseKey] = base
        do {
            return try decoder.decode(Policy.self, from: data)
        } catch let error as PolicyError {
            throw error
        } catch {
            throw PolicyError("\(error)")
        }
    }

    /// The policy whose values a decoded file's missing keys keep (`Policy.default` when not set).
    public static let baseKey = CodingUserInfoKey(rawValue: "mca-audit.policy.base")!
}

// MARK: - The policy as JSON: one definition for the policy file, report.json and the run history

extension Policy: Codable {
    /// Every key of the policy, in the order report.json writes them: the one list of them. A key
    /// added here must be given a value in `subscript(key:)` and a reader in `read(_:from:)`,
    /// whose switches the compiler checks are complete.
    public enum Key: String, CodingKey, CaseIterable, Sendable {
        case agreementType, availableFrom, mandatoryFrom, supportedClouds, authorizedRoles, acceptedTemplateIds, acceptedOnOrAfter
    }

    /// A policy value as JSON writes it.
    public enum Value: Equatable, Sendable {
        case text(String)
        case date(DayDate)
        case texts([String])
        /// JSON null: an optional setting that is not set.
        case none
    }

    /// The keys a policy file may hold besides `Key`'s: its version, and free text for its readers.
    private enum FileKey: String, CodingKey, CaseIterable {
        case version, name, description
    }

    /// Any key, to find the unknown ones.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The value of `key`.
    public subscript(key: Key) -> Value {
        switch key {
        case .agreementType: .text(agreementType)
        case .availableFrom: .date(availableFrom)
        case .mandatoryFrom: .date(mandatoryFrom)
        case .supportedClouds: .texts(supportedClouds.map(\.rawValue))
        case .authorizedRoles: .texts(authorizedRoles)
        case .acceptedTemplateIds: acceptedTemplateIds.map { .texts($0) } ?? .none
        case .acceptedOnOrAfter: acceptedOnOrAfter.map { .date($0) } ?? .none
        }
    }

    /// Sets `key` from a policy file's value for it.
    private mutating func read(_ key: Key, from file: KeyedDecodingContainer<AnyKey>) throws {
        let at = AnyKey(stringValue: key.rawValue)
        func text() throws -> String {
            guard let s = try? file.decode(String.self, forKey: at), !s.isEmpty else {
                throw PolicyError("'\(key.rawValue)' must be a non-empty string")
            }
            return s
        }
        func texts() throws -> [String] {
            guard let a = try? file.decode([String].self, forKey: at) else { throw PolicyError("'\(key.rawValue)' must be an array of strings") }
            return a
        }
        func date() throws -> DayDate {
            guard let s = try? file.decode(String.self, forKey: at), let d = DayDate(iso: s) else {
                throw PolicyError("'\(key.rawValue)' must be a date YYYY-MM-DD")
            }
            return d
        }
        let isNull = (try? file.decodeNil(forKey: at)) ?? false
        switch key {
        case .agreementType: agreementType = try text()
        case .availableFrom: availableFrom = try date()
        case .mandatoryFrom: mandatoryFrom = try date()
        case .supportedClouds:
            supportedClouds = try texts().map { name in
                guard let c = Cloud(exportValue: name) else {
                    throw PolicyError("'supportedClouds': unknown cloud '\(name)' (public, germany, china, usgovernment)")
                }
                return c
            }
        case .authorizedRoles: authorizedRoles = try texts()
        case .acceptedTemplateIds: acceptedTemplateIds = isNull ? nil : try texts()
        case .acceptedOnOrAfter: acceptedOnOrAfter = isNull ? nil : try date()
        }
    }

    /// Reads a policy file's JSON: `version` must be `currentVersion`; unknown keys are refused;
    /// keys not given keep the value of the decoder's `baseKey` policy.
    public init(from decoder: any Decoder) throws {
        let file = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(Key.allCases.map(\.rawValue) + FileKey.allCases.map(\.rawValue))
        for key in file.allKeys.map(\.stringValue).sorted() where !known.contains(key) {
            throw PolicyError("unknown key '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let version = try? file.decode(Int.self, forKey: AnyKey(stringValue: FileKey.version.rawValue)) else {
            throw PolicyError("missing 'version' (this build reads version \(Policy.currentVersion))")
        }
        guard version == Policy.currentVersion else {
            throw PolicyError("unsupported version \(version) (this build reads version \(Policy.currentVersion))")
        }
        self = decoder.userInfo[Policy.baseKey] as? Policy ?? .default
        for key in Key.allCases where file.contains(AnyKey(stringValue: key.rawValue)) { try read(key, from: file) }
        guard availableFrom <= mandatoryFrom else {
            throw PolicyError("'availableFrom' (\(availableFrom)) is after 'mandatoryFrom' (\(mandatoryFrom))")
        }
    }

    /// Writes the policy as a policy file holds it: `version`, then every key (null for an unset one).
    public func encode(to encoder: any Encoder) throws {
        var file = encoder.container(keyedBy: AnyKey.self)
        try file.encode(Policy.currentVersion, forKey: AnyKey(stringValue: FileKey.version.rawValue))
        for key in Key.allCases {
            let at = AnyKey(stringValue: key.rawValue)
            switch self[key] {
            case .text(let s): try file.encode(s, forKey: at)
            case .date(let d): try file.encode(d.iso, forKey: at)
            case .texts(let a): try file.encode(a, forKey: at)
            case .none: try file.encodeNil(forKey: at)
            }
        }
    }
}

/// A policy file that cannot be used, with the reason.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}
