/// Where a seat line's texts are in the bytes of an `OutcomeView`: its subscription id and its offer.
package struct SeatLineText: Sendable {
    package var offer: Int32
    /// -1: no subscription id.
    package var idCount: Int32
    package var seats: Int
    package var idStart: Int

    package init(offer: Int32, idCount: Int32, seats: Int, idStart: Int) {
        self.offer = offer
        self.idCount = idCount
        self.seats = seats
        self.idStart = idStart
    }
}

/// Where an offer's id and name are: the id's bytes at `idStart`, the name's right after them.
package struct OfferText: Sendable {
    package var idStart: Int
    /// -1: no offer id.
    package var idCount: Int32
    /// -1: no offer name.
    package var nameCount: Int32

    package init(idStart: Int, idCount: Int32, nameCount: Int32) {
        self.idStart = idStart
        self.idCount = idCount
        self.nameCount = nameCount
    }
}

/// `count` bytes at `start` of `bytes`; `nil` when `count` is -1 (no text).
@inlinable @inline(__always)
package func span(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int32) -> UnsafeBufferPointer<UInt8>? {
    count < 0 ? nil : UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(count))])
}

/// The text of UTF-8 bytes stored from a String (so valid UTF-8); `nil` for none.
package func string(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

/// A customer's status reasons (`CustomerOutcome.reasons`) without an array of their own: the raw
/// values of a `StatusReason`, or of the defects in the order of `Defect.allCases`.
public struct ReasonList: Sequence, Sendable {
    fileprivate enum Storage: Sendable {
        case codes(StatusReason?, defects: UInt16)
        case texts([String])
    }
    private let storage: Storage

    /// One status reason, or none.
    package init(_ reason: StatusReason?) { storage = .codes(reason, defects: 0) }
    /// The defects of a record, as bits in the order of `Defect.allCases`.
    package init(defects: DefectBits) { storage = .codes(nil, defects: defects.bits) }
    public init(_ texts: [String]) { storage = .texts(texts) }

    public var count: Int {
        switch storage {
        case .codes(let reason, let defects): return (reason == nil ? 0 : 1) + defects.nonzeroBitCount
        case .texts(let texts): return texts.count
        }
    }

    public struct Iterator: IteratorProtocol {
        fileprivate var storage: Storage
        fileprivate var position = 0

        public mutating func next() -> String? {
            switch storage {
            case .texts(let texts):
                guard position < texts.count else { return nil }
                position += 1
                return texts[position - 1]
            case .codes(let reason, let defects):
                if let reason {
                    storage = .codes(nil, defects: defects)
                    return reason.rawValue
                }
                // The lowest bit left is the next defect.
                guard defects != 0 else { return nil }
                storage = .codes(nil, defects: defects & (defects - 1))
                return Defect(ordinal: defects.trailingZeroBitCount).rawValue
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(storage: storage) }
}

/// A record's defects as bits, bit k for `Defect.allCases[k]`: listed in that order, with no array.
package struct DefectBits: Sendable, Equatable {
    @usableFromInline package private(set) var bits: UInt16 = 0

    package init() {}

    package init(_ defects: [Defect]) {
        for defect in defects { insert(defect) }
    }

    package var isEmpty: Bool { bits == 0 }

    @inlinable package mutating func insert(_ defect: Defect) { bits |= 1 << UInt16(defect.ordinal) }

    /// The defects as a list, in `Defect.allCases` order.
    package var list: [Defect] { Defect.allCases.filter { bits & (1 << UInt16($0.ordinal)) != 0 } }
}

/// One seat-based subscription of an `OutcomeView`, its texts as UTF-8 bytes.
public struct SeatSubscriptionView {
    public let subscriptionId: UnsafeBufferPointer<UInt8>?
    public let offerId: UnsafeBufferPointer<UInt8>?
    public let offerName: UnsafeBufferPointer<UInt8>?
    public let seats: Int
}

/// The seat-based subscriptions of an `OutcomeView`, in report order.
public struct SeatSubscriptionViews: RandomAccessCollection {
    let lines: UnsafeBufferPointer<SeatLineText>
    let ids: UnsafeBufferPointer<UInt8>
    let offers: UnsafeBufferPointer<OfferText>
    let offerBytes: UnsafeBufferPointer<UInt8>

    package init(lines: UnsafeBufferPointer<SeatLineText>, ids: UnsafeBufferPointer<UInt8>, offers: UnsafeBufferPointer<OfferText>,
                 offerBytes: UnsafeBufferPointer<UInt8>) {
        self.lines = lines
        self.ids = ids
        self.offers = offers
        self.offerBytes = offerBytes
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { lines.count }

    public subscript(position: Int) -> SeatSubscriptionView {
        let line = lines[position]
        let offer = offers[Int(line.offer)]
        return SeatSubscriptionView(subscriptionId: span(ids, line.idStart, line.idCount),
                                    offerId: span(offerBytes, offer.idStart, offer.idCount),
                                    offerName: span(offerBytes, offer.idStart + Int(Swift.max(offer.idCount, 0)), offer.nameCount),
                                    seats: line.seats)
    }
}

/// A customer's outcome read in place: what `CustomerOutcome` holds but its newest record, with
/// its texts as UTF-8 bytes rather than Strings, so writing a report row allocates nothing.
/// Valid only inside the closure it is passed to (`CustomerOutcomes.withView`).
public struct OutcomeView {
    public let customerId: UnsafeBufferPointer<UInt8>
    public let companyName: UnsafeBufferPointer<UInt8>
    public let domain: UnsafeBufferPointer<UInt8>?
    public let cloud: Cloud
    public let status: CustomerStatus
    public let reasons: ReasonList
    public let confirmedOn: DayDate?
    public let newOrders: Impact
    public let seatChanges: Impact
    public let daysToCutover: Int?
    /// Total seats of the seat-based subscriptions.
    public let seats: Int
    public let subscriptions: SeatSubscriptionViews

    package init(customerId: UnsafeBufferPointer<UInt8>, companyName: UnsafeBufferPointer<UInt8>, domain: UnsafeBufferPointer<UInt8>?,
                 cloud: Cloud, status: CustomerStatus, reasons: ReasonList, confirmedOn: DayDate?, newOrders: Impact,
                 seatChanges: Impact, daysToCutover: Int?, seats: Int, subscriptions: SeatSubscriptionViews) {
        self.customerId = customerId
        self.companyName = companyName
        self.domain = domain
        self.cloud = cloud
        self.status = status
        self.reasons = reasons
        self.confirmedOn = confirmedOn
        self.newOrders = newOrders
        self.seatChanges = seatChanges
        self.daysToCutover = daysToCutover
        self.seats = seats
        self.subscriptions = subscriptions
    }

    /// The view of an outcome held as a value: its texts copied into one buffer for the call.
    static func with<R>(_ o: CustomerOutcome, _ body: (OutcomeView) -> R) -> R {
        var bytes: [UInt8] = []
        func add(_ text: String?) -> (start: Int, count: Int32) {
            let start = bytes.count
            guard let text else { return (start, -1) }
            bytes.append(contentsOf: text.utf8)
            return (start, Int32(bytes.count - start))
        }
        let id = add(o.customerId), name = add(o.companyName), domain = add(o.domain)
        var lines: [SeatLineText] = []
        var offers: [OfferText] = []
        for s in o.subscriptions {
            let sub = add(s.subscriptionId)
            let offerId = add(s.offerId)
            let offerName = add(s.offerName)
            lines.append(SeatLineText(offer: Int32(offers.count), idCount: sub.count, seats: s.seats, idStart: sub.start))
            offers.append(OfferText(idStart: offerId.start, idCount: offerId.count, nameCount: offerName.count))
        }
        return bytes.withUnsafeBufferPointer { b in
            lines.withUnsafeBufferPointer { l in
                offers.withUnsafeBufferPointer { f in
                    body(OutcomeView(customerId: span(b, id.start, id.count)!, companyName: span(b, name.start, name.count)!,
                                     domain: span(b, domain.start, domain.count), cloud: o.cloud, status: o.status,
                                     reasons: ReasonList(o.reasons), confirmedOn: o.confirmedOn, newOrders: o.newOrders,
                                     seatChanges: o.seatChanges, daysToCutover: o.daysToCutover, seats: o.seats,
                                     subscriptions: SeatSubscriptionViews(lines: l, ids: b, offers: f, offerBytes: b)))
                }
            }
        }
    }
}

extension CustomerOutcome {
    /// The outcome a view shows, its texts as Strings; `newestRecord` is not in a view.
    package init(_ v: OutcomeView, newestRecord: ConfirmationRecord?) {
        self.init(customerId: string(v.customerId)!, companyName: string(v.companyName)!, domain: string(v.domain), cloud: v.cloud,
                  status: v.status, reasons: Array(v.reasons), confirmedOn: v.confirmedOn, newOrders: v.newOrders,
                  seatChanges: v.seatChanges, daysToCutover: v.daysToCutover,
                  subscriptions: v.subscriptions.map {
                      SeatSubscription(subscriptionId: string($0.subscriptionId), offerId: string($0.offerId),
                                       offerName: string($0.offerName), seats: $0.seats)
                  },
                  newestRecord: newestRecord)
    }
}
