#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import MCAAudit

/// One `mca-audit fetch`, end to end (docs/fetch.md): sign in, list the customers page by page, fetch
/// each customer's agreements, subscriptions and orders with at most `concurrency` requests at once,
/// write the exports as the answers arrive, and publish them atomically.
public struct FetchRunner: Sendable {
    public let options: FetchOptions
    private let logger: Logger
    private let scrubber: SecretScrubber
    private let output: @Sendable (String) -> Void

    /// - Parameters:
    ///   - logger: Where diagnostics go; every line is cleaned of the secrets `scrubber` knows.
    ///   - output: Where the closing line goes (stdout in the executable).
    public init(options: FetchOptions, logger: Logger, scrubber: SecretScrubber, output: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.scrubber = scrubber
        self.output = output
    }

    /// Runs the fetch and returns its exit status; never throws.
    public func run() async -> ExitStatus {
        do {
            return try await runThrowing()
        } catch let failure as FetchFailure {
            logger.error("\(scrubber.scrub(failure.message))", metadata: ["exitCode": "\(failure.status.rawValue)"])
            return failure.status
        } catch let failure as AuditFailure {
            logger.error("\(scrubber.scrub(failure.message))", metadata: ["exitCode": "\(failure.status.rawValue)"])
            return failure.status
        } catch {
            logger.critical("internal error: \(scrubber.scrub("\(error)"))", metadata: ["exitCode": "\(ExitStatus.internalError.rawValue)"])
            return .internalError
        }
    }

    private func runThrowing() async throws -> ExitStatus {
        let credentials = try Credentials.load(from: options.credentials)
        scrubber.register(credentials.clientSecret)
        scrubber.register(credentials.refreshToken)

        let outDir = options.outDir
        do {
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw FetchFailure(.cannotWrite, "\(outDir.path): cannot create the fetch folder: \(error.localizedDescription)")
        }
        let lock = try RunLock(outDir: outDir)
        defer { withExtendedLifetime(lock) {} }

        let (workspace, start, checkpoint) = try prepareWorkspace()
        let clock = ContinuousClock()
        let began = clock.now
        let statistics = FetchStatistics()
        let retry = RetryPolicy(unit: options.waitUnit)
        let transport = HTTPTransport(connections: options.concurrency)
        let tokens = TokenSource(credentials: credentials, source: options.credentials, authority: options.authority,
                                 transport: transport, retry: retry, statistics: statistics, scrubber: scrubber, logger: logger)
        let client = PartnerCenterClient(transport: transport, tokens: tokens, api: options.api, correlationId: start.correlationId,
                                         retry: retry, statistics: statistics, scrubber: scrubber, logger: logger)
        var progress = Progress(workspace: workspace, checkpoint: checkpoint, statistics: statistics, clock: clock, began: began)
        do {
            // Sign in first: refused credentials stop the fetch before anything is asked of the API.
            _ = try await tokens.current()
            if !progress.checkpoint.listed {
                try await listCustomers(client: client, progress: &progress)
            }
            try await fetchCustomers(client: client, progress: &progress, correlationId: start.correlationId)
            let folder = try finish(progress: &progress, start: start)
            await transport.shutdown()
            let c = progress.checkpoint
            if options.verbosity != .quiet {
                output("\(folder.path): \(c.customers) customers, \(c.counts["agreements"] ?? 0) agreements, "
                       + "\(c.counts["subscriptions"] ?? 0) subscriptions, \(c.counts["orders"] ?? 0) orders; "
                       + "\(c.failedCustomers) customers not fetched (\(c.failedRequests) failed requests); "
                       + "\(c.requests) requests, \(c.retries) retries")
            }
            if c.failedCustomers > 0 {
                logger.warning("\(c.failedCustomers) customers could not be fetched completely: see \(folder.path)/fetch-failures.csv")
                return .conditionMet
            }
            return .ok
        } catch {
            await transport.shutdown()
            guard progress.checkpoint.listed else {
                // Nothing worth resuming: the next run starts afresh anyway.
                workspace.remove()
                throw error
            }
            if let failure = error as? FetchFailure {
                throw FetchFailure(failure.status, failure.message + "; what was fetched is kept: run again with --resume to continue")
            }
            throw error
        }
    }

    // MARK: - Workspace

    /// Picks the folder to work in: the newest unfinished fetch with `--resume`, else a new one; removes
    /// what other interrupted fetches (and publishes) left.
    private func prepareWorkspace() throws -> (FetchWorkspace, FetchStart, Checkpoint) {
        let outDir = options.outDir
        let leftovers = FetchWorkspaceLeftovers.clean(outDir: outDir, keepNewest: options.resume)
        if !leftovers.isEmpty, options.verbosity == .verbose {
            logger.notice("removed what interrupted fetches left: \(leftovers.joined(separator: ", "))")
        }
        if options.resume, let workspace = FetchWorkspace.unfinished(in: outDir).last,
           let data = FileManager.default.contents(atPath: workspace.startPath),
           let start = try? JSONDecoder().decode(FetchStart.self, from: data) {
            guard start.api == options.api.absoluteString, start.agreementTypes == options.agreementTypes else {
                throw FetchFailure(.usage, "--resume: the interrupted fetch \(workspace.path) read \(start.api) with agreement types "
                                   + "\(start.agreementTypes.joined(separator: ",")); give the same --api and --agreement-types, "
                                   + "or run without --resume to start afresh")
            }
            var checkpoint = FetchJournal.last(in: workspace.journalPath) ?? Checkpoint()
            checkpoint.runs += 1
            try workspace.clearScratch()
            if options.verbosity != .quiet {
                logger.notice("resuming the interrupted fetch \(workspace.stamp): \(checkpoint.listed ? "\(checkpoint.done) of \(checkpoint.customers) customers done" : "the customers list starts again")")
            }
            return (workspace, start, checkpoint)
        }
        if options.resume, options.verbosity != .quiet {
            logger.notice("--resume: no interrupted fetch in \(outDir.path); starting a new one")
        }
        var stamp = FetchWorkspace.stamp(for: Date())
        // Two fetches within one second: the second gets a distinct name.
        var n = 1
        while FileManager.default.fileExists(atPath: outDir.path + "/" + stamp) {
            n += 1
            stamp = FetchWorkspace.stamp(for: Date()) + "-\(n)"
        }
        let workspace = FetchWorkspace(outDir: outDir, stamp: stamp)
        try workspace.create()
        let start = FetchStart(api: options.api.absoluteString, authority: options.authority.absoluteString,
                               agreementTypes: options.agreementTypes, correlationId: UUID().uuidString.lowercased(),
                               startedAt: FetchManifest.timestamp(Date()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileOutput.writeFile(workspace.startPath, try encoder.encode(start))
        var checkpoint = Checkpoint()
        checkpoint.runs = 1
        return (workspace, start, checkpoint)
    }

    // MARK: - Customers list

    private func listCustomers(client: PartnerCenterClient, progress: inout Progress) async throws {
        let workspace = progress.workspace
        let writer = try CollectionWriter(path: workspace.file(ExportKind.customers.fileName))
        try FileOutput.writeFile(workspace.idsPath, Data())
        let ids = try FileOutput.openForAppend(workspace.idsPath)
        defer { close(ids) }
        var path = "/customers?size=\(options.pageSize)"
        var headers: [(String, String)] = []
        let spool = URL(fileURLWithPath: workspace.spoolPath + "/customers.json")
        var pages = 0
        while true {
            switch try await client.page(path, headers: headers, spool: spool) {
            case .failure(let failure):
                let status: ExitStatus = failure.status == 401 || failure.status == 403 ? .noPermission : .unavailable
                let what = failure.status.map { "HTTP \($0)" } ?? "no answer"
                throw FetchFailure(status, "the customers list cannot be read (\(failure.request): \(what)): \(failure.message)")
            case .success(let page):
                pages += 1
                var lines = ""
                try page.data.withUnsafeBytes { raw in
                    for (range, id) in zip(page.items, page.ids) {
                        guard let id, !id.isEmpty, !id.contains(where: \.isNewline) else {
                            throw FetchFailure(.unavailable, "\(path): a customer of the list has no id")
                        }
                        try writer.append(item: UnsafeRawBufferPointer(rebasing: raw[range]))
                        lines += id + "\n"
                    }
                }
                try Array(lines.utf8).withUnsafeBytes { try FileOutput.writeAll(ids, $0, path: workspace.idsPath) }
                guard let next = page.next else {
                    unlink(spool.path)
                    progress.checkpoint.listed = true
                    progress.checkpoint.customers = writer.count
                    progress.checkpoint.sizes[ExportKind.customers.rawValue] = writer.size
                    progress.checkpoint.counts[ExportKind.customers.rawValue] = writer.count
                    // The other exports start empty once the list is complete.
                    for kind in [ExportKind.agreements, .subscriptions, .orders] {
                        let w = try CollectionWriter(path: workspace.file(kind.fileName))
                        progress.checkpoint.sizes[kind.rawValue] = w.size
                        progress.checkpoint.counts[kind.rawValue] = 0
                    }
                    let failures = try FailureLog(path: workspace.file("fetch-failures.csv"))
                    progress.checkpoint.failuresSize = failures.size
                    try progress.record()
                    if options.verbosity == .verbose {
                        logger.info("listed \(writer.count) customers in \(pages) pages")
                    }
                    return
                }
                path = next.uri
                headers = next.headers
            }
        }
    }

    // MARK: - Per customer

    /// What one customer's requests brought: staged items per export, and the requests that failed.
    struct CustomerResult: Sendable {
        var index: Int
        var id: String
        var staged: [ExportKind: StagingFile] = [:]
        var failures: [RequestFailure] = []
    }

    private func fetchCustomers(client: PartnerCenterClient, progress: inout Progress, correlationId: String) async throws {
        let workspace = progress.workspace
        var c = progress.checkpoint
        var writers: [ExportKind: CollectionWriter] = [:]
        for kind in [ExportKind.agreements, .subscriptions, .orders] {
            writers[kind] = try CollectionWriter(path: workspace.file(kind.fileName),
                                                 resume: (c.sizes[kind.rawValue] ?? 0, c.counts[kind.rawValue] ?? 0))
        }
        let failures = try FailureLog(path: workspace.file("fetch-failures.csv"), resumeSize: c.failuresSize)
        guard var reader = LineReader(path: workspace.idsPath) else {
            throw FetchFailure(.cannotWrite, "\(workspace.idsPath): cannot read the customer list back")
        }
        // Skip the customers a previous run finished.
        for _ in 0..<c.done { _ = reader.next() }
        let window = max(64, options.concurrency * 4)
        let concurrency = options.concurrency
        var nextIndex = c.done
        var pending: [Int: CustomerResult] = [:]

        try await withThrowingTaskGroup(of: CustomerResult.self) { group in
            var running = 0
            var exhausted = false
            while true {
                while !exhausted, running < concurrency, nextIndex - progress.checkpoint.done < window {
                    guard let id = reader.next() else { exhausted = true; break }
                    let index = nextIndex
                    nextIndex += 1
                    running += 1
                    group.addTask { try await self.fetchCustomer(index: index, id: id, client: client, workspace: workspace) }
                }
                if running == 0 { break }
                guard let result = try await group.next() else { break }
                running -= 1
                pending[result.index] = result
                // Commit every customer whose predecessors are all committed, in list order.
                while let ready = pending.removeValue(forKey: progress.checkpoint.done) {
                    c = progress.checkpoint
                    for kind in [ExportKind.agreements, .subscriptions, .orders] {
                        guard let staged = ready.staged[kind], let writer = writers[kind] else { continue }
                        try writer.append(staged: staged)
                        staged.discard()
                        c.sizes[kind.rawValue] = writer.size
                        c.counts[kind.rawValue] = writer.count
                    }
                    for failure in ready.failures {
                        try failures.append(customerId: ready.id, failure: failure, correlationId: correlationId)
                    }
                    c.failuresSize = failures.size
                    if !ready.failures.isEmpty {
                        c.failedCustomers += 1
                        c.failedRequests += ready.failures.count
                        if options.verbosity != .quiet {
                            let first = ready.failures[0]
                            logger.warning("customer \(ready.id) not fetched completely: \(first.request): \(first.message)")
                        }
                    }
                    c.done += 1
                    progress.checkpoint = c
                    try progress.record()
                    if options.verbosity == .verbose, c.done % 1000 == 0 {
                        logger.info("\(c.done) of \(c.customers) customers fetched")
                    }
                }
            }
        }
        for writer in writers.values { try writer.finish() }
    }

    private func fetchCustomer(index: Int, id: String, client: PartnerCenterClient, workspace: FetchWorkspace) async throws -> CustomerResult {
        var result = CustomerResult(index: index, id: id)
        let customer = "/customers/" + Self.pathEscape(id)
        var spoolNumber = 0
        func collect(_ path: String, _ kind: ExportKind, addCustomerId: Bool) async throws {
            var path = path
            var headers: [(String, String)] = []
            let staged = result.staged[kind] ?? StagingFile(path: workspace.stagingPath + "/\(index)-\(kind.rawValue).json")
            result.staged[kind] = staged
            while true {
                spoolNumber += 1
                let spool = URL(fileURLWithPath: workspace.spoolPath + "/\(index)-\(spoolNumber).json")
                defer { unlink(spool.path) }
                switch try await client.page(path, headers: headers, spool: spool) {
                case .failure(let failure):
                    result.failures.append(failure)
                    return
                case .success(let page):
                    try page.data.withUnsafeBytes { raw in
                        for range in page.items {
                            try staged.append(item: UnsafeRawBufferPointer(rebasing: raw[range]), customerId: addCustomerId ? id : nil)
                        }
                    }
                    guard let next = page.next else { return }
                    path = next.uri
                    headers = next.headers
                }
            }
        }
        for type in options.agreementTypes {
            try await collect(customer + "/agreements?agreementType=" + Self.pathEscape(type), .agreements, addCustomerId: true)
        }
        try await collect(customer + "/subscriptions", .subscriptions, addCustomerId: true)
        try await collect(customer + "/orders", .orders, addCustomerId: false)
        return result
    }

    /// A customer id or agreement type as one path or query segment: unreserved characters only.
    static func pathEscape(_ value: String) -> String {
        TokenSource.formEncode(value)
    }

    // MARK: - Finish

    private func finish(progress: inout Progress, start: FetchStart) throws -> URL {
        let workspace = progress.workspace
        let c = progress.checkpoint
        // customers.json was finished by the listing; the three others by fetchCustomers.
        let customers = try CollectionWriter(path: workspace.file(ExportKind.customers.fileName),
                                             resume: (c.sizes["customers"] ?? 0, c.counts["customers"] ?? 0))
        try customers.finish()
        let manifest = FetchManifest(
            toolVersion: toolVersion, api: start.api, authority: start.authority, correlationId: start.correlationId,
            agreementTypes: start.agreementTypes, startedAt: start.startedAt, finishedAt: FetchManifest.timestamp(Date()),
            durationSeconds: (progress.secondsSoFar * 1000).rounded() / 1000, runs: c.runs,
            counts: .init(customers: c.customers, agreements: c.counts["agreements"] ?? 0, subscriptions: c.counts["subscriptions"] ?? 0,
                          orders: c.counts["orders"] ?? 0, failedCustomers: c.failedCustomers, failedRequests: c.failedRequests),
            requests: progress.requests, retries: progress.retries, concurrency: options.concurrency,
            files: FetchWorkspace.publishedFiles)
        try FileOutput.writeFile(workspace.file("fetch-manifest.json"), Data(scrubber.scrub(String(decoding: try manifest.encoded(), as: UTF8.self)).utf8))
        return try workspace.publish()
    }
}

/// The checkpoint of the fetch under way, with the counters of this run added to those of earlier runs.
struct Progress {
    let workspace: FetchWorkspace
    var checkpoint: Checkpoint
    let statistics: FetchStatistics
    let clock: ContinuousClock
    let began: ContinuousClock.Instant
    private let journal: FetchJournal?
    private let base: Checkpoint

    init(workspace: FetchWorkspace, checkpoint: Checkpoint, statistics: FetchStatistics, clock: ContinuousClock,
         began: ContinuousClock.Instant) {
        self.workspace = workspace
        self.checkpoint = checkpoint
        self.statistics = statistics
        self.clock = clock
        self.began = began
        self.base = checkpoint
        self.journal = try? FetchJournal(path: workspace.journalPath)
    }

    var requests: Int { base.requests + statistics.requests }
    var retries: Int { base.retries + statistics.retries }
    var secondsSoFar: Double {
        let d = clock.now - began
        return base.seconds + Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    mutating func record() throws {
        checkpoint.requests = requests
        checkpoint.retries = retries
        checkpoint.seconds = secondsSoFar
        guard let journal else { throw FetchFailure(.cannotWrite, "\(workspace.journalPath): cannot open the fetch's journal") }
        try journal.record(checkpoint)
    }
}

/// Reads a text file line by line, a block at a time.
struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var atEnd = false

    init?(path: String) {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        handle = h
    }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let chunk = handle.readData(ofLength: 1 << 16)
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }
}
