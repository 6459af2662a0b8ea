import CallCore
import CallRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// Runs every call's session, and drains on shutdown: no new calls are admitted, live calls go on for
/// up to `drainSeconds`, then each is ended politely (a goodbye, then the hangup); calls still running
/// `hardStopSeconds` later are left to the caller's cancellation. Never every call cut at once.
///
/// The sessions run in `runSessions()`, outside the ServiceGroup: graceful shutdown is inherited by every
/// task started under a service (WebSocket clients close on it), and a live call must not see it — only
/// the polite end the drain asks for. The `Service` side waits for shutdown and conducts the drain.
final class CallSupervisor: Service {
    private let sessions: AsyncStream<CallSession>
    private let sessionSink: AsyncStream<CallSession>.Continuation
    private let drained: AsyncStream<Void>
    private let drainedSink: AsyncStream<Void>.Continuation
    private let registry: CallRegistry
    private let drainSeconds: Int64
    let hardStopSeconds: Int64
    private let logger: Logger
    private let drainingFlag = Atomic<Bool>(false)

    init(registry: CallRegistry, drainSeconds: Int64, hardStopSeconds: Int64 = 20, logger: Logger) {
        (sessions, sessionSink) = AsyncStream.makeStream(of: CallSession.self)
        (drained, drainedSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.registry = registry
        self.drainSeconds = drainSeconds
        self.hardStopSeconds = hardStopSeconds
        self.logger = logger
    }

    /// Whether the server stopped admitting calls.
    var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }

    /// Starts a registered session; false while draining (the caller then rejects the call).
    func start(_ session: CallSession) -> Bool {
        guard !isDraining else { return false }
        sessionSink.yield(session)
        return true
    }

    /// Runs the sessions as child tasks until admission ends and every session is over (or the task is
    /// cancelled, which ends the remaining calls at once).
    func runSessions() async {
        await withDiscardingTaskGroup { group in
            for await session in sessions {
                group.addTask { [registry, drainedSink] in
                    await session.run()
                    registry.remove(carrierCallID: session.info.carrierCallID)
                    if self.isDraining && registry.liveCount == 0 { drainedSink.yield() }
                }
            }
        }
    }

    /// Waits for graceful shutdown, then drains.
    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the ServiceGroup is going down hard
        }
        drainingFlag.store(true, ordering: .relaxed)
        sessionSink.finish()
        guard registry.liveCount > 0 else { return }
        logger.notice("draining \(registry.liveCount) live calls (up to \(drainSeconds) s)")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [drained] in
                for await _ in drained { return }
            }
            group.addTask { [registry, drainSeconds, hardStopSeconds, logger] in
                do {
                    try await Task.sleep(for: .seconds(drainSeconds))
                    let live = registry.liveSessions
                    if !live.isEmpty { logger.notice("drain bound reached: ending \(live.count) calls politely") }
                    for session in live { session.deliver(.shutdownRequested) }
                    try await Task.sleep(for: .seconds(hardStopSeconds))
                    logger.error("\(registry.liveCount) calls still running after the hard stop")
                } catch {}
            }
            await group.next()
            group.cancelAll()
        }
        logger.notice("drain finished")
    }
}
