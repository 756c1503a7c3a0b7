#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MCAAudit

/// Where the App+User sign-in comes from: a credentials file or the environment (docs/fetch.md).
public enum CredentialSource: Sendable, Equatable {
    /// `--credentials FILE`: JSON with tenantId, clientId, clientSecret, refreshToken; readable by its owner only.
    case file(String)
    /// `MCA_PC_TENANT_ID`, `MCA_PC_CLIENT_ID`, `MCA_PC_CLIENT_SECRET`, `MCA_PC_REFRESH_TOKEN`.
    case environment([String: String])

    /// The four environment variables, in the order the docs list them.
    public static let environmentNames = ["MCA_PC_TENANT_ID", "MCA_PC_CLIENT_ID", "MCA_PC_CLIENT_SECRET", "MCA_PC_REFRESH_TOKEN"]
}

/// The secure application model's credentials. `description` never shows the secrets.
public struct Credentials: Sendable, CustomStringConvertible {
    public var tenantId: String
    public var clientId: String
    public var clientSecret: String
    public var refreshToken: String

    public var description: String { "credentials for tenant \(tenantId), application \(clientId)" }

    /// Reads the credentials from `source`.
    /// - Throws: `FetchFailure` with 66 (file missing or unreadable), 77 (file readable by others, or
    ///   not the credentials it should be) or 64 (environment incomplete).
    public static func load(from source: CredentialSource) throws -> Credentials {
        switch source {
        case .file(let path): return try loadFile(path)
        case .environment(let env): return try loadEnvironment(env)
        }
    }

    private static func loadEnvironment(_ env: [String: String]) throws -> Credentials {
        let names = CredentialSource.environmentNames
        let missing = names.filter { (env[$0] ?? "").isEmpty }
        if missing.count == names.count {
            throw FetchFailure(.usage, "no credentials: give --credentials FILE or set \(names.joined(separator: ", "))")
        }
        if !missing.isEmpty {
            throw FetchFailure(.usage, "credentials from the environment are incomplete: \(missing.joined(separator: ", ")) not set")
        }
        let c = Credentials(tenantId: env[names[0]]!, clientId: env[names[1]]!, clientSecret: env[names[2]]!, refreshToken: env[names[3]]!)
        try c.checkTenant(where: "MCA_PC_TENANT_ID")
        return c
    }

    private static func loadFile(_ path: String) throws -> Credentials {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "not found" : String(cString: strerror(errno))
            throw FetchFailure(.noInput, "\(path): credentials file \(reason)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FetchFailure(.noInput, "\(path): credentials file is not a regular file")
        }
        // The file holds a secret and a refresh token: refused unless only its owner can use it.
        let loose = info.st_mode & 0o077
        if loose != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw FetchFailure(.noPermission, "\(path): credentials file has mode \(mode), readable or writable by others; "
                                + "refused: make it readable by its owner only (chmod 600 \(path))")
        }
        if info.st_uid != geteuid() {
            throw FetchFailure(.noPermission, "\(path): credentials file belongs to user \(info.st_uid), not to this user (\(geteuid())); refused")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FetchFailure(.noInput, "\(path): credentials file cannot be read")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FetchFailure(.noPermission, "\(path): not a JSON object with tenantId, clientId, clientSecret and refreshToken")
        }
        let keys = ["tenantId", "clientId", "clientSecret", "refreshToken"]
        let missing = keys.filter { ((object[$0] as? String) ?? "").isEmpty }
        if !missing.isEmpty {
            throw FetchFailure(.noPermission, "\(path): credentials file lacks \(missing.joined(separator: ", ")) (each a non-empty string)")
        }
        let c = Credentials(tenantId: object["tenantId"] as! String, clientId: object["clientId"] as! String,
                            clientSecret: object["clientSecret"] as! String, refreshToken: object["refreshToken"] as! String)
        try c.checkTenant(where: path)
        return c
    }

    /// The tenant goes into the token endpoint's path: a GUID or a domain name, nothing else.
    private func checkTenant(where place: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        guard !tenantId.isEmpty, tenantId.count <= 256, tenantId.allSatisfy({ allowed.contains($0) }) else {
            throw FetchFailure(.noPermission, "\(place): tenantId is not a tenant GUID or domain name")
        }
    }

    /// Writes a rotated refresh token back into the credentials file, atomically and with the file's
    /// mode and owner: a new file beside it, flushed, renamed over it. Other keys of the file are kept.
    public static func saveRefreshToken(_ token: String, toFile path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FetchFailure(.cannotWrite, "\(path): credentials file vanished: \(String(cString: strerror(errno)))") }
        guard let data = FileManager.default.contents(atPath: path),
              var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FetchFailure(.cannotWrite, "\(path): credentials file no longer readable as JSON; the rotated refresh token was not saved")
        }
        object["refreshToken"] = token
        let body = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let dir = (path as NSString).deletingLastPathComponent
        let temp = (dir.isEmpty ? "." : dir) + "/." + (path as NSString).lastPathComponent + ".tmp-\(getpid())"
        let mode = info.st_mode & 0o7777
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FetchFailure(.cannotWrite, "\(temp): cannot create: \(String(cString: strerror(errno)))") }
        var ok = fchmod(fd, mode) == 0
        if ok, info.st_uid != geteuid() || info.st_gid != getegid() { _ = fchown(fd, info.st_uid, info.st_gid) }
        if ok {
            ok = body.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    offset += n
                }
                return true
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw FetchFailure(.cannotWrite, "\(path): cannot write the rotated refresh token back: \(reason)")
        }
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
