/// `telemetry.proto` Telemetry (TELEMETRY_APP, port 67): a time and one kind of metrics. Only
/// device metrics are typed; the other kinds (environment, power, local stats …) stay in
/// `unknownFields`, and `variantField` says which one arrived, so a request for them can be
/// told apart from a request for device metrics.
public struct Telemetry: ProtoMessage {
    /// Unix seconds (fixed32).
    public var time: UInt32 = 0
    public var deviceMetrics: DeviceMetrics?
    /// The oneof field number that was present: 2 device metrics, 3 environment, 6 local stats …
    public private(set) var variantField: Int?
    public var unknownFields: [UInt8] = []

    public init() {}
    public init(time: UInt32, deviceMetrics: DeviceMetrics) {
        self.time = time
        self.deviceMetrics = deviceMetrics
        variantField = 2
    }

    public mutating func decodeField(_ k: FieldKey, from r: inout ProtoReader) throws(WireError) -> Bool {
        switch k.number {
        case 1: time = try r.fixed32(k)
        case 2: deviceMetrics = try r.message(k); variantField = 2
        case 3...9: variantField = k.number; return false   // kept verbatim as unknown bytes
        default: return false
        }
        return true
    }

    public func encode(to w: inout ProtoWriter) {
        w.fixed32(1, time)
        if let deviceMetrics { w.message(2, deviceMetrics) }
        w.raw(unknownFields)
    }
}
