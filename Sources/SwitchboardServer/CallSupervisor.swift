import CallCore
import CallRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// Runs every call's session as a child task, and drains on shutdown: no new calls are admitted, live
/// calls go on for up to `drainSeconds`, then each is ended politely (a goodbye, then the hangup); any
/// call still running `hardStopSeconds` later is cancelled. Never every call cut at once.
final class CallSupervisor: Service {
    private let sessions: AsyncStream<CallSession>
    private let continuation: AsyncStream<CallSession>.Continuation
    private let registry: CallRegistry
    private let drainSeconds: Int64
    private let hardStopSeconds: Int64
    private let logger: Logger
    private let drainingFlag = Atomic<Bool>(false)

    private struct DrainFinished: Error {}

    init(registry: CallRegistry, drainSeconds: Int64, hardStopSeconds: Int64 = 20, logger: Logger) {
        (sessions, continuation) = AsyncStream.makeStream(of: CallSession.self)
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
        continuation.yield(session)
        return true
    }

    func run() async throws {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                await withGracefulShutdownHandler {
                    for await session in sessions {
                        group.addTask { [registry, drainingFlag = self] in
                            await session.run()
                            registry.remove(carrierCallID: session.info.carrierCallID)
                            if drainingFlag.isDraining && registry.liveCount == 0 { throw DrainFinished() }
                        }
                    }
                } onGracefulShutdown: {
                    self.drainingFlag.store(true, ordering: .relaxed)
                    self.continuation.finish()
                }
                // Draining: let live calls finish, then end them politely, then stop for good.
                guard registry.liveCount > 0 else { return }
                logger.notice("draining \(registry.liveCount) live calls (up to \(drainSeconds) s)")
                group.addTask { [registry, drainSeconds, hardStopSeconds, logger] in
                    try await Task.sleep(for: .seconds(drainSeconds))
                    let live = registry.liveSessions
                    if !live.isEmpty { logger.notice("drain bound reached: ending \(live.count) calls politely") }
                    for session in live { session.deliver(.shutdownRequested) }
                    try await Task.sleep(for: .seconds(hardStopSeconds))
                    logger.error("calls still running after the hard stop: cancelling them")
                    throw DrainFinished()
                }
            }
        } catch is DrainFinished {
            logger.notice("all calls drained")
        }
    }
}
