import Delivery
import Foundation
import MessageStore

/// The home's end-to-end resend settings (`config resend`), read by every courier.
extension Messenger {
    static let resendAttemptsSetting = "resend_attempts"
    static let resendTTLSetting = "resend_ttl_seconds"

    /// The policy this home resends by: the defaults unless `config resend` changed them.
    public var resendPolicy: ResendPolicy {
        let attempts = ((try? store.setting(Self.resendAttemptsSetting)) ?? nil).flatMap(Int.init)
        let ttl = ((try? store.setting(Self.resendTTLSetting)) ?? nil).flatMap(Double.init)
        let standard = ResendPolicy.standard
        return ResendPolicy(maxAttempts: attempts ?? standard.maxAttempts, timeToLive: ttl ?? standard.timeToLive,
                            minimumTimeout: standard.minimumTimeout, maximumTimeout: standard.maximumTimeout)
    }

    public static let maxResendAttempts = 20

    /// Sets the attempts (1: no resends) and/or the time to live; nil leaves one as it is.
    public func setResend(attempts: Int?, timeToLive: Double?) throws(MessengerError) {
        if let a = attempts, !(1...Self.maxResendAttempts).contains(a) {
            throw .usage(reason: "resend attempts must be 1…\(Self.maxResendAttempts) (1: never send again by itself); got \(a)")
        }
        do {
            if let attempts { try store.setSetting(Self.resendAttemptsSetting, to: String(attempts)) }
            if let timeToLive { try store.setSetting(Self.resendTTLSetting, to: String(Int(timeToLive))) }
        } catch { throw .store(error) }
    }

    /// "attempt 2 of 6, next in 3 min" for a message the resend engine follows; nil otherwise.
    public func resendStatus(_ m: StoredMessage) -> String? {
        guard m.direction == .outgoing, let next = m.nextAttemptAt, m.transferID == nil else { return nil }
        let policy = resendPolicy
        let left = max(0, next - now)
        if m.roundSends >= policy.maxAttempts {
            return "attempt \(m.roundSends) of \(policy.maxAttempts), gives up in \(Self.roughDuration(left))"
        }
        return "attempt \(m.roundSends) of \(policy.maxAttempts), next in \(Self.roughDuration(left))"
    }

    /// "40 s", "3 min", "2 h": rounded up, for a person.
    static func roughDuration(_ s: Double) -> String {
        if s < 90 { return "\(Int(s.rounded(.up))) s" }
        if s < 5400 { return "\(Int((s / 60).rounded(.up))) min" }
        return "\(Int((s / 3600).rounded(.up))) h"
    }
}
