import CallCore
import Logging
import Synchronization
import Testing

@testable import CallRuntime

/// The session applies inputs on the deliverer's thread; legs that deliver from inside the session's own
/// actions (a phone echoing a mark, an agent answering a request at once) must neither deadlock nor
/// reorder: their inputs are applied right after the action's input.
@Suite struct CallSessionInlineTests {
    static let info = CallInfo(callID: "inline", carrier: .twilio, carrierCallID: "CA-inline", agentKind: "test", from: "a", to: "b")

    /// A session with `phone` attached whose call started, was answered and has its stream open (the inputs
    /// wait in the inbox until `run()`).
    static func startedSession(
        agent: InstantAgent, phone: EchoingPhone = EchoingPhone(), observer: ActionLog? = nil, timers: ManualTimers? = nil
    ) -> CallSession {
        let session = CallSession(
            info: info, configuration: CallConfiguration(), agent: agent, carrier: AcceptingCarrier(), store: AckingStore(),
            logger: Logger(label: "test"), observer: observer, timers: timers, epoch: 0)
        phone.session = session
        session.attachPhone(phone)
        session.deliver(.callStarted(info))
        session.deliver(.callAnswered)
        session.deliver(.streamStarted(streamID: "MZ1"))
        return session
    }

    @Test(.timeLimit(.minutes(1))) func legsThatDeliverFromInsideActionsCompleteTheCall() async {
        let agent = InstantAgent()
        let phone = EchoingPhone()
        let observer = ActionLog()
        let session = Self.startedSession(agent: agent, phone: phone, observer: observer)
        await withDiscardingTaskGroup { group in
            group.addTask { await session.run() }
            await agent.greeted.wait()
            session.deliver(.streamStopped)  // Twilio: the caller hung up
        }
        #expect(session.isFinished)
        let actions = observer.actions
        let audio = actions.firstIndex { if case .sendAudio = $0 { true } else { false } }
        let mark = actions.firstIndex { if case .sendMark = $0 { true } else { false } }
        #expect(audio != nil && mark != nil && audio! < mark!, "audio, then its mark: \(actions)")
        #expect(phone.sent.first == .audio(AudioPayload(base64: "AAAA")))
        #expect(agent.closed)
    }

    @Test(.timeLimit(.minutes(1))) func scheduledTimersAreReplacedWhenReArmedAndCancelledWhenTheCallEnds() async {
        let agent = InstantAgent()
        let timers = ManualTimers()
        let session = Self.startedSession(agent: agent, timers: timers)
        await withDiscardingTaskGroup { group in
            group.addTask { await session.run() }
            await agent.greeted.wait()
            #expect(timers.live >= 1, "max duration and no-response are armed")
            #expect(timers.live <= TimerKind.allCases.count, "a re-armed kind replaces its handle: \(timers.live) live")
            timers.fireEarliest()  // an expiry is delivered to the call (early ones are ignored by the machine)
            session.deliver(.streamStopped)
        }
        #expect(session.isFinished)
        #expect(timers.live == 0, "every expiry is cancelled with the call")
    }

    @Test(.timeLimit(.minutes(1))) func cancellingRunEndsTheCallAndClosesTheAgent() async {
        let agent = InstantAgent()
        let session = Self.startedSession(agent: agent)
        await withDiscardingTaskGroup { group in
            group.addTask { await session.run() }
            await agent.greeted.wait()
            group.cancelAll()
        }
        #expect(session.isFinished)
        #expect(agent.closed)
        session.deliver(.callerAudio(AudioPayload(base64: "AAAA")))  // ignored once over
        #expect(agent.appended == 0)
    }
}

/// An agent that answers `createResponse` from inside the session's action: created, one delta, done.
final class InstantAgent: AgentLeg, AgentConnector {
    let greeted = OneShot()
    private let state = Mutex<(deliver: (@Sendable (CallEvent) -> Void)?, closed: Bool, appended: Int)>((nil, false, 0))
    private let closedSignal = OneShot()
    var closed: Bool { state.withLock { $0.closed } }
    var appended: Int { state.withLock { $0.appended } }

    func makeAgent(for call: CallInfo) -> any AgentLeg { self }
    func run(deliver: @escaping @Sendable (CallEvent) -> Void) async {
        state.withLock { $0.deliver = deliver }
        deliver(.agentSessionReady)
        await closedSignal.waitOrCancellation()
        deliver(.agentSessionClosed)
    }
    func send(_ command: AgentCommand) {
        let deliver = state.withLock { state -> (@Sendable (CallEvent) -> Void)? in
            if case .appendAudio = command { state.appended += 1 }
            return state.deliver
        }
        guard case .createResponse = command, let deliver else { return }
        deliver(.agentResponseCreated(responseID: "resp_1"))
        deliver(.agentAudioDelta(responseID: "resp_1", itemID: "item_1", audio: AudioPayload(base64: "AAAA")))
        deliver(.agentAudioDone(responseID: "resp_1", itemID: "item_1"))
        deliver(.agentTranscriptDone(responseID: "resp_1", itemID: "item_1", text: "Hello, how can I help?"))
        deliver(.agentResponseDone(responseID: "resp_1", status: .completed))
        greeted.open()
    }
    func close() {
        state.withLock { $0.closed = true }
        closedSignal.open()
    }
}

/// A phone that plays everything at once: it echoes each mark from inside `send`.
final class EchoingPhone: PhoneLeg {
    private let state = Mutex<(session: CallSession?, sent: [PhoneCommand])>((nil, []))
    var session: CallSession? {
        get { state.withLock { $0.session } }
        set { state.withLock { $0.session = newValue } }
    }
    var sent: [PhoneCommand] { state.withLock { $0.sent } }
    func send(_ command: PhoneCommand) {
        let session = state.withLock { state -> CallSession? in
            state.sent.append(command)
            return state.session
        }
        if case .mark(let name) = command { session?.deliver(.markPlayed(name: name)) }
    }
    func close() { state.withLock { $0.session = nil } }
}

struct AcceptingCarrier: CarrierControl {
    func hangUp(_ call: CallInfo) async -> CommandOutcome { .succeeded }
    func transfer(_ call: CallInfo, to target: String) async -> CommandOutcome { .succeeded }
    func startStream(_ call: CallInfo) async -> CommandOutcome { .succeeded }
}

struct AckingStore: CallRecordSink {
    func submit(callID: String, record: StoreRecord, acknowledged: @escaping @Sendable (Bool) -> Void) async { acknowledged(true) }
}

final class ActionLog: CallObserver {
    private let log = Mutex<[CallAction]>([])
    var actions: [CallAction] { log.withLock { $0 } }
    func actionExecuted(_ callID: String, _ action: CallAction) { log.withLock { $0.append(action) } }
}

/// A one-shot signal tasks can wait on (returns early when the waiting task is cancelled).
final class OneShot: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
    func waitOrCancellation() async {
        await withTaskCancellationHandler { await wait() } onCancel: { open() }
    }
}

/// Timers that fire only when told to; records which are still armed.
final class ManualTimers: CallTimerScheduler {
    final class Handle: CallTimerHandle {
        let delay: Duration
        let fire: @Sendable () -> Void
        let state = Mutex((cancelled: false, fired: false))
        init(delay: Duration, fire: @escaping @Sendable () -> Void) {
            self.delay = delay
            self.fire = fire
        }
        func cancel() { state.withLock { $0.cancelled = true } }
        var isLive: Bool { state.withLock { !$0.cancelled && !$0.fired } }
    }
    private let handles = Mutex<[Handle]>([])

    func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> any CallTimerHandle {
        let handle = Handle(delay: delay, fire: fire)
        handles.withLock { $0.append(handle) }
        return handle
    }

    var live: Int { handles.withLock { $0.filter(\.isLive).count } }

    func fireEarliest() {
        let next = handles.withLock { $0.filter(\.isLive).min { $0.delay < $1.delay } }
        guard let next else { return }
        next.state.withLock { $0.fired = true }
        next.fire()
    }
}
