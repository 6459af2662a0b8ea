import CallCore
import CallRuntime
import Logging
import NIOEmbedded
import Synchronization
import Testing

@testable import SwitchboardServer

/// Caller audio held behind a gap in `sequence_number` reaches the agent, in order, even when the socket
/// closes without a `stop` frame (Telnyx does not guarantee order, and a stream can drop).
@Suite struct TelnyxMediaReaderTests {
    static let info = CallInfo(callID: "reader", carrier: .telnyx, carrierCallID: "v3:reader", agentKind: "test", from: "a", to: "b")

    static func media(_ sequence: Int, _ payload: String) -> String {
        #"{"event":"media","sequence_number":"\#(sequence)","media":{"track":"inbound","chunk":"\#(sequence)","timestamp":"\#(sequence * 20)","payload":"\#(payload)"},"stream_id":"s1"}"#
    }

    @Test(.timeLimit(.minutes(1)), arguments: [false, true])
    func audioHeldBehindAGapIsDeliveredWhenTheStreamEnds(withStopFrame: Bool) async throws {
        let agent = AppendRecordingAgent()
        let registry = CallRegistry()
        let session = CallSession(
            info: Self.info, configuration: CallConfiguration(), agent: agent, carrier: QuietCarrier(), store: AcknowledgingSink(),
            logger: Logger(label: "t"), epoch: 0)
        #expect(registry.add(session, carrierCallID: Self.info.carrierCallID))
        let streams = TelnyxStreamAuthority(mediaURL: "ws://127.0.0.1/telnyx/media")
        let reader = TelnyxMediaReader(
            registry: registry, streams: streams, channel: EmbeddedChannel(), upgradeToken: streams.token(forCall: Self.info.callID),
            logger: Logger(label: "t"))

        await withDiscardingTaskGroup { group in
            group.addTask { await session.run() }
            defer { group.cancelAll() }
            session.deliver(.callStarted(Self.info))
            session.deliver(.callAnswered)
            let start = #"{"event":"start","sequence_number":"1","start":{"call_control_id":"v3:reader","media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}},"stream_id":"s1"}"#
            #expect(reader.receive(start))
            try? await agent.ready.wait()  // the agent connects once the stream has started
            #expect(reader.receive(Self.media(2, "AAAA")))
            #expect(reader.receive(Self.media(4, "CCCC")))  // 3 is late: 4 waits behind it
            #expect(reader.receive(Self.media(5, "DDDD")))
            #expect(await agent.appended(atLeast: 1) == ["AAAA"], "frames behind the gap wait")
            if withStopFrame {
                #expect(!reader.receive(#"{"event":"stop","sequence_number":"6","stop":{"call_control_id":"v3:reader"},"stream_id":"s1"}"#))
            }
            reader.streamEnded()
            #expect(await agent.appended(atLeast: 3) == ["AAAA", "CCCC", "DDDD"], "nothing held is lost when the stream ends")
            session.deliver(.carrierReportedCallEnded)
            for _ in 0..<5_000 where !session.isFinished { try? await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(session.isFinished)
    }
}

/// An agent that is ready at once and records the caller audio it is sent.
final class AppendRecordingAgent: AgentLeg, AgentConnector {
    let ready = Gate()
    private let state = Mutex<(appended: [String], closed: Bool)>(([], false))
    private let closedGate = Gate()
    var appended: [String] { state.withLock { $0.appended } }

    /// The appended audio once there is at least `count` of it (inputs another thread is applying land a
    /// moment later), or what there is after 5 s.
    func appended(atLeast count: Int) async -> [String] {
        for _ in 0..<5_000 where appended.count < count { try? await Task.sleep(for: .milliseconds(1)) }
        return appended
    }

    func makeAgent(for call: CallInfo) -> any AgentLeg { self }
    func run(deliver: @escaping @Sendable (CallEvent) -> Void) async {
        deliver(.agentSessionReady)
        ready.open()
        try? await closedGate.wait()
        deliver(.agentSessionClosed)
    }
    func send(_ command: AgentCommand) {
        if case .appendAudio(let audio) = command { state.withLock { $0.appended.append(audio.base64) } }
    }
    func close() { closedGate.open() }
}

/// A store that acknowledges every record at once.
struct AcknowledgingSink: CallRecordSink {
    func submit(callID: String, record: StoreRecord, acknowledged: @escaping @Sendable (Bool) -> Void) async { acknowledged(true) }
}
