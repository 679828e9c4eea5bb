import Foundation
import Testing
@testable import RadioLink

/// A fake /dev/serial/by-id and /sys/class/tty laid out as udev and the kernel lay them out.
struct FakeUSB {
    let root: String
    var locator: PortLocator

    init() throws {
        root = NSTemporaryDirectory() + "lora-msg-usb-\(UUID().uuidString.prefix(8))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/by-id", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/dev", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/class", withIntermediateDirectories: true)
        locator = PortLocator()
        locator.byIDDirectory = root + "/by-id"
        locator.sysClassTTY = root + "/class"
    }

    /// `levels` = how far above the tty's device directory the USB ids sit (1 for ACM, 2 for usb-serial).
    func add(byID: String, tty: String, vendor: String, product: String, levels: Int = 1) throws {
        let fm = FileManager.default
        fm.createFile(atPath: root + "/dev/" + tty, contents: nil)
        try fm.createSymbolicLink(atPath: root + "/by-id/" + byID, withDestinationPath: root + "/dev/" + tty)
        let usbDevice = root + "/devices/usb1/\(tty)-dev"
        var iface = usbDevice
        for i in 0..<levels { iface += "/level\(i)" }
        try fm.createDirectory(atPath: iface, withIntermediateDirectories: true)
        try (vendor + "\n").write(toFile: usbDevice + "/idVendor", atomically: true, encoding: .utf8)
        try (product + "\n").write(toFile: usbDevice + "/idProduct", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: root + "/class/" + tty, withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: root + "/class/\(tty)/device", withDestinationPath: iface)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }
}

@Suite struct PortLocatorTests {
    @Test func exactlyOneKnownRadioIsChosen() throws {
        let usb = try FakeUSB(); defer { usb.cleanUp() }
        try usb.add(byID: "usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0", tty: "ttyUSB0",
                    vendor: "10c4", product: "ea60", levels: 2)
        try usb.add(byID: "usb-SEGGER_J-Link_000123-if00", tty: "ttyACM3", vendor: "1366", product: "0105")
        let found = try usb.locator.locate(port: nil, host: nil, environment: [:])
        #expect(found == .serial(usb.root + "/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0"))
    }

    @Test func nativeUSBBoardsAreRecognised() throws {
        let usb = try FakeUSB(); defer { usb.cleanUp() }
        try usb.add(byID: "usb-RAKwireless_WisCore_RAK4631_Board_ABC-if00", tty: "ttyACM0", vendor: "239a", product: "8029")
        #expect(try usb.locator.scan() == .serial(usb.root + "/by-id/usb-RAKwireless_WisCore_RAK4631_Board_ABC-if00"))
    }

    @Test func severalRadiosAskTheUserToChoose() throws {
        let usb = try FakeUSB(); defer { usb.cleanUp() }
        try usb.add(byID: "usb-Espressif_USB_JTAG_serial_debug_unit_AA-if00", tty: "ttyACM0", vendor: "303a", product: "1001")
        try usb.add(byID: "usb-1a86_USB_Single_Serial_5-if00", tty: "ttyACM1", vendor: "1a86", product: "55d4")
        #expect { try usb.locator.scan() } throws: { e in
            guard case RadioLinkError.severalRadios(let paths) = e else { return false }
            return paths.count == 2 && (e as? RadioLinkError)?.description.contains("--port") == true
        }
    }

    @Test func noRadioListsWhatWasSeen() throws {
        let usb = try FakeUSB(); defer { usb.cleanUp() }
        #expect(throws: RadioLinkError.noRadioFound(candidates: [])) { try usb.locator.scan() }
        try usb.add(byID: "usb-FTDI_FT232R-if00-port0", tty: "ttyUSB0", vendor: "0403", product: "6001", levels: 2)
        #expect(throws: RadioLinkError.noRadioFound(candidates: [usb.root + "/by-id/usb-FTDI_FT232R-if00-port0"])) {
            try usb.locator.scan()
        }
    }

    @Test func explicitChoicesWinOverTheScan() throws {
        let usb = try FakeUSB(); defer { usb.cleanUp() }
        let l = usb.locator
        #expect(try l.locate(port: "/dev/ttyACM7", host: nil, environment: ["LORA_MSG_PORT": "/dev/ttyUSB1"]) == .serial("/dev/ttyACM7"))
        #expect(try l.locate(port: nil, host: nil, environment: ["LORA_MSG_PORT": "/dev/ttyUSB1"]) == .serial("/dev/ttyUSB1"))
        #expect(try l.locate(port: nil, host: nil, environment: ["LORA_MSG_PORT": "tcp://radio.lan:4404"]) == .tcp(host: "radio.lan", port: 4404))
        #expect(try l.locate(port: "/dev/x", host: "meshtasticd", environment: [:]) == .tcp(host: "meshtasticd", port: 4403))
    }

    @Test(arguments: [
        ("10.0.0.5", RadioEndpoint.tcp(host: "10.0.0.5", port: 4403)),
        ("10.0.0.5:4500", .tcp(host: "10.0.0.5", port: 4500)),
        ("[::1]:4403", .tcp(host: "::1", port: 4403)),
        ("[fe80::1]", .tcp(host: "fe80::1", port: 4403)),
        ("::1", .tcp(host: "::1", port: 4403)),
    ])
    func hostForms(text: String, expected: RadioEndpoint) throws {
        #expect(try RadioEndpoint.tcp(text) == expected)
    }

    @Test(arguments: ["", ":4403", "host:", "host:0", "host:65536", "host:x", "[::1]:", "[::1]x", "a b", "host/path",
                      String(repeating: "h", count: 300)])
    func badHostsAreRefused(text: String) {
        #expect(throws: RadioLinkError.invalidEndpoint(text)) { try RadioEndpoint.tcp(text) }
    }

    @Test func errorsSayWhatToDo() {
        #expect(RadioLinkError.permissionDenied("/dev/ttyACM0").description.contains("dialout"))
        #expect(RadioLinkError.busy("/dev/ttyACM0", holder: "meshtastic (pid 42)").description.contains("meshtastic (pid 42)"))
        #expect(RadioLinkError.noRadioFound(candidates: []).description.contains("--port"))
        #expect(!RadioLinkError.notMeshtastic("/dev/ttyUSB0").description.contains("\n"))
    }
}

/// /proc/locks as the kernel writes it, and as it must not trip us up.
@Suite struct ProcLocksTests {
    let sample = """
    1: FLOCK  ADVISORY  WRITE 19158 00:1a:3 0 EOF
    2: POSIX  ADVISORY  WRITE 812 fe:00:3 0 EOF
    3: FLOCK  ADVISORY  WRITE 19155 fe:00:16261736 0 EOF
    3: -> FLOCK  ADVISORY  WRITE 20000 fe:00:16261736 0 EOF
    """

    @Test func findsTheFlockOwnerOfADeviceAndInode() {
        #expect(SerialTransport.flockOwner(inLocks: sample, major: 0, minor: 0x1a, inode: 3) == 19158)
        #expect(SerialTransport.flockOwner(inLocks: sample, major: 0xfe, minor: 0, inode: 16261736) == 19155)
        // A POSIX lock on the same inode is not a FLOCK; another inode is nobody's.
        #expect(SerialTransport.flockOwner(inLocks: sample, major: 0xfe, minor: 0, inode: 3) == nil)
    }

    @Test(arguments: [
        "", "\n\n", "garbage", "1: FLOCK", "1: FLOCK ADVISORY WRITE", "1: FLOCK ADVISORY WRITE x 00:1a:3 0 EOF",
        "1: FLOCK ADVISORY WRITE 5 00:1a 0 EOF", "1: FLOCK ADVISORY WRITE 5 zz:1a:3 0 EOF", "1: FLOCK ADVISORY WRITE -5 00:1a:3 0 EOF",
        String(repeating: "1: FLOCK ADVISORY WRITE 9 ", count: 10_000),
    ])
    func badLinesAreSkipped(text: String) {
        #expect(SerialTransport.flockOwner(inLocks: text, major: 0, minor: 0x1a, inode: 3) == nil)
    }
}
