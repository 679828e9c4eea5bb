import LoRaPHY
import LoraCrypto
import MeshtasticWire

/// The byte budget of one message, computed from the constants the code itself uses, so the
/// findings file cannot drift from what is built.
public enum EnvelopeBudget {
    public static func markdown(command: String) -> String {
        let overhead = LoraEnvelope.overhead
        let envelope = LoraEnvelope.maxTotalBytes
        let text = LoraEnvelope.maxPlaintextBytes
        let data = PacketData(portnum: .privateApp, payload: [UInt8](repeating: 0, count: envelope))
        let dataBytes = data.encoded().count
        let phyBroadcast = MeshtasticFrame.phyBytes(encodedData: dataBytes, pki: false)
        let phyDM = MeshtasticFrame.phyBytes(encodedData: dataBytes, pki: true)
        var md = [
            "# Envelope byte budget",
            "",
            "**Computed** from the constants lora-msg is built with (`LoraEnvelope`, `PacketData`, `MeshtasticFrame`, `LoRaModem`), not measured on air.",
            "",
            "Regenerate: `\(command)`",
            "",
            "## One envelope",
            "",
            "| part | bytes |",
            "|---|---|",
            "| version | 1 |",
            "| sender_id (SHA-256 of the public key, truncated) | \(SenderID.byteCount) |",
            "| nonce (XChaCha20) | \(LoraEnvelope.nonceByteCount) |",
            "| ciphertext = UTF-8 text | ≤ \(text) |",
            "| Poly1305 tag | \(LoraEnvelope.tagByteCount) |",
            "| **overhead** | **\(overhead)** |",
            "| **whole envelope** | **≤ \(envelope)** |",
            "",
            "## Inside the firmware's limits",
            "",
            "| layer | used by a full message | firmware limit | unused |",
            "|---|---|---|---|",
            "| `Data.payload` (the envelope) | \(envelope) | \(PacketData.maxPayloadBytes) | \(PacketData.maxPayloadBytes - envelope) |",
            "| encoded `Data` (portnum 256 = 3 bytes, payload tag + length = 3) | \(dataBytes) | \(MeshtasticFrame.maxLoRaPayload - MeshtasticFrame.headerBytes) | \(MeshtasticFrame.maxLoRaPayload - MeshtasticFrame.headerBytes - dataBytes) |",
            "| LoRa frame, broadcast (16-byte header + Data) | \(phyBroadcast) | \(MeshtasticFrame.maxLoRaPayload) | \(MeshtasticFrame.maxLoRaPayload - phyBroadcast) |",
            "| LoRa frame, PKI DM (+ \(MeshtasticFrame.pkiOverhead): 8-byte tag, 4-byte nonce) | \(phyDM) | \(MeshtasticFrame.maxLoRaPayload) | \(MeshtasticFrame.maxLoRaPayload - phyDM) |",
            "",
            "The spec assumed a 200-byte payload; the firmware allows \(PacketData.maxPayloadBytes). lora-msg keeps the spec's 200-byte envelope, so \(PacketData.maxPayloadBytes - envelope) bytes of `Data.payload` stay unused: room for a later envelope version (e.g. a message id for receipts) without a protocol break at the radio.",
            "",
            "## What fits in \(text) bytes",
            "",
            "| text | bytes per character | characters |",
            "|---|---|---|",
        ]
        for (name, sample) in [("ASCII (English)", "a"), ("Latin with accents (é)", "é"), ("Cyrillic, Greek, Hebrew, Arabic", "ж"), ("CJK (谷)", "谷"), ("emoji (🐄)", "🐄")] {
            let per = sample.utf8.count
            md.append("| \(name) | \(per) | \(text / per) |")
        }
        md += [
            "",
            "## Time on air of a full message, and the EU_868 hour",
            "",
            "EU_868 allows \(Int(LoRaRegion.eu868.hourlyBudgetMilliseconds / 1000)) s of transmission per hour (10 %). One transmission each; a DM the radio has to retry costs up to 3×.",
            "",
            "| preset | SF / BW / CR | broadcast ms | PKI DM ms | full messages per hour (broadcast) |",
            "|---|---|---|---|---|",
        ]
        for p in [LoRaPreset.shortTurbo, .shortFast, .shortSlow, .mediumFast, .mediumSlow, .longFast, .longModerate, .longSlow, .veryLongSlow] {
            let m = p.modem
            let b = m.timeOnAirMilliseconds(bytes: phyBroadcast), d = m.timeOnAirMilliseconds(bytes: phyDM)
            let perHour = Int(LoRaRegion.eu868.hourlyBudgetMilliseconds / b)
            md.append("| \(p.displayName) | SF\(m.spreadingFactor) / \(m.bandwidthHz / 1000) kHz / 4/\(m.codingRateDenominator) | \(Int(b.rounded())) | \(Int(d.rounded())) | \(perHour) |")
        }
        md.append("")
        return md.joined(separator: "\n")
    }
}
