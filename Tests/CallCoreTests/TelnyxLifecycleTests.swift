import CallCore
import Testing

/// The Telnyx call lifecycle in the pure machine: we answer, then ask for the stream, and the stream's
/// stop is not the end of the call (only `call.hangup` or our own hangup is).
@Suite struct TelnyxLifecycleTests {
    static var configuration: CallConfiguration {
        var configuration = CallConfiguration()
        configuration.answersCall = true
        configuration.startsStreamOnAnswer = true
        configuration.streamStopEndsCall = false
        return configuration
    }
    static let info = CallInfo(callID: "c", carrier: .telnyx, carrierCallID: "v3:1", agentKind: "pipeline", from: "a", to: "b")

    /// A call we answered and that Telnyx reported answered (`streaming_start` is out).
    static func answeredCall() -> CallHarness {
        var call = CallHarness(configuration: configuration)
        call.send(.callStarted(info))
        call.send(.answerResult(.succeeded))
        call.send(.callAnswered)
        return call
    }

    @Test func answersOnceThenStartsTheStreamWhenAnswered() {
        var call = CallHarness(configuration: Self.configuration)
        call.send(.callStarted(Self.info))
        call.send(.callStarted(Self.info))  // a retried webhook
        #expect(call.actions.filter { $0 == .answerCall }.count == 1)
        #expect(!call.actions.contains(.startStream))
        call.send(.answerResult(.succeeded))
        call.send(.callAnswered)
        call.send(.callAnswered)
        #expect(call.actions.filter { $0 == .startStream }.count == 1)
        call.send(.streamStarted(streamID: "s"))
        #expect(call.actions.contains(.startAgentSession))
    }

    @Test func callerHangingUpWhileRingingEndsTheCallQuietly() {
        var call = CallHarness(configuration: Self.configuration)
        call.send(.callStarted(Self.info))
        call.send(.answerResult(.alreadyEnded))
        call.send(.carrierReportedCallEnded)
        #expect(call.errors.isEmpty)
        #expect(!call.actions.contains(.startStream))
        #expect(call.machine.isFinalized)
        #expect(call.machine.endReasonDescription == "caller_hangup")
    }

    @Test func aFailedAnswerEndsTheCallWithAnError() {
        var call = CallHarness(configuration: Self.configuration)
        call.send(.callStarted(Self.info))
        call.send(.answerResult(.failed("HTTP 500")))
        #expect(call.errors.count == 1)
        #expect(call.machine.isFinalized)
        #expect(call.machine.endReasonDescription == "answer_failed")
    }

    @Test func theStreamStoppingDoesNotEndATelnyxCall() {
        var call = Self.answeredCall()
        call.send(.streamStarted(streamID: "s"))
        call.send(.streamStopped)
        #expect(!call.machine.isEnded)
        call.send(.carrierReportedCallEnded)
        #expect(call.machine.isEnded)
    }

    @Test func aStreamLostWithoutCallHangupIsHungUpAfterTheGrace() {
        var call = Self.answeredCall()
        call.send(.streamStarted(streamID: "s"))
        call.send(.streamStopped)
        #expect(call.armed[.streamLost] != nil)
        call.fire(.streamLost)
        #expect(call.actions.filter { if case .hangUp(.streamFailed) = $0 { true } else { false } }.count == 1)
    }

    @Test func callHangupWithinTheGraceEndsTheCallAsTheCallersHangup() {
        var call = Self.answeredCall()
        call.send(.streamStarted(streamID: "s"))
        call.send(.streamStopped)
        let stale = call.armed[.streamLost]
        call.send(.carrierReportedCallEnded, after: 500)
        if let stale { call.send(.timerFired(.streamLost, generation: stale.generation), after: 3_000) }
        #expect(!call.actions.contains { if case .hangUp = $0 { true } else { false } })
        #expect(call.machine.endReasonDescription == "caller_hangup")
    }

    @Test func aFailedStreamHangsUpOnce() {
        var call = Self.answeredCall()
        call.send(.streamFailed(reason: "HTTP 500"))
        call.send(.streamFailed(reason: "streaming.failed"))
        #expect(call.actions.filter { if case .hangUp(.streamFailed) = $0 { true } else { false } }.count == 1)
        call.send(.hangupResult(.succeeded))
        #expect(call.machine.isFinalized)
        #expect(call.machine.endReasonDescription == "stream_failed")
    }
}
