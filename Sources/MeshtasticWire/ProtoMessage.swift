/// A message we model by hand. Conformers list their fields in `decodeField` and `encode`;
/// the shared loop handles unknown fields (kept verbatim, so a config read from the radio
/// and written back loses nothing the radio knows and we do not) and wire-type mismatches
/// (skipped as unknown, as upb and nanopb do).
public protocol ProtoMessage: Equatable, Sendable {
    init()
    init(reader: inout ProtoReader) throws(WireError)
    /// Returns false for a field number this type does not know.
    mutating func decodeField(_ key: FieldKey, from reader: inout ProtoReader) throws(WireError) -> Bool
    func encode(to writer: inout ProtoWriter)
    var unknownFields: [UInt8] { get set }
}

extension ProtoMessage {
    public init(reader: inout ProtoReader) throws(WireError) {
        self.init()
        while true {
            let tagStart = reader.position
            guard let key = try reader.nextField() else { break }
            let valueStart = reader.position
            var known: Bool
            do {
                known = try decodeField(key, from: &reader)
            } catch .wireTypeMismatch {
                reader.position = valueStart
                known = false
            }
            if !known {
                try reader.skip(key)
                unknownFields.append(contentsOf: reader.slice(tagStart..<reader.position))
            }
        }
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = ProtoReader(bytes)
        try self.init(reader: &reader)
    }

    public init(decoding bytes: ArraySlice<UInt8>) throws(WireError) {
        try self.init(decoding: Array(bytes))
    }

    public func encoded() -> [UInt8] {
        var w = ProtoWriter()
        encode(to: &w)
        return w.bytes
    }
}

/// A proto3 enum: open, so a value from newer firmware survives decoding and re-encoding.
/// The values this build knows are the cases of `Name`; code names them as
/// `PortNum(.privateApp)`, compares with `== .privateApp` and matches with `case .privateApp:`.
public protocol ProtoEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int32 {
    associatedtype Name: RawRepresentable, CaseIterable, Sendable where Name.RawValue == Int32
    init(rawValue: Int32)
}

extension ProtoEnum {
    public init(_ name: Name) { self.init(rawValue: name.rawValue) }
    /// Nil for a value this build has no name for.
    public var name: Name? { Name(rawValue: rawValue) }
    /// The case's name, or the number when it has none.
    public var description: String { name.map { "\($0)" } ?? "\(rawValue)" }
    public static func == (lhs: Self, rhs: Name) -> Bool { lhs.rawValue == rhs.rawValue }
    public static func != (lhs: Self, rhs: Name) -> Bool { lhs.rawValue != rhs.rawValue }
    public static func ~= (pattern: Name, value: Self) -> Bool { pattern.rawValue == value.rawValue }
}

/// A message we carry but do not interpret (module configs, xmodem, MQTT proxy …): its
/// bytes are kept exactly, so it round-trips.
public struct OpaqueMessage: ProtoMessage {
    public var bytes: [UInt8]
    public var unknownFields: [UInt8] {
        get { bytes }
        set { bytes = newValue }
    }

    public init() { bytes = [] }
    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(reader: inout ProtoReader) throws(WireError) {
        // Validate the structure (so garbage is still an error) but keep the bytes as they are.
        let start = reader.position
        while let key = try reader.nextField() { try reader.skip(key) }
        bytes = Array(reader.slice(start..<reader.position))
    }

    public mutating func decodeField(_ key: FieldKey, from reader: inout ProtoReader) throws(WireError) -> Bool { false }
    public func encode(to writer: inout ProtoWriter) { writer.raw(bytes) }
}
