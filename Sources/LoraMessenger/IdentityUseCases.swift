import LoraCrypto

/// The public half of an identity, as `id` shows it and contacts type it.
public struct PublicIdentity: Equatable, Sendable {
    public var publicKey: String
    public var senderID: String
    public var path: String
}

extension Messenger {
    /// Creates the home (0700) and a new identity in it (identity.key, 0600).
    public static func createIdentity(home: String, force: Bool) throws(MessengerError) -> PublicIdentity {
        try Home.create(home)
        let path = home + "/" + identityFileName
        let pair: IdentityKeyPair
        do { pair = try IdentityKeyPair.generate() } catch { throw .crypto(error) }
        do { try IdentityFile.save(pair, to: path, overwrite: force) } catch { throw .identity(error) }
        return PublicIdentity(publicKey: pair.publicKey.base64, senderID: pair.senderID.hex, path: path)
    }

    /// The identity of a home, without opening its database.
    public static func publicIdentity(home: String) throws(MessengerError) -> PublicIdentity {
        let path = home + "/" + identityFileName
        do {
            let pair = try IdentityFile.load(from: path)
            return PublicIdentity(publicKey: pair.publicKey.base64, senderID: pair.senderID.hex, path: path)
        } catch { throw .identity(error) }
    }

    /// The safety number of this contact, as 60 digits in groups and as one string.
    public func safetyDigits(for c: Contact) throws(MessengerError) -> (grouped: String, digits: String) {
        let n = try safetyNumber(for: c)
        return (n.description, n.digits)
    }

    /// A contact's key as the text they gave (base64). The store's CHECK keeps it 32 bytes.
    public static func keyText(_ c: Contact) -> String {
        (try? PublicKey(bytes: c.publicKey).base64) ?? "(damaged key)"
    }

    /// A contact's sender id in hex, as `tail --json` and `id` show sender ids.
    public static func senderIDText(_ c: Contact) -> String {
        (try? SenderID(bytes: c.senderID).hex) ?? "(damaged sender id)"
    }
}
