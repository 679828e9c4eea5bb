import LoraCrypto

/// Retention deletes a message's row, which was the only record of its (sender_id, nonce); v1
/// envelopes and 0x02 chunks carry no time, so a recording replayed after that would look
/// new. Retention keeps a digest of each deleted incoming envelope instead, keyed with the
/// identity secret so the table says nothing about who sent what to anyone without the identity.
extension Messenger {
    static let replayDigestInfo = Array("lora-msg v3 replay".utf8)

    /// HKDF-SHA-256(salt: none, IKM: identity secret, info: "lora-msg v3 replay" ‖ sender_id ‖
    /// nonce, L = 16): domain-separated from the storage key by its info, as that one is.
    func replayDigest(sender: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        try? HKDF.deriveKey(ikm: identity.secretKeyBytes, salt: nil, info: Self.replayDigestInfo + sender + nonce, length: 16)
    }
}
