import CPty
import Foundation
import Glibc
import Synchronization

/// Runs a `MeshAir` in real time (or `speed` times faster) on pseudo-terminals and optional
/// TCP ports: the I/O shell around the sans-I/O air and radios. One thread, one poll loop.
public final class SimRuntime: @unchecked Sendable {
    public struct Options: Sendable {
        /// Bytes on the serial line are paced at this rate (10 bits a byte); 0 = unpaced.
        public var baud = 115_200
        /// Simulated seconds per real second.
        public var speed = 1.0
        public var seed: UInt64 = 1
        /// When set, radio i also listens on 127.0.0.1:(tcpBasePort + i), like meshtasticd.
        public var tcpBasePort: UInt16?
        /// When set, DIR/NAME is made a symlink to each radio's pty once it is ready.
        public var linkDirectory: String?
        public var bootDelaySeconds = 1.0
        /// Write every event on the air to this file as JSON lines (`AirCapture`).
        public var capturePath: String?
        public init() {}
    }

    public struct RadioPort: Sendable {
        public var name: String
        public var nodeID: String
        public var devicePath: String
        public var linkPath: String?
        public var tcpPort: UInt16?
    }

    /// Faults a test can inject while the loop runs.
    public enum Fault: Sendable {
        /// Pulls the USB cable: the pty goes away (clients see EIO) and comes back as a new pty,
        /// with the link re-pointed, after the given simulated seconds; the radio reboots.
        case unplug(station: Int, seconds: Double)
        /// Writes raw bytes (log text, garbage) to the serial line.
        case inject(station: Int, bytes: [UInt8])
        case reboot(station: Int)
        /// Switches the radio off (deaf, mute, its client unanswered) or on (it boots).
        case power(station: Int, on: Bool)
    }

    private struct Line {
        var pty: PseudoTerminal?
        var output: [UInt8] = []
        var lineFreeAt = 0.0
        var unpluggedUntil: Double?
        var listener: Int32 = -1
        var tcpClient: Int32 = -1
        var tcpOutput: [UInt8] = []
    }

    public let options: Options
    public private(set) var ports: [RadioPort] = []
    private var air: MeshAir
    private var capture: AirCapture?
    private var lines: [Line] = []
    private let startWall: Double
    private let wake: (read: Int32, write: Int32)
    private let pending = Mutex<(faults: [Fault], applied: [@Sendable () -> Void], stop: Bool)>(([], [], false))
    private let transmitted = Mutex<[Double]>([])
    private var createdLinks: [String] = []
    /// Held (flock) for the sim's lifetime: a second sim on the same link directory is refused.
    private var linkLock: Int32 = -1
    public static let linkLockName = ".lora-msg-sim.lock"

    public init(scenario: Scenario, options: Options = Options()) throws(SimError) {
        self.options = options
        startWall = cpty_monotonic_seconds()
        air = MeshAir(scenario: scenario, seed: options.seed, epoch: Date().timeIntervalSince1970,
                      bootedAt: 0, bootDelaySeconds: options.bootDelaySeconds)
        // Nobody reads the records of a long-running air; the capture takes what it needs.
        air.keepsRecords = false
        if let path = options.capturePath {
            let a = air
            capture = try AirCapture(path: path, names: (0..<a.stationCount).map { a.name($0) },
                                     nodeIDs: (0..<a.stationCount).map { a.radio($0).identity.nodeID })
            air.capturing = true
        }
        if let dir = options.linkDirectory {
            let a = air
            linkLock = try Self.claim(linkDirectory: dir, names: (0..<a.stationCount).map { a.name($0) })
        }
        var fds: [Int32] = [0, 0]
        guard cpty_wake_pipe(&fds) == 0 else { throw .system("cannot create a pipe", errno) }
        wake = (fds[0], fds[1])
        do {
            for s in 0..<air.stationCount {
                var line = Line()
                line.pty = try PseudoTerminal()
                if let base = options.tcpBasePort {
                    let port = base &+ UInt16(s)
                    line.listener = try Self.listen(port: port)
                }
                lines.append(line)
                let radio = air.radio(s)
                ports.append(RadioPort(name: air.name(s), nodeID: radio.identity.nodeID,
                                       devicePath: line.pty?.path ?? "",
                                       linkPath: options.linkDirectory.map { $0 + "/" + air.name(s) },
                                       tcpPort: options.tcpBasePort.map { $0 &+ UInt16(s) }))
            }
        } catch {
            for l in lines { l.pty?.close(); if l.listener >= 0 { close(l.listener) } }
            if linkLock >= 0 { close(linkLock) }
            throw error
        }
        for s in lines.indices { queue(air.bootLog(s)) }
    }

    deinit {
        close(wake.read); close(wake.write)
    }

    // MARK: Control (any thread)

    /// Queues a fault; the air takes it on its next turn. `applied` is called once it has (and
    /// the capture holds what it did), on the air's thread.
    public func inject(_ fault: Fault, applied: (@Sendable () -> Void)? = nil) {
        pending.withLock { state in
            state.faults.append(fault)
            if let applied { state.applied.append(applied) }
        }
        nudge()
    }

    /// Queues a fault and returns once the air has taken it.
    public func apply(_ fault: Fault) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in inject(fault) { c.resume() } }
    }

    public func stop() {
        pending.withLock { $0.stop = true }
        nudge()
    }

    /// Each radio's time spent transmitting so far (simulated seconds, relays included), by
    /// name, in the scenario's order.
    public func transmittedSeconds() -> [(name: String, seconds: Double)] {
        let totals = transmitted.withLock { $0 }
        return ports.indices.map { (ports[$0].name, $0 < totals.count ? totals[$0] : 0) }
    }

    /// Simulated seconds since start.
    public var now: Double { (cpty_monotonic_seconds() - startWall) * options.speed }

    private func nudge() {
        var b: UInt8 = 1
        _ = write(wake.write, &b, 1)
    }

    // MARK: The loop

    /// Runs until `stop()` or `shouldStop` says so; then closes every pty and socket and removes
    /// the links it made. `onReady` runs once, when the radios answer frames.
    public func run(onReady: () -> Void = {}, shouldStop: () -> Bool = { false }) {
        defer { shutdown() }
        var linksMade = false
        while true {
            let (faults, applied, stop) = pending.withLock { state -> ([Fault], [@Sendable () -> Void], Bool) in
                defer { state.faults.removeAll(); state.applied.removeAll() }
                return (state.faults, state.applied, state.stop)
            }
            if stop || shouldStop() { return }
            let t = now
            for f in faults { apply(f, at: t) }
            replug(at: t)
            queue(air.advance(to: t))
            capture?.write(air.takeCaptured())
            for done in applied { done() }
            let totals = (0..<air.stationCount).map { air.transmittedSeconds($0) }
            transmitted.withLock { $0 = totals }
            flush(at: t)
            if !linksMade, t >= options.bootDelaySeconds {
                // Scripts wait for the link: make it only once the radio answers frames.
                linksMade = true
                for s in lines.indices { updateLink(s) }
                onReady()
            }
            pollOnce(timeoutMilliseconds: nextTimeout(at: t))
        }
    }

    private func nextTimeout(at t: Double) -> Int32 {
        var wakeAt = t + 0.02 * options.speed   // radio timers are polled, 20 ms real time at most
        if let e = air.nextEventTime { wakeAt = min(wakeAt, e) }
        for l in lines where !l.output.isEmpty { wakeAt = min(wakeAt, max(l.lineFreeAt, t)) }
        let real = max(0, (wakeAt - t) / options.speed)
        return Int32(min(20, max(1, (real * 1000).rounded(.up))))
    }

    private func pollOnce(timeoutMilliseconds: Int32) {
        var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        var owners: [(station: Int, kind: Int)] = [(-1, 0)]
        for (s, l) in lines.enumerated() {
            if let pty = l.pty {
                var ev = Int16(POLLIN)
                if !l.output.isEmpty { ev |= Int16(POLLOUT) }
                fds.append(pollfd(fd: pty.controller, events: ev, revents: 0)); owners.append((s, 0))
            }
            if l.listener >= 0 { fds.append(pollfd(fd: l.listener, events: Int16(POLLIN), revents: 0)); owners.append((s, 1)) }
            if l.tcpClient >= 0 { fds.append(pollfd(fd: l.tcpClient, events: Int16(POLLIN), revents: 0)); owners.append((s, 2)) }
        }
        let n = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        guard n > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for (i, p) in fds.enumerated() where p.revents != 0 {
            let (s, kind) = owners[i]
            if s < 0 { while read(wake.read, &buffer, buffer.count) > 0 {}; continue }
            switch kind {
            case 0 where p.revents & Int16(POLLIN) != 0:
                let got = read(p.fd, &buffer, buffer.count)
                if got > 0 { fromClient(s, Array(buffer[0..<got])) }
            case 1:
                accept(on: s)
            case 2:
                let got = read(p.fd, &buffer, buffer.count)
                if got > 0 { fromClient(s, Array(buffer[0..<got]), api: VirtualRadio.tcpAPI) } else if got == 0 || errno != EAGAIN { dropTCP(s) }
            default:
                break
            }
        }
    }

    private func fromClient(_ s: Int, _ bytes: [UInt8], api: Int = VirtualRadio.serialAPI) {
        let t = now
        queue(air.fromClient(station: s, bytes: bytes, now: t, api: api))
        capture?.write(air.takeCaptured())
    }

    private func queue(_ writes: [MeshAir.ClientWrite]) {
        for w in writes {
            if w.api == VirtualRadio.tcpAPI {
                if lines[w.station].tcpClient >= 0 { lines[w.station].tcpOutput += w.bytes }
            } else if lines[w.station].unpluggedUntil == nil {
                lines[w.station].output += w.bytes
            }
        }
    }

    private func flush(at t: Double) {
        for s in lines.indices {
            if let pty = lines[s].pty, !lines[s].output.isEmpty {
                var allowed = lines[s].output.count
                let bytesPerSecond = Double(options.baud) / 10
                if options.baud > 0 {
                    let from = max(lines[s].lineFreeAt, t - 0.02)   // at most 20 ms of burst
                    allowed = min(allowed, Int((t - from) * bytesPerSecond))
                }
                if allowed > 0 {
                    let wrote = lines[s].output.withUnsafeBytes { write(pty.controller, $0.baseAddress, allowed) }
                    if wrote > 0 {
                        lines[s].output.removeFirst(wrote)
                        if options.baud > 0 {
                            lines[s].lineFreeAt = max(lines[s].lineFreeAt, t - 0.02) + Double(wrote) / bytesPerSecond
                        }
                    }
                }
            }
            if lines[s].tcpClient >= 0, !lines[s].tcpOutput.isEmpty {
                let wrote = lines[s].tcpOutput.withUnsafeBytes { send(lines[s].tcpClient, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if wrote > 0 { lines[s].tcpOutput.removeFirst(wrote) } else if wrote < 0, errno != EAGAIN { dropTCP(s) }
            }
        }
    }

    private func apply(_ fault: Fault, at t: Double) {
        switch fault {
        case .unplug(let s, let seconds):
            guard lines.indices.contains(s), let pty = lines[s].pty else { return }
            pty.close()
            lines[s].pty = nil
            lines[s].output.removeAll()
            lines[s].unpluggedUntil = t + seconds
            if let link = ports[s].linkPath, createdLinks.contains(link) { unlink(link) }
        case .inject(let s, let bytes):
            guard lines.indices.contains(s) else { return }
            lines[s].output += bytes
        case .reboot(let s):
            guard lines.indices.contains(s) else { return }
            queue(air.reboot(s, now: t))
        case let .power(s, on):
            guard lines.indices.contains(s) else { return }
            queue(air.setPower(s, on: on, now: t))
        }
    }

    private func replug(at t: Double) {
        for s in lines.indices {
            guard let until = lines[s].unpluggedUntil, t >= until else { continue }
            guard let pty = try? PseudoTerminal() else { continue }   // try again next turn
            lines[s].pty = pty
            lines[s].unpluggedUntil = nil
            lines[s].lineFreeAt = t
            ports[s].devicePath = pty.path
            queue(air.reboot(s, now: t))   // USB power went with the cable
            updateLink(s)
        }
    }

    private func updateLink(_ s: Int) {
        guard let link = ports[s].linkPath else { return }
        let temp = link + ".new"
        unlink(temp)
        guard symlink(ports[s].devicePath, temp) == 0, rename(temp, link) == 0 else { return }
        if !createdLinks.contains(link) { createdLinks.append(link) }
    }

    private func shutdown() {
        for s in lines.indices {
            lines[s].pty?.close()
            if lines[s].listener >= 0 { close(lines[s].listener) }
            if lines[s].tcpClient >= 0 { close(lines[s].tcpClient) }
        }
        for link in createdLinks { unlink(link) }
        createdLinks.removeAll()
        if linkLock >= 0, let dir = options.linkDirectory {
            unlink(dir + "/" + Self.linkLockName)
            close(linkLock)
            linkLock = -1
        }
    }

    /// Takes the directory's lock and checks that every DIR/NAME is free, or a link a
    /// previous sim left to a pty (it died without cleaning up). Anything else is the user's
    /// and is never replaced or deleted.
    private static func claim(linkDirectory dir: String, names: [String]) throws(SimError) -> Int32 {
        let lockPath = dir + "/" + linkLockName
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .linkDirectory("cannot create \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .linkDirectory("\(dir) is in use by another running 'lora-msg sim'; stop it or choose another --link-dir")
        }
        for name in names {
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            var target = [CChar](repeating: 0, count: 4096)
            let n = st.st_mode & S_IFMT == S_IFLNK ? readlink(path, &target, target.count - 1) : -1
            let pointsAtPty = n > 0 && String(cString: target).hasPrefix("/dev/pts/")
            if !pointsAtPty {
                close(fd)
                throw .linkDirectory("\(path) already exists and was not made by lora-msg sim; move it away or choose another --link-dir")
            }
        }
        return fd
    }

    // MARK: TCP

    private static func listen(port: UInt16) throws(SimError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("cannot create a socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else {
            let e = errno
            close(fd)
            throw .system("cannot listen on 127.0.0.1:\(port)", e)
        }
        return fd
    }

    /// One client at a time, as the firmware does: a new connection closes the old one.
    private func accept(on s: Int) {
        let fd = Glibc.accept(lines[s].listener, nil, nil)
        guard fd >= 0 else { return }
        guard cpty_set_nonblocking(fd) == 0 else { close(fd); return }
        dropTCP(s)
        lines[s].tcpClient = fd
    }

    private func dropTCP(_ s: Int) {
        if lines[s].tcpClient >= 0 { close(lines[s].tcpClient); air.clientGone(station: s, api: VirtualRadio.tcpAPI) }
        lines[s].tcpClient = -1
        lines[s].tcpOutput.removeAll()
    }
}

extension SimRuntime {
    /// Runs the air on a thread of its own and returns once its radios answer frames (or the
    /// runtime stopped first). `stop()` ends it.
    public func startOnThread() async {
        let resumed = Mutex(false)
        await withCheckedContinuation { (ready: CheckedContinuation<Void, Never>) in
            let once: @Sendable () -> Void = {
                if resumed.withLock({ r in defer { r = true }; return !r }) { ready.resume() }
            }
            Thread { [self] in
                run(onReady: once)
                once()
            }.start()
        }
    }
}
