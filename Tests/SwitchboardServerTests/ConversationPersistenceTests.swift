import CallCore
import CallRuntime
import CallStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import SwitchboardServer

/// Seed 000, race 3: the conversation is finalized while text to speech is still producing. Here the
/// caller hangs up while the first sentence is being synthesized; the synthesis finishes afterwards.
/// Every message is saved, nothing reaches the phone after the stop, and finalize waits for the writes.
extension EndToEnd {
@Suite struct ConversationPersistenceTests {
    @Test(.timeLimit(.minutes(1))) func finalizedWhileSynthesisRunsStillSavesEveryMessage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-seed000-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await makeCallStore(url: "sqlite:\(directory.appendingPathComponent("c.sqlite").path)", logger: Logger(label: "t"))
        let writer = StoreWriter(store: store, logger: Logger(label: "t"))

        var configuration = CallConfiguration()
        configuration.agentCancelsOnSpeech = false
        let agent = ScriptedPipelineAgent()
        let phone = RecordingPhone()
        let info = CallInfo(callID: "seed000", carrier: .telnyx, carrierCallID: "v3:seed000", agentKind: "pipeline", from: "a", to: "b")
        let session = CallSession(
            info: info, configuration: configuration, agent: agent, carrier: QuietCarrier(), store: StoreSink(writer: writer),
            logger: Logger(label: "t"), epoch: Int64(Date().timeIntervalSince1970 * 1_000))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await writer.run() }
            group.addTask { await session.run() }
            session.attachPhone(phone)
            session.deliver(.callStarted(info))
            session.deliver(.callAnswered)
            session.deliver(.streamStarted(streamID: "s"))
            // The pipeline asks for the first sentence; the caller hangs up while it is synthesized.
            try await agent.firstSynthesisStarted.wait()
            session.deliver(.streamStopped)
            agent.allowSynthesisToFinish()
            while !session.isFinished { try await Task.sleep(for: .milliseconds(10)) }
            group.cancelAll()
        }

        let detail = try #require(try await store.call(id: "seed000"))
        try await store.close()
        #expect(detail.call.finalizedAt != nil)
        #expect(detail.messages.contains { $0.role == .agent && $0.text.contains("Let me check that.") && $0.text.contains("One moment please.") })
        #expect(phone.commandsAfterStop.isEmpty, "nothing may reach the phone after the stop: \(phone.commandsAfterStop)")
    }
}}


/// A pipeline agent: greets with two sentences to synthesize; its synthesis finishes only when allowed.
final class ScriptedPipelineAgent: AgentLeg, AgentConnector {
    let firstSynthesisStarted = Gate()
    private let finishSynthesis = Gate()
    private let deliverBox = Mutex<(@Sendable (CallEvent) -> Void)?>(nil)
    private let closed = Gate()

    func makeAgent(for call: CallInfo) -> any AgentLeg { self }

    func run(deliver: @escaping @Sendable (CallEvent) -> Void) async {
        deliverBox.withLock { $0 = deliver }
        deliver(.agentSessionReady)
        try? await closed.wait()
        deliver(.agentSessionClosed)
    }

    func send(_ command: AgentCommand) {
        guard let deliver = deliverBox.withLock({ $0 }) else { return }
        switch command {
        case .createResponse:
            deliver(.agentResponseCreated(responseID: "r1"))
            deliver(.ttsRequested(operationID: 1, responseID: "r1", text: "Let me check that."))
            deliver(.ttsRequested(operationID: 2, responseID: "r1", text: "One moment please."))
            deliver(.agentResponseDone(responseID: "r1", status: .completed))
        case .synthesize(let id, _):
            firstSynthesisStarted.open()
            let finish = finishSynthesis
            Task {  // bridge: the test's synthesis runs on its own, like an HTTP stream would
                try? await finish.wait()
                deliver(.ttsChunk(operationID: id, audio: AudioPayload(base64: "////", byteCount: 3)))
                deliver(.ttsFinished(operationID: id))
            }
        default:
            break
        }
    }

    func allowSynthesisToFinish() { finishSynthesis.open() }

    func close() { closed.open() }
}

/// Records what the session sends to the phone, and what it sends after the stream stopped.
final class RecordingPhone: PhoneLeg {
    private let state = Mutex<(stopped: Bool, afterStop: [PhoneCommand])>((false, []))
    func send(_ command: PhoneCommand) {
        state.withLock { if $0.stopped { $0.afterStop.append(command) } }
    }
    func close() { state.withLock { $0.stopped = true } }
    var commandsAfterStop: [PhoneCommand] { state.withLock { $0.afterStop } }
}

struct QuietCarrier: CarrierControl {
    func hangUp(_ call: CallInfo) async -> CommandOutcome { .alreadyEnded }
    func transfer(_ call: CallInfo, to target: String) async -> CommandOutcome { .alreadyEnded }
    func startStream(_ call: CallInfo) async -> CommandOutcome { .succeeded }
}

/// A one-shot gate tasks can wait on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
    func wait() async throws {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
