#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import MCAModel

/// Where the fields read in an element go.
enum XMLFieldTarget: Equatable {
    /// The record being read (a customer, an agreement, a line item).
    case record
    /// The enclosing order, whose fields every line item takes.
    case order
}

/// What an open element is, for mapping (one per open element, innermost last).
enum XMLFrame: Equatable {
    /// Outside any record: only record (and order) elements below matter. Inside an order, an
    /// element that is no field (`<LineItems>`) is transparent too, so its line items are found.
    case transparent
    /// The order element: its attributes and leaf children are order fields.
    case order
    /// A record element.
    case record
    /// An allowlisted nested element (`<PrimaryContact>`): its attributes and leaf children count,
    /// for the fields its name allows.
    case nested(XMLFieldTarget, FieldSet)
    /// An element named like a field: its text is the value, unless it turns out to have children.
    case leaf(NamedField, XMLFieldTarget)
    /// Ignored with everything inside it.
    case skip
}

extension XMLParseState {
    mutating func startElement(_ name: UnsafePointer<xmlChar>,
                               attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int) {
        guard failure == nil else { return }
        sawElement = true
        // libxml2 2.9's push parser does not apply its own 256-level limit (only its tree builder
        // and pull parser do), so without this a deep document grows libxml2's name stack at will.
        guard frames.count < XMLRecordReader.maxDepth else {
            stopDocument("XML elements are nested deeper than \(XMLRecordReader.maxDepth) levels")
            return
        }
        let info = info(for: name)
        var parent = frames.last ?? .transparent
        if case .leaf = parent { parent = demoteLeaf() }

        let frame: XMLFrame
        switch parent {
        case .skip, .leaf:
            frame = .skip
        case .transparent:
            if info.isRecord {
                frame = beginRecord(attributes, count)
            } else if info.isContainer && !orderOpen {
                order.reset(line: startTagLine())
                orderFields.removeAll(keepingCapacity: true)
                orderOpen = true
                readAttributes(attributes, count, into: .order, allowed: .all)
                frame = .order
            } else {
                frame = .transparent
            }
        case .order:
            if info.isRecord {
                frame = beginRecord(attributes, count)
            } else {
                frame = child(info, attributes, count, target: .order, allowed: .all) ?? .transparent
            }
        case .record:
            frame = child(info, attributes, count, target: .record, allowed: .all) ?? .skip
        case .nested(let target, let allowed):
            frame = child(info, attributes, count, target: target, allowed: allowed) ?? .skip
        }
        frames.append(frame)
        openElements.append((name, Int32(truncatingIfNeeded: currentLine)))
    }

    mutating func endElement() {
        guard failure == nil, let frame = frames.popLast() else { return }
        openElements.removeLast()
        switch frame {
        case .leaf(let field, let target):
            if textOverflow {
                reject(target, "the value of \(field.field) is longer than \(maxFieldBytes) bytes")
            } else {
                text.withUnsafeBytes { set(field, $0, target) }
            }
        case .record:
            if orderOpen {
                // The held line items are reused from order to order: swapping moves the record
                // in without copying it and leaves an old one in `record` to be reset.
                if orderItemCount < orderItems.count {
                    swap(&orderItems[orderItemCount], &record)
                } else {
                    orderItems.append(record)
                }
                orderItemCount += 1
            } else {
                deliver(record)
            }
        case .order:
            finishOrder()
        case .transparent, .nested, .skip:
            break
        }
    }

    mutating func characters(_ bytes: UnsafePointer<xmlChar>, _ count: Int) {
        guard case .leaf? = frames.last, !textOverflow else { return }
        if text.count + count > maxFieldBytes {
            textOverflow = true
            text.removeAll()
            return
        }
        text.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
    }

    private mutating func beginRecord(_ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                                      _ count: Int) -> XMLFrame {
        record.reset(line: startTagLine())
        readAttributes(attributes, count, into: .record, allowed: .all)
        return .record
    }

    /// The frame of an element inside a record, a nested element or an order; nil for a name
    /// that is neither a nested container nor a field `allowed` there.
    private mutating func child(_ info: XMLNameInfo, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                                _ count: Int, target: XMLFieldTarget, allowed: FieldSet) -> XMLFrame? {
        if let fields = info.nested {
            let inside = allowed.intersection(fields)
            readAttributes(attributes, count, into: target, allowed: inside)
            return .nested(target, inside)
        }
        guard let field = info.field, allowed.contains(field.field) else { return nil }
        text.removeAll(keepingCapacity: true)
        textOverflow = false
        return .leaf(field, target)
    }

    /// A field-named element got a child element, so it is no leaf: under an order it may still
    /// wrap line items; anywhere else it is skipped with everything inside it.
    private mutating func demoteLeaf() -> XMLFrame {
        let below = frames.count >= 2 ? frames[frames.count - 2] : .transparent
        let frame: XMLFrame = below == .order ? .transparent : .skip
        frames[frames.count - 1] = frame
        return frame
    }

    private mutating func readAttributes(_ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ count: Int,
                                         into target: XMLFieldTarget, allowed: FieldSet) {
        guard let attributes else { return }
        // SAX2 passes five pointers per attribute: localname, prefix, URI, value start, value end.
        for i in 0..<count {
            let a = attributes + 5 * i
            guard let localname = a[0], let start = a[3], let end = a[4], let field = info(for: localname).field,
                  allowed.contains(field.field)
            else { continue }
            let length = end - start
            if length > maxFieldBytes {
                reject(target, "the value of \(field.field) is longer than \(maxFieldBytes) bytes")
                continue
            }
            Self.withAttributeValue(UnsafeBufferPointer(start: start, count: length)) { set(field, $0, target) }
        }
    }

    /// Without entity substitution libxml2 hands a `&` written as `&amp;` or `&#38;` in an
    /// attribute value over as the five bytes `&#38;` (for its tree builder to re-parse). Every
    /// `&` in the value starts such a sequence, so each one stands for a single `&`.
    static func withAttributeValue<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let start = bytes.baseAddress, memchr(start, 0x26, bytes.count) != nil else {
            return body(UnsafeRawBufferPointer(bytes))
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            out.append(c)
            if c == UInt8(ascii: "&"), i + 4 < bytes.count, bytes[i + 1] == UInt8(ascii: "#"),
               bytes[i + 2] == UInt8(ascii: "3"), bytes[i + 3] == UInt8(ascii: "8"), bytes[i + 4] == UInt8(ascii: ";") {
                i += 5
            } else {
                i += 1
            }
        }
        return out.withUnsafeBytes(body)
    }

    /// Sets a field of the record or the order, as bytes: no String is made. libxml2 hands over
    /// UTF-8; should a value not be valid, it is repaired as a String would be (U+FFFD).
    private mutating func set(_ field: NamedField, _ value: UnsafeRawBufferPointer, _ target: XMLFieldTarget) {
        guard UTF8Text.isValid(value) else {
            var repaired = String(decoding: value.bindMemory(to: UInt8.self), as: UTF8.self)
            return repaired.withUTF8 { set(field, UnsafeRawBufferPointer($0), target) }
        }
        switch target {
        case .record: record.set(field, validUTF8: value)
        case .order:
            guard order.takes(field) else { return }
            if !order.has(field.field) { orderFields.append(field.field) }
            order.set(field, validUTF8: value)
        }
    }

    private mutating func reject(_ target: XMLFieldTarget, _ message: String) {
        switch target {
        case .record: if record.rejection == nil { record.rejection = RowIssue(.malformedRow, message) }
        case .order: if order.rejection == nil { order.rejection = RowIssue(.malformedRow, message) }
        }
    }

    /// Emits the order's line items, each completed with the order's fields, or the order itself
    /// when it has none, so no row is lost.
    private mutating func finishOrder() {
        orderOpen = false
        defer { orderItemCount = 0 }
        if orderItemCount == 0 {
            deliver(order)
            return
        }
        // In place, so no line item's storage is copied.
        for i in 0..<orderItemCount {
            guard failure == nil else { break }
            orderItems[i].fillAbsent(orderFields, from: order, except: schema.notInherited)
            if orderItems[i].rejection == nil { orderItems[i].rejection = order.rejection }
            deliver(orderItems[i])
        }
    }

    private mutating func deliver(_ record: RawRecord) {
        guard failure == nil else { return }
        do {
            try emit(record)
        } catch {
            stop(error)
        }
    }
}
