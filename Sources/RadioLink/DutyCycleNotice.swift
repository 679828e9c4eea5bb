/// The firmware's explanation of a duty-cycle refusal, a ClientNotification sent after the
/// refused packet's NAK with `reply_id` set to it (Router::send, 2.7.26+):
/// "Duty cycle limit exceeded. You can send again in N mins". The radio counts every
/// transmission, its own ACKs and relays and other clients' packets included, so this is the
/// honest ETA whenever lora-msg's ledger thought there was room.
public enum DutyCycleNotice {
    /// N of "… You can send again in N mins" (or "min"), or nil for any other text. The firmware
    /// rounds up to whole minutes; a value above an hour cannot be its rolling window's.
    public static func minutes(in text: String) -> Int? {
        guard let range = text.range(of: "You can send again in ") else { return nil }
        let rest = text[range.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3, let n = Int(digits), (0...60).contains(n) else { return nil }
        let unit = rest.dropFirst(digits.count)
        guard unit.hasPrefix(" min") else { return nil }
        return n
    }
}
