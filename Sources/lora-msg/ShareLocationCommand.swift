import ArgumentParser
import Dispatch
import Foundation
import LoraMessenger

struct ShareLocationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-location",
        abstract: "Send your position to one contact, sealed for them alone.",
        discussion: """
        One fix from --lat/--lon, or from a running gpsd with --gpsd (or --gpsd-at HOST:PORT). With --every, a new fix \
        every DURATION (e.g. 30s, 5m, 1h) until interrupted; when the duty cycle has no room \
        for it, that fix is skipped, never queued behind the others. On the air it is 61 to 65 \
        bytes; positions are rounded to about 1.2 m (latitude) and 2.4 m (longitude at the \
        equator), finer than a consumer GPS. Stored only as ciphertext, like text.
        """
    )

    @OptionGroup var home: HomeOptions
    @OptionGroup(title: "Radio") var radio: RadioOptions
    @OptionGroup(title: "No radio: over an MQTT broker") var mqtt: MQTTNodeOptions
    @Argument(help: "The contact's name.") var name: String
    @Option(parsing: .unconditional, help: ArgumentHelp("Latitude in degrees (north positive; south as -33.87).", valueName: "deg")) var lat: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Longitude in degrees (east positive; west as -0.57).", valueName: "deg")) var lon: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Altitude in metres (below sea level as -3).", valueName: "m")) var alt: Double?
    @Option(help: ArgumentHelp("Horizontal accuracy in metres.", valueName: "m")) var accuracy: Double?
    @Flag(help: "Read the position from gpsd on this machine (127.0.0.1:2947).") var gpsd = false
    @Option(help: ArgumentHelp("Read the position from gpsd at this address instead.", valueName: "host:port")) var gpsdAt: String?
    @Option(help: ArgumentHelp("Send a fresh fix this often until interrupted.", valueName: "duration")) var every: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait for the radio to take each fix (and for a GPS fix).", valueName: "s")) var timeout = 60.0

    func validate() throws {
        let manual = lat != nil || lon != nil
        let fromGPS = gpsd || gpsdAt != nil
        if manual && fromGPS { throw ValidationError("give --lat and --lon, or --gpsd, not both") }
        if !manual && !fromGPS { throw ValidationError("give --lat and --lon, or --gpsd (or --gpsd-at HOST:PORT)") }
        if manual && (lat == nil || lon == nil) { throw ValidationError("--lat and --lon go together") }
        if let lat, !(lat.isFinite && (-90...90).contains(lat)) { throw ValidationError("--lat must be between -90 and 90") }
        if let lon, !(lon.isFinite && (-180...180).contains(lon)) { throw ValidationError("--lon must be between -180 and 180") }
        if let accuracy, !(accuracy.isFinite && accuracy >= 0) { throw ValidationError("--accuracy must be 0 or more metres") }
        if let alt, !alt.isFinite { throw ValidationError("--alt must be a number of metres") }
        if let every { _ = try Self.seconds(every) }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    /// Sends one fix; returns the seconds the duty cycle still needs when it was skipped.
    private func sendOne(_ fix: SharedLocation, messenger: Messenger, plan: SendPlan, skipWhenNoRoom: Bool) async throws -> Int? {
        let line = ProgressLine()
        defer { line.finish() }
        let result: Result<SendOutcome, MessengerError>
        let choice = try mqtt.apply(to: radio.choice, messenger: messenger)
        do { result = .success(try await messenger.shareLocation(fix, to: name, plan: plan, radio: choice) { p in report(p, on: line) }) } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let o):
            line.finish()
            emitLine("\(o.state.rawValue)  \(o.messageID.prefix(8))  location to \(terminalSafe(name))  " + String(format: "%.5f, %.5f", fix.lat, fix.lon))
            return nil
        case .failure(.dutyCycleWait(let s, _)) where skipWhenNoRoom:
            return s
        case .failure(let e):
            throw e
        }
    }

    /// "90", "30s", "5m", "1h" as seconds, at least 10.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var t = text.lowercased()
        var unit = 1.0
        if let last = t.last, let u = units[last] { unit = u; t.removeLast() }
        guard let n = Double(t), n.isFinite, n * unit >= 10, n * unit <= 86_400 else {
            throw ValidationError("--every takes a duration from 10s to 24h, such as 30s, 5m or 1h; not '\(text)'")
        }
        return n * unit
    }

    func run() async throws {
        let messenger = try home.openMessenger()
        let reader = gpsd || gpsdAt != nil ? try GPSDReader(address: gpsdAt) : nil
        var plan = SendPlan()
        plan.timeout = timeout
        let interval = try every.map(Self.seconds)
        if interval != nil { plan.duty = .fail }
        let stop = StopFlag()
        let sources = onInterrupt { stop.set() }
        defer { sources.forEach { $0.cancel() } }
        repeat {
            let fix = try reader?.fix(timeout: timeout)
                ?? SharedLocation(lat: lat!, lon: lon!, alt: alt, accuracy: accuracy, fixTime: Date().timeIntervalSince1970)
            if let skipped = try await sendOne(fix, messenger: messenger, plan: plan, skipWhenNoRoom: interval != nil) {
                printError("lora-msg: fix skipped: the duty cycle has no room for \(skipped) s")
            }
            if let interval { await stop.sleep(seconds: interval) }
        } while interval != nil && !stop.isSet
    }
}

/// Set by a signal handler; sleeps end early when it is set.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
    func sleep(seconds: Double) async {
        let end = Date().timeIntervalSince1970 + seconds
        while !isSet, Date().timeIntervalSince1970 < end { try? await Task.sleep(nanoseconds: 100_000_000) }
    }
}
