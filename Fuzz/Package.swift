// swift-tools-version: 6.0
// The libFuzzer target for MeshtasticWire. A package of its own, because its `main` comes
// from libFuzzer: build it only with `--sanitize fuzzer` (see Scripts/fuzz-wire).
import PackageDescription

let package = Package(
    name: "lora-msg-fuzz",
    dependencies: [.package(name: "lora-msg", path: "..")],
    targets: [
        .executableTarget(
            name: "WireFuzz",
            dependencies: [.product(name: "MeshtasticWire", package: "lora-msg")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
