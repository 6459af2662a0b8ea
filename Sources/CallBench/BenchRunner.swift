import AsyncHTTPClient
import Foundation
import Logging
import ProviderFakes
import Synchronization

/// Runs the capacity benchmark: the fakes (Realtime agent, Twilio REST, phones) in this process, the
/// server as a pinned child process (or attached), N calls over the ramp; returns the report.
public enum BenchRunner {
    /// One run of `options.calls` calls.
    public static func run(_ options: BenchOptions) async throws -> BenchReport {
        guard BenchOptions.carriers.contains(options.carrier) else {
            throw BenchError("--carrier \(options.carrier): use twilio or telnyx")
        }
        let logger = options.logger
        let clock = BenchClock()
        let collector = BenchCollector(calls: options.calls, clock: clock)
        let calls = BenchCallTable()
        let script = BenchScript(durationSeconds: options.durationSeconds)
        let probe = BenchRealtimeProbe(collector: collector)
        var quiet = Logger(label: "switchboard.bench.fakes")
        quiet.logLevel = .critical
        // The fake agent on SwiftNIO directly (the same session machine as FakeRealtimeServer): the load side
        // must cost less per frame than the server it measures.
        let realtime = FakeRealtimeChannelServer(
            script: script.agentScript, port: options.realtimePort,
            options: .init(rejectBetaHeader: true, recordServerEvents: false, probe: probe))
        let twilioREST = BenchTwilioREST(
            accountSid: BenchOptions.accountSid, authToken: BenchOptions.authToken, calls: calls, collector: collector, logger: quiet)
        let telnyxControl = BenchTelnyxControl(apiKey: BenchOptions.telnyxAPIKey, calls: calls, collector: collector, logger: quiet)
        let telnyx = options.carrier == "telnyx"
        let (restReady, restReadySink) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let (realtimeReady, realtimeReadySink) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))

        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
        var server: ServerProcess?
        var scratch: URL?
        defer {
            server?.stop()
            if let scratch { try? FileManager.default.removeItem(at: scratch) }
        }
        do {
            let report = try await withThrowingTaskGroup(of: Void.self) { group -> BenchReport in
                group.addTask {
                    defer { realtimeReadySink.finish() }  // a fake that fails to bind ends the wait below
                    try await realtime.run { port in realtimeReadySink.yield(port) }
                }
                group.addTask {
                    defer { restReadySink.finish() }
                    let ready: @Sendable (Int) async -> Void = { port in restReadySink.yield(port) }
                    if telnyx {
                        try await telnyxControl.run(port: options.restPort, onRunning: ready)
                    } else {
                        try await twilioREST.run(port: options.restPort, onRunning: ready)
                    }
                }
                defer { group.cancelAll() }

                var realtimePorts = realtimeReady.makeAsyncIterator()
                guard let realtimePort = await realtimePorts.next() else { throw BenchError("the fake Realtime server did not start") }
                let realtimeURL = realtime.realtimeURL(port: realtimePort)
                var iterator = restReady.makeAsyncIterator()
                guard let restPortValue = await iterator.next() else { throw BenchError("the carrier REST fake did not start") }
                let restURL = "http://127.0.0.1:\(restPortValue)"
                let carrierEnvironment =
                    telnyx
                    ? [
                        "TELNYX_API_KEY": BenchOptions.telnyxAPIKey, "TELNYX_PUBLIC_KEY": BenchOptions.telnyxSigner.publicKeyBase64,
                        "SWITCHBOARD_TELNYX_API_URL": restURL,
                    ]
                    : [
                        "TWILIO_ACCOUNT_SID": BenchOptions.accountSid, "TWILIO_AUTH_TOKEN": BenchOptions.authToken,
                        "SWITCHBOARD_TWILIO_API_URL": restURL,
                    ]

                let serverURL: String
                let pid: Int32?
                if let attached = options.serverURL {
                    serverURL = attached
                    pid = options.serverPID
                    let carrierSettings = carrierEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    logger.notice("attached to \(attached); it must run with SWITCHBOARD_AGENT=openai-realtime OPENAI_API_KEY=\(BenchOptions.openAIKey) SWITCHBOARD_OPENAI_REALTIME_URL=\(realtimeURL) \(carrierSettings)")
                } else {
                    let port = try LoopbackPort.free()
                    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bench-\(getpid())-\(port)")
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                    scratch = directory
                    let child = ServerProcess(port: port, logPath: directory.appendingPathComponent("server.log").path)
                    server = child
                    try child.start(
                        environment: [
                            "SWITCHBOARD_HOST": "127.0.0.1", "SWITCHBOARD_PORT": String(port),
                            "SWITCHBOARD_PUBLIC_URL": "http://127.0.0.1:\(port)",
                            "SWITCHBOARD_AGENT": "openai-realtime", "OPENAI_API_KEY": BenchOptions.openAIKey,
                            "SWITCHBOARD_OPENAI_REALTIME_URL": realtimeURL,
                            "SWITCHBOARD_DATABASE_URL": "sqlite:" + directory.appendingPathComponent("bench.sqlite").path,
                            "SWITCHBOARD_DRAIN_SECONDS": "0",
                        ].merging(carrierEnvironment) { _, carrier in carrier },
                        core: options.pin ? options.serverCore : nil)
                    try await child.waitUntilHealthy()
                    serverURL = "http://127.0.0.1:\(port)"
                    pid = child.pid
                    logger.info("server pid \(child.pid) on port \(port), log \(child.logPath)")
                }
                return try await dial(
                    options: options, script: script, serverURL: serverURL, pid: pid, clock: clock, collector: collector,
                    calls: calls, httpClient: httpClient)
            }
            try? await httpClient.shutdown()
            return report
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    /// Dials every call over the ramp, samples the server's memory, and builds the report.
    static func dial(
        options: BenchOptions, script: BenchScript, serverURL: String, pid: Int32?, clock: BenchClock,
        collector: BenchCollector, calls: BenchCallTable, httpClient: HTTPClient
    ) async throws -> BenchReport {
        var report = BenchReport()
        report.carrier = options.carrier
        report.durationSeconds = options.durationSeconds
        report.loadAverage = ProcStats.loadAverage()
        let machineStart = ProcStats.machineTicks()
        let context = BenchPhoneContext(
            serverURL: serverURL, accountSid: BenchOptions.accountSid, authToken: BenchOptions.authToken,
            telnyxSigner: BenchOptions.telnyxSigner, collector: collector,
            calls: calls, httpClient: httpClient, frames: BenchFrames(),
            maxCallDuration: .seconds(options.durationSeconds * 2 + 20), logger: options.logger)
        let baselineRSS = pid.flatMap(ProcStats.rssKB)
        let cpuStart = pid.flatMap(ProcStats.cpuSeconds)
        let loadCPUStart = ProcStats.cpuSeconds(pid: getpid())
        let peakRSS = LockedValue<Int>(baselineRSS ?? 0)
        let salt = UInt64.random(in: 0..<UInt64.max)
        let started = ContinuousClock.now
        let ramp = options.ramp
        let count = options.calls

        await withTaskGroup(of: Void.self) { group in
            if let pid {
                group.addTask {
                    while !Task.isCancelled {
                        if let rss = ProcStats.rssKB(pid: pid) { peakRSS.withLock { $0 = max($0, rss) } }
                        do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
                    }
                }
            }
            // Every call is bounded by its own deadline; the watchdog bounds the whole run on top of that.
            let limit = Duration.seconds(ramp + options.durationSeconds * 2 + 60)
            await withTaskGroup(of: Bool.self) { callGroup in
                callGroup.addTask {
                    try? await Task.sleep(for: limit)
                    return false
                }
                for index in 0..<count {
                    let at = started + .seconds(ramp * Double(index) / Double(max(1, count)))
                    callGroup.addTask {
                        try? await Task.sleep(until: at, clock: .continuous)
                        if options.carrier == "telnyx" {
                            _ = await BenchTelnyxPhone(index: index, plan: script.plan, context: context).run(salt: salt)
                        } else {
                            _ = await BenchTwilioPhone(index: index, plan: script.plan, context: context).run(salt: salt)
                        }
                        return true
                    }
                }
                var finished = 0
                while let isCall = await callGroup.next(), isCall {
                    finished += 1
                    if finished == count { break }
                }
                callGroup.cancelAll()
            }
            group.cancelAll()
        }
        report.wallSeconds = Self.seconds(ContinuousClock.now - started)
        if let machineStart, let machineEnd = ProcStats.machineTicks() {
            report.machineStealPercent = ProcStats.stealPercent(from: machineStart, to: machineEnd)
        }
        if let loadCPUStart, let loadCPUEnd = ProcStats.cpuSeconds(pid: getpid()) { report.loadCPUSeconds = loadCPUEnd - loadCPUStart }
        if let pid {
            if let cpuStart, let cpuEnd = ProcStats.cpuSeconds(pid: pid) { report.serverCPUSeconds = cpuEnd - cpuStart }
            if let hwm = ProcStats.peakRSSKB(pid: pid) { report.serverRSSPeakMB = Double(hwm) / 1_024 }
            if let baselineRSS {
                let peak = peakRSS.value
                report.rssPerCallKB = Double(max(0, peak - baselineRSS)) / Double(max(1, count))
            }
        }
        collector.summarize(into: &report)
        return report
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }

    /// `--find-knee`: runs until the knee is bracketed; returns the knee's report with `kneeCalls` set,
    /// and every run's report in order. A step that fails under heavy steal is run again (``KneeSearch/repeatsStep(passed:stealPercent:attempt:)``).
    public static func findKnee(
        _ options: BenchOptions, start: Int, ceiling: Int, onRun: (BenchReport) -> Void
    ) async throws -> BenchReport {
        var search = KneeSearch(start: start, ceiling: ceiling, resolution: max(5, start / 5))
        var best: BenchReport?
        var last: BenchReport?
        while let calls = search.next() {
            var run = options
            run.calls = calls
            var report = try await Self.run(run)
            var attempt = 1
            while KneeSearch.repeatsStep(passed: report.withinKnee(), stealPercent: report.machineStealPercent, attempt: attempt) {
                onRun(report)  // spoiled by steal: shown, then run again
                report = try await Self.run(run)
                attempt += 1
            }
            let passed = report.withinKnee()
            search.record(calls: calls, passed: passed)
            onRun(report)
            if passed { best = report }
            last = report
        }
        var result = best ?? last ?? BenchReport()
        result.kneeCalls = search.best ?? 0
        return result
    }
}
