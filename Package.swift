// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "lora-msg",
    products: [
        .executable(name: "lora-msg", targets: ["lora-msg"]),
        .library(name: "LoraCrypto", targets: ["LoraCrypto"]),
        .library(name: "MeshtasticWire", targets: ["MeshtasticWire"]),
        .library(name: "LoRaPHY", targets: ["LoRaPHY"]),
        .library(name: "RadioLink", targets: ["RadioLink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System libraries: the project's only C dependencies, named by pkg-config.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),

        // Wire layer: pure Swift, no I/O, shared by the client and the virtual radios.
        .target(name: "MeshtasticWire"),

        // The channel layer as the firmware does it (PSK expansion, channel hash, AES-CTR) and
        // the MQTT topic scheme: shared by the virtual radios' MQTT module and the gateway.
        .target(name: "MeshChannel", dependencies: ["MeshtasticWire", "CLibcrypto"]),

        // An MQTT session through libmosquitto: connect, TLS, reconnect, publish, subscribe.
        .target(name: "MQTTLink", dependencies: ["CMosquitto"]),

        // A node that lives on a broker instead of the air, behind the stream API on a loopback
        // port: what `send/tail --mqtt` talk to when there is no radio.
        .target(name: "MQTTNode", dependencies: ["MeshtasticWire", "MeshChannel", "MQTTLink", "LoRaPHY", "CPty"]),

        // Presets, regions, time on air, duty-cycle ledger: physics and law, no protobuf, no I/O.
        .target(name: "LoRaPHY"),
        // The delivery engine: when to send a message again, and when to give up. Sans I/O: it
        // may import only MeshtasticWire and LoRaPHY (DeliveryTests checks), never Foundation.
        .target(name: "Delivery", dependencies: ["MeshtasticWire", "LoRaPHY"]),

        // The client side of the device API: session state machine (sans-I/O), transports.
        .target(name: "RadioLink", dependencies: ["MeshtasticWire", "CPty"]),

        // The firmware's stand-in: virtual radios and the simulated air. Shares only the wire
        // and PHY layers with the client, so a client bug cannot hide in it.
        .target(name: "MeshSim", dependencies: ["MeshtasticWire", "MeshChannel", "LoRaPHY", "CPty"]),

        // The few ncursesw calls `lora-msg chat` makes, as functions (curses is mostly macros).
        .target(name: "CTerminal", linkerSettings: [.linkedLibrary("ncursesw")]),

        // posix_openpt, termios and ioctl calls that Glibc does not export to Swift.
        .target(name: "CPty"),

        // End-to-end crypto: bytes in, bytes out.
        .target(name: "LoraCrypto", dependencies: ["CSodium", "CZlib"]),

        // Contacts, ciphertext-only messages, outbox and airtime ledger in SQLite (WAL).
        // Stores bytes it cannot read: it knows neither keys nor plaintext.
        .target(name: "MessageStore", dependencies: ["Delivery", .product(name: "GRDB", package: "GRDB.swift")]),

        // The use cases (send, receive, history, contacts) joining crypto, store and radio.
        .target(
            name: "LoraMessenger",
            dependencies: ["Delivery", "LoraCrypto", "MessageStore", "RadioLink", "MeshtasticWire", "MeshChannel", "MQTTLink", "MQTTNode", "LoRaPHY"]
        ),

        // The internet gateway: a radio's MQTT client proxy bridged to a broker. Moves channel
        // packets it cannot read: of LoraMessenger it uses only how a radio or broker is chosen
        // and described (RadioChoice, RadioQuery, BrokerChoice) and its errors, never the
        // messenger, the store or the crypto.
        .target(name: "LoraGateway", dependencies: ["LoraMessenger", "MeshtasticWire", "MeshChannel", "MQTTLink", "RadioLink", "LoRaPHY"]),

        // The benches and their reports: programs that measure the messenger on virtual or real
        // radios and print figures. Through LoraMessenger's public use cases and read-only
        // queries only; nothing here is on a user's message path.
        .target(name: "LoraLab", dependencies: ["LoraMessenger", "LoraCrypto", "MessageStore", "RadioLink", "MeshtasticWire", "LoRaPHY"]),

        .executableTarget(
            name: "lora-msg",
            dependencies: [
                // The CLI is thin: the use cases, the emulator for 'sim', and the QR drawing.
                "LoraMessenger",
                "LoraGateway",
                "LoraLab",
                "MeshSim",
                "CQRencode",
                "CTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Benchmarks are programs that print figures; run them in release.
        .executableTarget(
            name: "wire-bench",
            dependencies: ["MeshtasticWire"],
            path: "Benchmarks/wire-bench"
        ),

        .executableTarget(
            name: "link-bench",
            dependencies: ["RadioLink", "MeshtasticWire"],
            path: "Benchmarks/link-bench"
        ),

        // Helpers every test target shares: temporary directories that clean up, the built binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(
            name: "LoraCryptoTests",
            dependencies: ["LoraCrypto", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "LoRaPHYTests", dependencies: ["LoRaPHY"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery"]),
        .testTarget(
            name: "MeshChannelTests",
            dependencies: ["MeshChannel", "MQTTNode", "MeshtasticWire"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MessageStoreTests",
            dependencies: ["MessageStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "LoraMessengerTests",
            dependencies: [
                "Delivery",
                "LoraMessenger", "LoraGateway", "LoraLab", "LoraCrypto", "MessageStore", "RadioLink", "MeshtasticWire", "LoRaPHY", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "RadioLinkTests", dependencies: ["RadioLink", "MeshtasticWire"]),
        // The client against the virtual radios over real pseudo-terminals and TCP.
        .testTarget(
            name: "RadioOverPtyTests",
            dependencies: [
                "RadioLink", "MeshSim", "MeshtasticWire", "CPty", "MessageStore", "LoraMessenger", "LoraGateway", "LoraLab", "LoraCrypto", "LoRaPHY", "TestSupport",
                "MQTTLink", "MeshChannel", "lora-msg", "CQRencode", "CTerminal",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MeshSimTests", dependencies: ["MeshSim", "RadioLink", "MeshtasticWire", "MeshChannel", "LoRaPHY"]),
        .testTarget(
            name: "MeshtasticWireTests",
            dependencies: ["MeshtasticWire", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
