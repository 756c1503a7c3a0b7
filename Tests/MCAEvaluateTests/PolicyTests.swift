import Foundation
import MCAModel
import MCATestSupport
import Testing

@Suite struct PolicyTests {
    func load(_ json: String) throws -> Policy { try Policy.load(json: Data(json.utf8)) }

    @Test func shippedPolicyFilesLoad() throws {
        let policies = RepoPaths.root.appendingPathComponent("Policies")
        let mca = try Policy.load(json: Data(contentsOf: policies.appendingPathComponent("microsoft-cloud-agreement-2018.json")))
        #expect(mca == .default)
        let customer = try Policy.load(json: Data(contentsOf: policies.appendingPathComponent("microsoft-customer-agreement-2020.json")))
        #expect(customer.agreementType == "MicrosoftCustomerAgreement")
        #expect(customer.mandatoryFrom.iso == "2020-03-01")
        let stale = try Policy.load(json: Data(contentsOf: policies.appendingPathComponent("reacceptance-deadline-example.json")))
        #expect(stale.acceptedOnOrAfter?.iso == "2019-06-01")
        #expect(stale.mandatoryFrom == Policy.default.mandatoryFrom)
    }

    @Test func unknownKeyIsNamed() {
        #expect(throws: PolicyError.self) { try load(#"{"version":1,"mandatoryFrmo":"2018-11-07"}"#) }
        do { _ = try load(#"{"version":1,"mandatoryFrmo":"2018-11-07"}"#) } catch {
            #expect("\(error)".contains("unknown key 'mandatoryFrmo'"))
        }
    }

    @Test(arguments: [#"{"mandatoryFrom":"2018-11-07"}"#, #"{"version":2}"#, #"{"version":1,"mandatoryFrom":"7/11/2018"}"#,
                      #"{"version":1,"supportedClouds":["moon"]}"#, #"{"version":1,"availableFrom":"2019-01-01"}"#, "[]", "{"])
    func invalidPolicies(json: String) {
        #expect(throws: PolicyError.self) { try load(json) }
    }

    @Test func unsupportedVersionSaysWhichIsRead() {
        do { _ = try load(#"{"version":2}"#) } catch {
            #expect("\(error)" == "unsupported version 2 (this build reads version 1)")
        }
    }

    /// One definition for every reader and writer: what the policy writes (`encode`) reads back the
    /// same (`Policy.load`), every key included, and report.json writes the same keys in `Policy.Key` order.
    @Test func writtenPolicyReadsBackWithEveryKey() throws {
        var policy = Policy.default
        policy.acceptedTemplateIds = ["tpl-1", "tpl-2"]
        policy.acceptedOnOrAfter = DayDate(iso: "2019-06-01")
        policy.supportedClouds = [.public, .usgovernment]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let written = try encoder.encode(policy)
        #expect(try Policy.load(json: written) == policy)
        let keys = try #require(JSONSerialization.jsonObject(with: written) as? [String: Any]).keys.sorted()
        #expect(keys == (Policy.Key.allCases.map(\.rawValue) + ["version"]).sorted())
        // Keys not in a file keep the base policy's values; an explicit null unsets an optional one.
        let partial = try Policy.load(json: Data(#"{"version":1,"acceptedOnOrAfter":null,"authorizedRoles":["AdminAgent"]}"#.utf8), base: policy)
        #expect(partial.acceptedOnOrAfter == nil && partial.acceptedTemplateIds == ["tpl-1", "tpl-2"] && partial.authorizedRoles == ["AdminAgent"])
    }

    @Test func wrongValuesNameTheirKey() {
        for (json, message) in [(#"{"version":1,"agreementType":""}"#, "'agreementType' must be a non-empty string"),
                                (#"{"version":1,"authorizedRoles":"AdminAgent"}"#, "'authorizedRoles' must be an array of strings"),
                                (#"{"version":1,"mandatoryFrom":"7/11/2018"}"#, "'mandatoryFrom' must be a date YYYY-MM-DD"),
                                (#"{"version":1,"supportedClouds":["moon"]}"#, "'supportedClouds': unknown cloud 'moon' (public, germany, china, usgovernment)"),
                                (#"{"agreementType":"MCA"}"#, "missing 'version' (this build reads version 1)")] {
            do {
                _ = try load(json)
                Issue.record("\(json) loaded")
            } catch {
                #expect("\(error)" == message)
            }
        }
    }

    /// Agreement rows are judged as bytes (`Policy.counts(_:typeKey:)` through `hasNormalizedKey`):
    /// the same verdicts as comparing `normalizedKey`s, for every spelling.
    @Test(arguments: ["MicrosoftCloudAgreement", "microsoft-cloud agreement", " Microsoft Cloud Agreement ", "MicrosoftCloudAgreementX",
                      "MicrosoftCloudAgreemen", "MicrosoftCustomerAgreement", "Microsoft Clöud Agreement", "---", "", "MCA"])
    func agreementTypesCountAsTheirNormalisedKeysSay(type: String) {
        let policy = Policy.default
        let expected = type.isEmpty || normalizedKey(type) == normalizedKey(policy.agreementType)
        #expect(policy.counts(agreementType: type) == expected)
        var bytes = type
        let key = normalizedKey(policy.agreementType)
        #expect(bytes.withUTF8 { hasNormalizedKey(UnsafeRawBufferPointer($0), key) } == (normalizedKey(type) == key))
    }
}
