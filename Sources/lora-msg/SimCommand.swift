import ArgumentParser
import Foundation
import Glibc
import MeshSim
import Synchronization

/// Set from the signal handler; the loop looks at it at least every 20 ms.
let stopRequested = Atomic<Bool>(false)

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run virtual Meshtastic radios on pseudo-terminals, joined by a simulated LoRa air.",
        discussion: """
        Each radio answers on its pty exactly as a USB-attached Meshtastic radio answers on \
        /dev/ttyACM0, so 'lora-msg send --port …' and the official Meshtastic clients work \
        against it unchanged. Runs until Ctrl-C (SIGINT) or SIGTERM, then removes what it made.

        Built-in scenarios: two-radios (a bench pair 10 m apart), valley (north and east \
        farmhouses with a ridge relay; a direct obstructed path and a relayed one), line-5 (five \
        radios 2 km apart, each hearing only its neighbours), two-valleys (two valleys with no \
        radio path between them, joined by 'lora-msg gateway' on their a-gate and b-gate radios). \
        Or give a JSON file; the format is in docs/SIMULATOR.md.

        Example:
          lora-msg sim --scenario valley --link-dir /tmp/radios &
          lora-msg send --port /tmp/radios/north alice "hello"
        """
    )

    @Option(help: "A built-in scenario name or a JSON scenario file.")
    var scenario = "two-radios"

    @Option(help: ArgumentHelp("Make DIR/NAME a symlink to each radio's pty once it is ready.", valueName: "dir"))
    var linkDir: String?

    @Option(help: ArgumentHelp("Also serve radio i on TCP 127.0.0.1:(BASE+i), like meshtasticd.", valueName: "base"))
    var tcpPort: UInt16?

    @Option(help: "Run the simulated clock this many times faster than real time.")
    var speed = 1.0

    @Option(help: "Seed for every random choice (relay delays, losses, keys); same seed, same run.")
    var seed: UInt64 = 1

    @Option(help: "Serial line rate the radios pace their output at (0 = unpaced).")
    var baud = 115_200

    @Option(help: "Seconds after boot during which a radio ignores frames, as real firmware does.")
    var bootDelay = 1.0

    @Option(help: ArgumentHelp("Write every transmission (time, radio, node, packet bytes) and what each radio heard, lost or collided with to FILE as JSON lines.", valueName: "file"))
    var capture: String?

    func validate() throws {
        guard speed > 0, speed <= 1000 else { throw ValidationError("--speed must be above 0 and at most 1000") }
        guard baud >= 0, baud <= 4_000_000 else { throw ValidationError("--baud must be 0…4000000") }
        guard bootDelay >= 0, bootDelay <= 60 else { throw ValidationError("--boot-delay must be 0…60 seconds") }
        if let tcpPort, tcpPort == 0 { throw ValidationError("--tcp-port must be a port number above 0") }
    }

    func run() throws {
            let chosen = try resolveScenario(scenario)
            if let linkDir {
                var isDir: ObjCBool = false
                if !FileManager.default.fileExists(atPath: linkDir, isDirectory: &isDir) {
                    do { try FileManager.default.createDirectory(atPath: linkDir, withIntermediateDirectories: true) } catch {
                        throw CLIError(.cantCreate, "cannot create link directory \(linkDir)")
                    }
                } else if !isDir.boolValue {
                    throw CLIError(.cantCreate, "\(linkDir) exists and is not a directory")
                }
            }
            var options = SimRuntime.Options()
            options.baud = baud
            options.speed = speed
            options.seed = seed
            options.tcpBasePort = tcpPort
            options.linkDirectory = linkDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            options.bootDelaySeconds = bootDelay
            options.capturePath = capture
            let runtime: SimRuntime
            do { runtime = try SimRuntime(scenario: chosen, options: options) } catch {
                if case .linkDirectory = error { throw CLIError(.cantCreate, error.description) }
                if case .capture = error { throw CLIError(.cantCreate, error.description) }
                throw CLIError(.unavailable, "\(error)")
            }
            signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
            signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
            signal(SIGPIPE, SIG_IGN)
            unblockStopSignals()

            let width = runtime.ports.map(\.name.count).max() ?? 0
            print("scenario \(chosen.name): \(runtime.ports.count) radios, \(chosen.resolvedRegion.name) \(chosen.resolvedPreset.displayName), seed \(seed), speed \(speed)x")
            for p in runtime.ports {
                var line = p.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(p.nodeID)  \(p.devicePath)"
                if let l = p.linkPath { line += "  link \(l)" }
                if let t = p.tcpPort { line += "  tcp 127.0.0.1:\(t)" }
                print(line)
            }
            fflush(nil)
            // The control interface: "off NAME" / "on NAME" on stdin switches a radio.
            let names = runtime.ports.map(\.name)
            let control = Thread {
                while let line = readLine() {
                    let words = line.split(separator: " ").map(String.init)
                    guard words.count == 2, ["on", "off"].contains(words[0]), let s = names.firstIndex(of: words[1]) else {
                        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                            printError("lora-msg: sim control takes 'off NAME' or 'on NAME' (radios: \(names.joined(separator: ", ")))")
                        }
                        continue
                    }
                    // Said once the air has taken it, so a reader acting on the answer sees it done.
                    let taken = DispatchSemaphore(value: 0)
                    runtime.inject(.power(station: s, on: words[0] == "on")) { taken.signal() }
                    taken.wait()
                    print("\(words[1]) \(words[0])")
                    fflush(nil)
                }
            }
            control.start()
            runtime.run(onReady: {
                print("ready")
                fflush(nil)
            }, shouldStop: { stopRequested.load(ordering: .relaxed) })
    }
}

/// A built-in scenario by name, or a JSON file by path.
func resolveScenario(_ scenario: String) throws -> Scenario {
    if let builtIn = Scenario.builtIn[scenario] { return builtIn }
    if scenario.contains("/") || scenario.hasSuffix(".json") {
        do { return try Scenario.load(path: scenario) } catch {
            throw CLIError(.dataError, "scenario \(scenario): \(error)")
        }
    }
    throw CLIError(.usage, "unknown scenario \"\(scenario)\"; use two-radios, valley, line-5 or a JSON file path")
}
