#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An answer's status line and headers; the body went to a file or into `errorText`.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    /// The first few KiB of a body that was not streamed to a file (error answers, token answers).
    var text: String
}

/// A request that got no complete answer: no connection, a timeout, or a body cut off midway.
struct ConnectionError: Error, Sendable, CustomStringConvertible {
    var description: String
}

/// The HTTP client: swift-server/async-http-client on SwiftNIO (README, "Why this HTTP client").
/// Redirects are refused, so the fetch only ever talks to the URLs it was given.
final class HTTPTransport: Sendable {
    private let client: HTTPClient
    /// Time for an answer's status line and headers to arrive.
    private let headTimeout: TimeAmount

    init(connections: Int, readTimeout: TimeAmount = .seconds(60), headTimeout: TimeAmount = .seconds(120)) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(15), read: readTimeout))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, connections)
        configuration.httpVersion = .http1Only
        // The fetch retries on its own terms (RetryPolicy); the pool's own retries would wait out the
        // connect timeout on every refused connection.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.headTimeout = headTimeout
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends a GET; a 200 answer's body is streamed into `file` (replaced), any other answer's body is
    /// kept (its first 4 KiB) in `text`.
    /// - Throws: `ConnectionError` when no complete answer arrived; `FetchFailure(.cannotWrite)` when the
    ///   body cannot be written to disk.
    func get(_ url: String, headers: [(String, String)], bodyTo file: URL) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await send(request, bodyTo: file)
    }

    /// Sends a form-encoded POST and keeps the answer's body (up to 1 MiB) in `text`.
    func postForm(_ url: String, form: String) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: form))
        return try await send(request, bodyTo: nil, keep: 1 << 20)
    }

    private func send(_ request: HTTPClientRequest, bodyTo file: URL?, keep: Int = 4096) async throws -> HTTPAnswer {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: headTimeout)
        } catch {
            throw ConnectionError(description: Self.describe(error))
        }
        let status = Int(response.status.code)
        if status == 200, let file {
            try await stream(response.body, to: file)
            return HTTPAnswer(status: status, headers: response.headers, text: "")
        }
        var kept = ByteBuffer()
        do {
            for try await var chunk in response.body {
                if kept.readableBytes < keep {
                    let n = min(keep - kept.readableBytes, chunk.readableBytes)
                    if let slice = chunk.readSlice(length: n) { kept.writeImmutableBuffer(slice) }
                }
            }
        } catch {
            throw ConnectionError(description: "the answer (\(status)) was cut off: \(Self.describe(error))")
        }
        return HTTPAnswer(status: status, headers: response.headers, text: String(decoding: kept.readableBytesView, as: UTF8.self))
    }

    /// Writes the body to `file` chunk by chunk as it arrives: memory holds one chunk at a time.
    private func stream(_ body: HTTPClientResponse.Body, to file: URL) async throws {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw FetchFailure(.cannotWrite, "\(file.path): cannot create: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        do {
            for try await chunk in body {
                try chunk.withUnsafeReadableBytes { raw in
                    try FileOutput.writeAll(fd, raw, path: file.path)
                }
            }
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            throw ConnectionError(description: "the answer was cut off: \(Self.describe(error))")
        }
    }

    /// A short, secret-free description of a client error (the request, with its headers, is never shown).
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return "connect timeout"
            case .readTimeout: return "read timeout"
            case .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(e)"
            }
        }
        if let e = error as? IOError { return "\(e.description)" }
        return "\(error)"
    }
}
