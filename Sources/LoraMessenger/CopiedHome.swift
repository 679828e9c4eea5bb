import Foundation
import LoraCrypto
import MessageStore

/// A home copied with `cp -a`, or restored from a backup onto a new disk, holds the same
/// ratchet secrets and message counters as its original: both could seal two texts under one
/// key and nonce, and the XOR of the ciphertexts would be the XOR of the texts. The database
/// file's identity (device and inode) is recorded; a home that finds it changed is a copy, and
/// stops using every message number it had (`RatchetState.abandonNumbering`) before it seals.
extension Messenger {
    static let databaseFileSetting = "database_file"

    /// "device:inode" of the database file, nil when it cannot be read.
    static func fileIdentity(_ path: String) -> String? {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path),
              let device = (a[.systemNumber] as? NSNumber)?.uint64Value,
              let inode = (a[.systemFileNumber] as? NSNumber)?.uint64Value else { return nil }
        return "\(device):\(inode)"
    }

    /// Records where the database lives; if it moved to another file (a copy), abandons the
    /// ratchet numbering of every contact first. Returns whether it did.
    @discardableResult
    func guardAgainstCopy() throws(MessengerError) -> Bool {
        guard let here = Self.fileIdentity(databasePath) else { return false }
        let recorded: String?
        recorded = try stored(try store.setting(Self.databaseFileSetting))
        guard recorded != here else { return false }
        if recorded != nil {
            let peers: [[UInt8]]
            peers = try stored(try store.ratchetPeers())
            for peer in peers {
                try withRatchet(peer: peer) { (state, _) throws(LoraCryptoError) in try state.abandonNumbering() }
            }
        }
        try stored(try store.setSetting(Self.databaseFileSetting, to: here))
        return recorded != nil
    }
}
