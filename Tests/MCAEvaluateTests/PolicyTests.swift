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
