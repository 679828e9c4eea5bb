import ArgumentParser
import LoraCrypto

/// sysexits(3) codes, so scripts can tell "fix your input" from "try again later".
enum ExitStatus: Int32 {
    case usage = 64, dataError = 65, noInput = 66, unavailable = 69, software = 70
    case cantCreate = 73, ioError = 74, temporaryFailure = 75, noPermission = 77
}

/// One sentence for the user, one exit code for the shell; never a stack trace.
struct CLIError: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String
    init(_ status: ExitStatus, _ message: String) { self.status = status; self.message = message }
    var description: String { message }
}

extension CLIError {
    init(_ e: IdentityFileError) {
        switch e {
        case .notFound: self.init(.noInput, e.description)
        case .insecurePermissions, .permissionDenied: self.init(.noPermission, e.description)
        case .alreadyExists: self.init(.cantCreate, e.description)
        case .truncated, .corrupt: self.init(.dataError, e.description)
        case .io: self.init(.ioError, e.description)
        }
    }

    init(_ e: LoraCryptoError) {
        switch e {
        case .libraryUnavailable: self.init(.software, e.description)
        default: self.init(.dataError, e.description)
        }
    }
}

/// Prints the sentence to stderr as `lora-msg: …` and exits with its code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as CLIError {
        printError("lora-msg: \(e.message)")
        throw ExitCode(e.status.rawValue)
    } catch let e as IdentityFileError {
        let c = CLIError(e); printError("lora-msg: \(c.message)"); throw ExitCode(c.status.rawValue)
    } catch let e as LoraCryptoError {
        let c = CLIError(e); printError("lora-msg: \(c.message)"); throw ExitCode(c.status.rawValue)
    }
}

/// The same for async commands whose body throws only `CLIError`.
func runReportingErrors(_ body: () async throws(CLIError) -> Void) async throws {
    do { try await body() } catch {
        printError("lora-msg: \(error.message)")
        throw ExitCode(error.status.rawValue)
    }
}

func printError(_ s: String) {
    var stderr = StandardError()
    print(s, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { break }
            offset += n
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
