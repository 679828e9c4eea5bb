/// One position, as a v2 sealed kind. Latitude and longitude are 24-bit two's-complement
/// fractions of a half turn: 90/2²³ ° (1.19 m) of latitude and 180/2²³ ° (2.39 m at the
/// equator, less towards the poles) of longitude. That is finer than a consumer GPS fix
/// (2–5 m) and 2 bytes shorter than Meshtastic's 1e-7 ° integers, which resolve 1 cm nobody
/// measures.
///
///     flags(1) | lat(3) | lon(3) | fix_time(4, u32 BE unix s) | [alt(2, i16 BE m)] | [accuracy(2, u16 BE m)]
///
/// flags bit 0: altitude present; bit 1: accuracy present; other bits must be 0.
public struct LocationFix: Equatable, Sendable {
    public static let minimumBytes = 11
    public static let maximumBytes = 15
    static let scale = Double(1 << 23)

    /// Quantized latitude: −2²³ … 2²³−1 units of 90/2²³ °.
    public let latitudeUnits: Int32
    /// Quantized longitude: −2²³ … 2²³−1 units of 180/2²³ ° (+180 ° is −180 °).
    public let longitudeUnits: Int32
    public let fixTime: UInt32
    public let altitude: Int16?
    public let accuracy: UInt16?

    public var latitude: Double { Double(latitudeUnits) * 90 / Self.scale }
    public var longitude: Double { Double(longitudeUnits) * 180 / Self.scale }

    /// Quantizes a fix. Latitude must be within ±90 °, longitude within ±180 °; altitude is
    /// clamped to ±32767 m, accuracy to 0…65535 m.
    public init(latitude: Double, longitude: Double, fixTime: UInt32, altitude: Double? = nil, accuracy: Double? = nil) throws(LoraCryptoError) {
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw .malformedEnvelope(.badField("latitude \(latitude) is outside -90…90"))
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw .malformedEnvelope(.badField("longitude \(longitude) is outside -180…180"))
        }
        let top = Int32(1 << 23)
        latitudeUnits = min(top - 1, Int32((latitude / 90 * Self.scale).rounded()))
        let lon = Int32((longitude / 180 * Self.scale).rounded())
        longitudeUnits = lon >= top ? lon - 2 * top : lon
        self.fixTime = fixTime
        if let altitude, !altitude.isFinite { throw .malformedEnvelope(.badField("altitude is not a number")) }
        if let accuracy, !(accuracy.isFinite && accuracy >= 0) { throw .malformedEnvelope(.badField("accuracy must be 0 or more metres")) }
        self.altitude = altitude.map { Int16(max(-32767, min(32767, $0.rounded()))) }
        self.accuracy = accuracy.map { UInt16(min(65535, $0.rounded())) }
    }

    public var bytes: [UInt8] {
        var flags: UInt8 = 0
        if altitude != nil { flags |= 1 }
        if accuracy != nil { flags |= 2 }
        var out: [UInt8] = [flags]
        out += Self.int24(latitudeUnits) + Self.int24(longitudeUnits)
        out += [UInt8(fixTime >> 24), UInt8(fixTime >> 16 & 0xFF), UInt8(fixTime >> 8 & 0xFF), UInt8(fixTime & 0xFF)]
        if let a = altitude { let u = UInt16(bitPattern: a); out += [UInt8(u >> 8), UInt8(u & 0xFF)] }
        if let a = accuracy { out += [UInt8(a >> 8), UInt8(a & 0xFF)] }
        return out
    }

    public init(bytes: some Collection<UInt8>) throws(LoraCryptoError) {
        let b = Array(bytes)
        guard b.count >= Self.minimumBytes else {
            throw .malformedEnvelope(.badField("a location is at least \(Self.minimumBytes) bytes, got \(b.count)"))
        }
        let flags = b[0]
        guard flags & ~0x03 == 0 else { throw .malformedEnvelope(.badField("location flags 0x\(String(flags, radix: 16)) has unknown bits")) }
        let expected = Self.minimumBytes + (flags & 1 != 0 ? 2 : 0) + (flags & 2 != 0 ? 2 : 0)
        guard b.count == expected else {
            throw .malformedEnvelope(.badField("a location with flags 0x0\(flags) is \(expected) bytes, got \(b.count)"))
        }
        latitudeUnits = Self.int24(b[1], b[2], b[3])
        longitudeUnits = Self.int24(b[4], b[5], b[6])
        fixTime = UInt32(b[7]) << 24 | UInt32(b[8]) << 16 | UInt32(b[9]) << 8 | UInt32(b[10])
        var i = 11
        if flags & 1 != 0 {
            let a = Int16(bitPattern: UInt16(b[i]) << 8 | UInt16(b[i + 1]))
            // The protocol clamps to ±32767: −32768 is never sent, so it is not a location.
            guard a != Int16.min else { throw .malformedEnvelope(.badField("altitude -32768 is outside ±32767 m")) }
            altitude = a; i += 2
        } else { altitude = nil }
        if flags & 2 != 0 { accuracy = UInt16(b[i]) << 8 | UInt16(b[i + 1]) } else { accuracy = nil }
    }

    private static func int24(_ v: Int32) -> [UInt8] {
        let u = UInt32(bitPattern: v)
        return [UInt8(u >> 16 & 0xFF), UInt8(u >> 8 & 0xFF), UInt8(u & 0xFF)]
    }

    private static func int24(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int32 {
        // Sign-extend bit 23 by shifting the 24 bits to the top and back.
        Int32(bitPattern: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8) >> 8
    }
}
