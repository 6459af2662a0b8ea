import CallCore
import Logging
import Synchronization

/// The one owner of a call (DESIGN, principle 1): every input of the call — media frames, agent events,
/// webhooks, timer expiries, results of our own REST commands and store writes — arrives in its inbox
/// and is applied, one at a time and in order, to the call's `CallStateMachine`, whose actions are then
/// executed. Nothing else touches the call's state.
///
/// The inbox is a `SerialInbox`: the thread that delivers an input applies it (and whatever queued up
/// meanwhile) at once, so a media frame read on a socket's event loop goes through the machine and out to
/// the other socket on that loop, without waking a task. Work that waits — timers, the agent session, REST
/// commands, store writes — runs as child tasks of `run()`'s task group, so it ends with the call.
public final class CallSession: Sendable {
    public let info: CallInfo
    /// The state only the inbox's current applier touches (and `run()` once the inbox is idle and closed).
    private struct Core: ~Copyable {
        var machine: CallStateMachine
        var actions: [CallAction] = []
        var agentLeg: (any AgentLeg)?
        /// The finalized record's write: the call ends (and says CALL_FINALIZED) once it is stored.
        var finalWrite: Int?
        var finalMarker: LogMarker?
        var ended = false
        /// Armed expiries by kind, when a scheduler runs them.
        var timers: [TimerKind: any CallTimerHandle] = [:]

        mutating func cancelTimers() {
            for handle in timers.values { handle.cancel() }
            timers.removeAll()
        }
    }
    private let core: Mutex<Core>
    private let inbox = SerialInbox<CallEvent>()
    /// Child tasks for `run()`'s group; finished when the call ends.
    private let spawns: AsyncStream<@Sendable () async -> Void>.Continuation
    private let spawnRequests: AsyncStream<@Sendable () async -> Void>
    private let phone = Mutex<(any PhoneLeg)?>(nil)
    private let agent: any AgentConnector
    private let carrier: any CarrierControl
    private let store: any CallRecordSink
    private let logger: Logger
    private let observer: (any CallObserver)?
    private let timerScheduler: (any CallTimerScheduler)?
    private let finished = Mutex(false)
    /// Unix time in milliseconds when the session was made; the machine's clock counts from it, so the
    /// times it writes to the store are wall-clock times (and still monotonic within the call).
    private let epoch: Milliseconds
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// - Parameters:
    ///   - epoch: Unix time (ms) now; the session's clock is monotonic from there.
    ///   - timers: Runs the timer expiries; nil: each armed deadline sleeps in a child task.
    public init(
        info: CallInfo, configuration: CallConfiguration, agent: any AgentConnector, carrier: any CarrierControl,
        store: any CallRecordSink, logger: Logger, observer: (any CallObserver)? = nil, timers: (any CallTimerScheduler)? = nil,
        epoch: Milliseconds
    ) {
        self.timerScheduler = timers
        self.info = info
        self.epoch = epoch
        self.start = clock.now
        var core = Core(machine: CallStateMachine(configuration: configuration))
        core.actions.reserveCapacity(16)
        self.core = Mutex(core)
        self.agent = agent
        self.carrier = carrier
        self.store = store
        var logger = logger
        logger[metadataKey: "call_id"] = "\(info.callID)"
        self.logger = logger
        self.observer = observer
        (spawnRequests, spawns) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
    }

    /// Delivers an input. Safe from any thread; applied before this returns unless another thread is
    /// applying the call's inputs right now (then that one applies it next). Inputs delivered before
    /// `run()` wait for it; inputs after the call ended are ignored.
    public func deliver(_ event: CallEvent) {
        if inbox.enqueue(event) { applyQueued() }
    }

    /// Attaches the media stream's writer (when its `start` frame arrives).
    public func attachPhone(_ leg: any PhoneLeg) {
        phone.withLock { $0 = leg }
    }

    /// Closes our side of the media stream (used where no carrier REST API is configured).
    public func closeMediaStream() {
        phone.withLock { $0?.close() }
    }

    /// Whether the call has been finalized.
    public var isFinished: Bool { finished.withLock { $0 } }

    /// Runs the call until it is finalized. Cancelling the task ends the call at once (no politeness).
    public func run() async {
        var finalMarker: LogMarker?
        await withDiscardingTaskGroup { group in
            if inbox.open() { applyQueued() }
            for await work in spawnRequests {
                group.addTask { await work() }
            }
            // Ended, or cancelled: once no applier runs, this task alone owns the call; the children's
            // last inputs (a cancelled agent's close, say) are dropped.
            await inbox.closeAndWaitUntilIdle()
            spawns.finish()
            finalMarker = core.withLock { core -> LogMarker? in
                core.cancelTimers()
                if !core.ended { core.agentLeg?.close() }
                core.agentLeg = nil
                return core.finalMarker
            }
            group.cancelAll()
        }
        if let finalMarker { log(finalMarker) }
        finished.withLock { $0 = true }
        phone.withLock { $0 = nil }
        observer?.callFinished(info.callID)
    }

    /// The applier's loop: every queued input, in order, until the inbox is empty (or closed).
    private func applyQueued() {
        while let event = inbox.next() {
            core.withLock { apply(event, to: &$0) }
        }
    }

    private func apply(_ event: CallEvent, to core: inout Core) {
        if core.machine.isFinalized {
            // Only the store's remaining acknowledgements arrive now (S4).
            if case .storeWriteAcknowledged(let id, _) = event, id == core.finalWrite { end(&core) }
            return
        }
        let now = epoch + Self.milliseconds(clock.now - start)
        core.actions.removeAll(keepingCapacity: true)
        core.machine.handle(event, at: now, into: &core.actions)
        let actions = core.actions
        for action in actions {
            if case .store(let id, .finalized) = action { core.finalWrite = id }
            if case .log(let marker) = action, case .callFinalized = marker {
                core.finalMarker = marker  // said once the finalized record is stored
                continue
            }
            execute(action, core: &core)
        }
        if core.machine.isFinalized && core.finalWrite == nil { end(&core) }
    }

    /// The call is over: the agent session closes, later inputs are dropped, and `run()`'s group ends.
    private func end(_ core: inout Core) {
        core.ended = true
        core.cancelTimers()
        core.agentLeg?.close()
        inbox.close()
        spawns.finish()
    }

    /// `deliver` without keeping the session alive: child work waits in `spawns` until `run()` takes it.
    private var weakDeliver: @Sendable (CallEvent) -> Void {
        { [weak self] event in self?.deliver(event) }
    }

    /// Runs `work` as a child task of `run()`'s group (dropped once the call ended).
    private func spawn(_ work: @escaping @Sendable () async -> Void) {
        spawns.yield(work)
    }

    static func milliseconds(_ duration: Duration) -> Milliseconds {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    private func execute(_ action: CallAction, core: inout Core) {
        switch action {
        case .sendAudio(let audio):
            phone.withLock { $0?.send(.audio(audio)) }
        case .sendMark(let name):
            phone.withLock { $0?.send(.mark(name)) }
        case .clearAudio:
            phone.withLock { $0?.send(.clear) }
        case .closeMediaStream:
            phone.withLock { $0?.close() }
        case .startStream:
            let call = info
            spawn { [weak self, carrier] in
                let outcome = await carrier.startStream(call)
                switch outcome {
                case .alreadyEnded: self?.deliver(.streamStartRefusedCallEnded)
                case .failed(let reason): self?.deliver(.streamFailed(reason: reason))
                case .succeeded: break
                }
            }
        case .answerCall:
            let call = info
            spawn { [weak self, carrier] in
                let outcome = await carrier.answer(call)
                self?.deliver(.answerResult(outcome))
            }
        case .startAgentSession:
            let leg = agent.makeAgent(for: info)
            core.agentLeg = leg
            let deliver = weakDeliver
            spawn { await leg.run(deliver: deliver) }
        case .forwardCallerAudio(let audio):
            core.agentLeg?.send(.appendAudio(audio))
        case .cancelResponse(let id):
            core.agentLeg?.send(.cancelResponse(responseID: id))
        case .truncate(let itemID, let milliseconds):
            core.agentLeg?.send(.truncate(itemID: itemID, audioEndMilliseconds: milliseconds))
        case .createResponse(let request):
            core.agentLeg?.send(.createResponse(request))
        case .synthesize(let id, let text):
            core.agentLeg?.send(.synthesize(operationID: id, text: text))
        case .cancelSynthesis(let id):
            core.agentLeg?.send(.cancelSynthesis(operationID: id))
        case .closeAgentSession:
            core.agentLeg?.close()
        case .hangUp(let reason):
            let call = info
            observer?.hangupRequested(info.callID, reason: reason)
            spawn { [weak self, carrier] in
                let outcome = await carrier.hangUp(call)
                self?.deliver(.hangupResult(outcome))
            }
        case .transfer(let target):
            let call = info
            spawn { [weak self, carrier] in
                let outcome = await carrier.transfer(call, to: target)
                self?.deliver(.transferResult(outcome))
            }
        case .store(let writeID, let record):
            let callID = info.callID
            let deliver = weakDeliver
            spawn { [store] in
                await store.submit(callID: callID, record: record) { succeeded in
                    deliver(.storeWriteAcknowledged(writeID: writeID, succeeded: succeeded))
                }
            }
        case .finalize:
            break
        case .armTimer(let kind, let generation, let deadline):
            let instant = start + .milliseconds(deadline - epoch)
            if let timerScheduler {
                let deliver = weakDeliver
                core.timers[kind]?.cancel()
                core.timers[kind] = timerScheduler.schedule(after: max(.zero, instant - clock.now)) {
                    deliver(.timerFired(kind, generation: generation))
                }
                break
            }
            spawn { [weak self, clock] in
                do {
                    try await Task.sleep(until: instant, clock: clock)
                } catch {
                    return  // cancelled with the session
                }
                self?.deliver(.timerFired(kind, generation: generation))
            }
        case .cancelTimer(let kind, _):
            // A cancelled timer's expiry is stale when it arrives anyway (S6); a scheduled one is stopped,
            // a sleeping task ends with the session.
            core.timers.removeValue(forKey: kind)?.cancel()
        case .log(let marker):
            log(marker)
        }
        observer?.actionExecuted(info.callID, action)
    }

    private func log(_ marker: LogMarker) {
        let line = "\(marker.line) call_id=\(info.callID)"
        switch marker {
        case .error: logger.error("\(line)")
        case .hangupSkipped: logger.debug("\(line)")
        case .notice: logger.info("\(line)")
        default: logger.notice("\(line)")
        }
    }
}

/// Watches calls from outside (metrics, tests). Called from the session's loop: keep it cheap.
public protocol CallObserver: Sendable {
    func actionExecuted(_ callID: String, _ action: CallAction)
    func hangupRequested(_ callID: String, reason: HangupReason)
    func callFinished(_ callID: String)
}

extension CallObserver {
    public func actionExecuted(_ callID: String, _ action: CallAction) {}
    public func hangupRequested(_ callID: String, reason: HangupReason) {}
    public func callFinished(_ callID: String) {}
}
