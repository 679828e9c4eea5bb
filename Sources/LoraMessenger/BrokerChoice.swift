import Foundation
import MQTTLink

/// Which broker the user means and how to log in: `--mqtt URL`, `--user`, `--password-file`,
/// `--ca-file`. Resolved in one place for `gateway` and the radio-less `--mqtt` mode.
/// The password only ever comes from a file that others cannot read.
public struct BrokerChoice: Sendable {
    public var url: String
    public var user: String?
    public var passwordFile: String?
    public var caFile: String?

    public init(url: String, user: String? = nil, passwordFile: String? = nil, caFile: String? = nil) {
        self.url = url; self.user = user; self.passwordFile = passwordFile; self.caFile = caFile
    }

    public func resolve() throws(MessengerError) -> (address: BrokerAddress, credentials: BrokerCredentials) {
        let address: BrokerAddress
        do { address = try BrokerAddress(parsing: url) } catch { throw .broker(error) }
        var credentials = BrokerCredentials(username: user, caFile: caFile)
        if let passwordFile {
            guard user != nil else { throw .usage(reason: "--password-file needs --user") }
            var st = stat()
            guard stat(passwordFile, &st) == 0 else { throw .usage(reason: "cannot read the password file \(passwordFile)") }
            if st.st_mode & 0o077 != 0 {
                throw .usage(reason: "the password file \(passwordFile) can be read by others; run 'chmod 600 \(passwordFile)'")
            }
            guard st.st_size <= 4096, let data = FileManager.default.contents(atPath: passwordFile),
                  let text = String(data: data, encoding: .utf8) else {
                throw .usage(reason: "the password file \(passwordFile) must be a short UTF-8 text file")
            }
            // One line; a trailing newline (as editors and `echo` write) is not part of it.
            // "\r\n" is one Character in Swift, so one dropLast takes either ending.
            let password = text.hasSuffix("\r\n") || text.hasSuffix("\n") ? String(text.dropLast()) : text
            guard !password.isEmpty, !password.contains("\n") else {
                throw .usage(reason: "the password file \(passwordFile) must hold the password on one line")
            }
            credentials.password = password
        }
        if caFile != nil && !address.tls { throw .usage(reason: "--ca-file is for mqtts:// brokers") }
        return (address, credentials)
    }
}
