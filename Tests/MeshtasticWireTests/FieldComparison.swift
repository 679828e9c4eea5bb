import Foundation
@testable import MeshtasticWire

/// Our decoded structs, seen through reflection as the official library's JSON dictionary sees
/// a message: property names are the protobuf JSON names, a oneof enum contributes its case
/// name as the key, open enums are their integers, bytes compare with base64.
indirect enum Reflected {
    case absent
    case integer(Int64)
    case unsigned(UInt64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case bytes([UInt8])
    case list([Reflected])
    case object([String: Reflected])
    /// A message we carry as bytes without interpreting.
    case opaque

    init(_ any: Any) {
        switch any {
        case is OpaqueMessage: self = .opaque
        case let v as [UInt8]: self = .bytes(v)
        case let v as Bool: self = .bool(v)
        case let v as Int32: self = .integer(Int64(v))
        case let v as Int64: self = .integer(v)
        case let v as UInt32: self = .unsigned(UInt64(v))
        case let v as UInt64: self = .unsigned(v)
        case let v as Float: self = .float(Double(v))
        case let v as Double: self = .float(v)
        case let v as String: self = .string(v)
        case let v as any ProtoEnum: self = .integer(Int64(v.rawValue))
        case let v as [[UInt8]]: self = .list(v.map { .bytes($0) })
        case let v as [UInt32]: self = .list(v.map { .unsigned(UInt64($0)) })
        case let v as [Int32]: self = .list(v.map { .integer(Int64($0)) })
        default:
            let mirror = Mirror(reflecting: any)
            switch mirror.displayStyle {
            case .optional:
                if let child = mirror.children.first { self = Reflected(child.value) } else { self = .absent }
            case .struct:
                var object: [String: Reflected] = [:]
                for child in mirror.children {
                    guard let label = child.label, label != "unknownFields" else { continue }
                    // A oneof: splice the active case in under its own name.
                    let inner = Mirror(reflecting: child.value)
                    let unwrapped: Any? = inner.displayStyle == .optional ? inner.children.first?.value : child.value
                    if let u = unwrapped, Mirror(reflecting: u).displayStyle == .enum {
                        let em = Mirror(reflecting: u)
                        if let payload = em.children.first, let caseName = payload.label {
                            object[caseName] = Reflected(payload.value)
                        }
                        continue
                    }
                    if inner.displayStyle == .optional && unwrapped == nil {
                        object[label] = .absent
                        continue
                    }
                    object[label] = Reflected(child.value)
                }
                self = .object(object)
            default:
                self = .string("\(any)")
            }
        }
    }

    var isDefault: Bool {
        switch self {
        case .absent: return true
        case .integer(let v): return v == 0
        case .unsigned(let v): return v == 0
        case .float(let v): return v.bitPattern == 0
        case .bool(let v): return !v
        case .string(let v): return v.isEmpty
        case .bytes(let v): return v.isEmpty
        case .list(let v): return v.isEmpty
        case .object, .opaque: return false   // a present submessage is never "default"
        }
    }
}

enum FieldComparison {
    static func compare(swift: Reflected, official: Any, path: String, problems: inout [String]) {
        switch swift {
        case .opaque:
            return   // carried verbatim; the byte-equal re-encoding checks it
        case .object(let fields):
            guard let dict = official as? [String: Any] else {
                problems.append("\(path): we have a message, official has \(official)"); return
            }
            for (key, value) in dict {
                guard let ours = fields[key] else { problems.append("\(path).\(key): no such field in our model"); continue }
                compare(swift: ours, official: value, path: "\(path).\(key)", problems: &problems)
            }
            for (key, ours) in fields where dict[key] == nil && !ours.isDefault {
                problems.append("\(path).\(key): we decoded \(ours), official has it absent/default")
            }
        case .list(let items):
            guard let arr = official as? [Any], arr.count == items.count else {
                problems.append("\(path): list \(items) vs \(official)"); return
            }
            for (i, (a, b)) in zip(items, arr).enumerated() {
                compare(swift: a, official: b, path: "\(path)[\(i)]", problems: &problems)
            }
        case .bytes(let b):
            let expected = (official as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            if expected != b { problems.append("\(path): bytes \(toHex(b)) vs \(official)") }
        case .string(let s):
            if (official as? String) != s { problems.append("\(path): \"\(s)\" vs \(official)") }
        case .bool(let v):
            if (official as? Bool) != v { problems.append("\(path): \(v) vs \(official)") }
        case .integer(let v):
            if number(official).map({ $0 == Double(v) }) != true, (official as? String) != String(v) {
                problems.append("\(path): \(v) vs \(official)")
            }
        case .unsigned(let v):
            if number(official).map({ $0 == Double(v) }) != true, (official as? String) != String(v) {
                problems.append("\(path): \(v) vs \(official)")
            }
        case .float(let v):
            if number(official).map({ Float($0) == Float(v) }) != true { problems.append("\(path): \(v) vs \(official)") }
        case .absent:
            problems.append("\(path): absent in ours, official has \(official)")
        }
    }

    static func number(_ any: Any) -> Double? {
        if let n = any as? NSNumber { return n.doubleValue }
        return nil
    }
}
