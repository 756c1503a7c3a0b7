/// The agreements export, one row at a time, exactly as many rows as asked for.
///
/// First pass: each customer's records in customer order (those not embedded in the customers
/// row). If rows remain, further passes add re-confirmations (a newer valid record, as partners
/// record when a contact changes) to customers in turn. If fewer rows are asked for than the
/// first pass needs, the last customers simply have no agreements row. About 0.1% of rows are
/// for a customer that is not in the customers export.
struct AgreementRows {
    private let factory: RecordFactory
    private var rng: SplitMix64
    private var nextCustomer = 0
    private var pending: [RecordPlan] = []
    private var pendingIndex = 0
    private var pendingCustomer = 0
    private var pendingProfile: CustomerProfile?
    private var extraPass = 0
    private var extraCursor = 0
    private var unknownRows = 0

    init(factory: RecordFactory) {
        self.factory = factory
        rng = factory.sequence(.agreements)
    }

    mutating func next(into r: inout GeneratedRecord) {
        if rng.chance(0.1) {
            factory.fillUnknownCustomerAgreement(unknownRows, into: &r)
            unknownRows += 1
            return
        }
        while pendingIndex == pending.count && nextCustomer < factory.customerCount {
            let c = nextCustomer
            nextCustomer += 1
            if factory.isDuplicateRow(c) { continue }
            let p = factory.profile(c)
            pending = factory.plans(c, p)
            pendingIndex = 0
            pendingCustomer = c
            pendingProfile = p
            while pendingIndex < pending.count && pending[pendingIndex].embedded { pendingIndex += 1 }
        }
        if pendingIndex < pending.count, let p = pendingProfile {
            factory.fillConfirmation(customer: pendingCustomer, ordinal: pendingIndex, plan: pending[pendingIndex],
                                     profile: p, embedded: false, into: &r)
            pendingIndex += 1
            while pendingIndex < pending.count && pending[pendingIndex].embedded { pendingIndex += 1 }
            return
        }
        // Re-confirmations, customer by customer, pass after pass.
        let c = factory.existingCustomer(atOrBelow: extraCursor)
        extraCursor += 1
        if extraCursor == factory.customerCount {
            extraCursor = 0
            extraPass += 1
        }
        var day = SplitMix64(seed: factory.hash(.records, c, 100 + extraPass))
        let plan = RecordPlan(day: day.day(in: Window.afterCutover), kind: .cloudAgreement)
        factory.fillConfirmation(customer: c, ordinal: 100 + extraPass, plan: plan, profile: factory.profile(c),
                                 embedded: false, into: &r)
    }
}
