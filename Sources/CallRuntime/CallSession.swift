import CallCore
import Logging
import Synchronization

/// The one owner of a call (DESIGN, principle 1): every input of the call — media frames, agent events,
/// webhooks, timer expiries, results of our own REST commands and store writes — arrives in its inbox,
/// and one loop applies them, in order, to the call's `CallStateMachine` and executes the actions.
/// Nothing else touches the call's state. Timers, the agent session and REST commands run as child tasks
/// of the session's task group, so they end with it.
public final class CallSession: Sendable {
    public let info: CallInfo
    private let inbox: AsyncStream<CallEvent>.Continuation
    private let events: AsyncStream<CallEvent>
    private let phone = Mutex<(any PhoneLeg)?>(nil)
    private let configuration: CallConfiguration
    private let agent: any AgentConnector
    private let carrier: any CarrierControl
    private let store: any CallRecordSink
    private let logger: Logger
    private let observer: (any CallObserver)?
    private let finished = Mutex(false)
    /// Unix time in milliseconds when the session started; the machine's clock counts from it, so the
    /// times it writes to the store are wall-clock times (and still monotonic within the call).
    private let epoch: Milliseconds

    /// - Parameter epoch: Unix time (ms) now; the session's clock is monotonic from there.
    public init(
        info: CallInfo, configuration: CallConfiguration, agent: any AgentConnector, carrier: any CarrierControl,
        store: any CallRecordSink, logger: Logger, observer: (any CallObserver)? = nil, epoch: Milliseconds
    ) {
        self.info = info
        self.epoch = epoch
        self.configuration = configuration
        self.agent = agent
        self.carrier = carrier
        self.store = store
        var logger = logger
        logger[metadataKey: "call_id"] = "\(info.callID)"
        self.logger = logger
        self.observer = observer
        (events, inbox) = AsyncStream.makeStream(of: CallEvent.self)
    }

    /// Puts an input into the call's inbox. Safe from any task; ignored once the call is finalized.
    public func deliver(_ event: CallEvent) {
        inbox.yield(event)
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
        let clock = ContinuousClock()
        let start = clock.now
        var machine = CallStateMachine(configuration: configuration)
        var actions: [CallAction] = []
        actions.reserveCapacity(16)
        var agentLeg: (any AgentLeg)?
        /// The finalized record's write: the session ends (and says CALL_FINALIZED) once it is stored.
        var finalWrite: Int?
        var finalMarker: LogMarker?
        await withDiscardingTaskGroup { group in
            for await event in events {
                if machine.isFinalized {
                    // Only the store's remaining acknowledgements arrive now (S4).
                    if case .storeWriteAcknowledged(let id, _) = event, id == finalWrite { break }
                    continue
                }
                let now = epoch + Self.milliseconds(clock.now - start)
                actions.removeAll(keepingCapacity: true)
                machine.handle(event, at: now, into: &actions)
                for action in actions {
                    if case .store(let id, .finalized) = action { finalWrite = id }
                    if case .log(let marker) = action, case .callFinalized = marker {
                        finalMarker = marker  // said once the finalized record is stored
                        continue
                    }
                    execute(action, group: &group, clock: clock, start: start, agentLeg: &agentLeg)
                }
                if machine.isFinalized && finalWrite == nil { break }
            }
            inbox.finish()
            agentLeg?.close()
            group.cancelAll()
        }
        if let finalMarker { log(finalMarker) }
        finished.withLock { $0 = true }
        phone.withLock { $0 = nil }
        observer?.callFinished(info.callID)
    }

    static func milliseconds(_ duration: Duration) -> Milliseconds {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    private func execute(
        _ action: CallAction, group: inout DiscardingTaskGroup, clock: ContinuousClock, start: ContinuousClock.Instant,
        agentLeg: inout (any AgentLeg)?
    ) {
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
            group.addTask { [carrier, inbox] in
                let outcome = await carrier.startStream(call)
                switch outcome {
                case .alreadyEnded: inbox.yield(.streamStartRefusedCallEnded)
                case .failed(let reason): inbox.yield(.streamFailed(reason: reason))
                case .succeeded: break
                }
            }
        case .answerCall:
            let call = info
            group.addTask { [carrier, inbox] in
                inbox.yield(.answerResult(await carrier.answer(call)))
            }
        case .startAgentSession:
            let leg = agent.makeAgent(for: info)
            agentLeg = leg
            group.addTask { [inbox] in
                await leg.run { event in inbox.yield(event) }
            }
        case .forwardCallerAudio(let audio):
            agentLeg?.send(.appendAudio(audio))
        case .cancelResponse(let id):
            agentLeg?.send(.cancelResponse(responseID: id))
        case .truncate(let itemID, let milliseconds):
            agentLeg?.send(.truncate(itemID: itemID, audioEndMilliseconds: milliseconds))
        case .createResponse(let request):
            agentLeg?.send(.createResponse(request))
        case .synthesize(let id, let text):
            agentLeg?.send(.synthesize(operationID: id, text: text))
        case .cancelSynthesis(let id):
            agentLeg?.send(.cancelSynthesis(operationID: id))
        case .closeAgentSession:
            agentLeg?.close()
        case .hangUp(let reason):
            let call = info
            observer?.hangupRequested(info.callID, reason: reason)
            group.addTask { [carrier, inbox] in
                inbox.yield(.hangupResult(await carrier.hangUp(call)))
            }
        case .transfer(let target):
            let call = info
            group.addTask { [carrier, inbox] in
                inbox.yield(.transferResult(await carrier.transfer(call, to: target)))
            }
        case .store(let writeID, let record):
            let callID = info.callID
            group.addTask { [store, inbox] in
                await store.submit(callID: callID, record: record) { succeeded in
                    inbox.yield(.storeWriteAcknowledged(writeID: writeID, succeeded: succeeded))
                }
            }
        case .finalize:
            break
        case .armTimer(let kind, let generation, let deadline):
            let instant = start + .milliseconds(deadline - epoch)
            group.addTask { [inbox] in
                do {
                    try await Task.sleep(until: instant, clock: clock)
                } catch {
                    return  // cancelled with the session
                }
                inbox.yield(.timerFired(kind, generation: generation))
            }
        case .cancelTimer:
            break  // a cancelled timer's expiry is stale when it arrives (S6); its task ends with the session
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
