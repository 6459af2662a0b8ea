import CallCore
import Testing

/// One test per symptom in the seed write-ups, on the pure machine.
@Suite struct SeedScenarioTests {
    @Test func normalGoodbyeHangsUpOnceAfterTheFinalMarkEcho() {
        var call = CallHarness()
        call.connect()
        #expect(call.actions.contains(.createResponse(.greeting)))
        call.speak("r1", "Hello, how can I help?")
        call.playAll()
        call.speak("r2", "Thanks for calling, goodbye!")
        #expect(call.hangups.isEmpty, "the goodbye has not been heard yet")
        call.playAll()
        #expect(call.hangups == [.botGoodbye])
        #expect(call.logs.contains(.politeHangup(via: "mark", responseID: "r2")))
        call.send(.hangupResult(.succeeded))
        call.send(.agentSessionClosed)
        #expect(call.machine.isFinalized)
        #expect(call.finalizeCount == 1)
    }

    @Test func transcriptDoneAfterAudioDoneStillHangsUp() {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "ביי ולהתראות", transcriptAfterAudioDone: true)
        call.playAll()
        #expect(call.hangups == [.botGoodbye])
    }

    @Test func bargeInDuringTheGoodbyeCancelsTheHangup() throws {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "Okay, goodbye!")
        // The caller heard the first 200 ms chunk, then talks over the rest.
        call.send(.markPlayed(name: call.marksAtPhone.removeFirst()), after: 200)
        let bargeIn = call.send(.callerSpeechStarted)
        let clear = try #require(bargeIn.firstIndex(of: .clearAudio))
        let truncate = try #require(bargeIn.firstIndex(of: .truncate(itemID: "item-r1", audioEndMilliseconds: 200)))
        #expect(clear < truncate, "the caller hears the bot stop before the agent hears of it")
        #expect(!bargeIn[..<clear].contains { if case .store(_, .message) = $0 { true } else { false } }, "nor is the reply saved first")
        call.playAll()  // echoes of cleared marks
        call.send(.callerSpeechStopped)
        #expect(call.hangups.isEmpty)
        #expect(call.logs.contains { if case .bargeIn = $0 { true } else { false } })
        let agentMessage = call.messages.first { $0.role == .agent }
        #expect(agentMessage?.interrupted == true)
    }

    @Test func hangupWaitsForPlaybackToDrainThenHappens() {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "Goodbye!", chunks: 10)
        for _ in 0..<9 {
            call.send(.markPlayed(name: call.marksAtPhone.removeFirst()), after: 200)
            #expect(call.hangups.isEmpty, "audio is still playing")
        }
        // The echo of the mark after the last chunk: everything has been heard.
        call.send(.markPlayed(name: call.marksAtPhone.removeFirst()), after: 200)
        #expect(call.hangups == [.botGoodbye])
        call.playAll()
        #expect(call.hangups == [.botGoodbye])
    }

    @Test func duplicateAudioDoneHangsUpOnce() {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "Goodbye!")
        call.send(.agentAudioDone(responseID: "r1", itemID: "item-r1"))
        call.playAll()
        call.send(.agentAudioDone(responseID: "r1", itemID: "item-r1"))
        call.send(.agentResponseDone(responseID: "r1", status: .completed))
        #expect(call.hangups == [.botGoodbye])
    }

    @Test func stuckPlaybackWithADeadTransmitSideHangsUpWithinTheBound() {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "Goodbye!")
        #expect(call.hangups.isEmpty)
        let armed = call.armed[.playbackFallback]
        #expect(armed != nil, "the wait for the echo is bounded")
        call.send(.transmitDead)
        #expect(call.hangups == [.botGoodbye])
        #expect(call.logs.contains { if case .stuckPlayback(_, "transmit_dead") = $0 { true } else { false } })
    }

    @Test func lostMarkEchoFallsBackAfterTheAudioLengthPlusGrace() throws {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "Goodbye!")
        let armed = try #require(call.armed[.playbackFallback])
        #expect(armed.deadline <= call.now + 600 + CallConfiguration().playbackFallbackGrace)
        call.fire(.playbackFallback)
        #expect(call.hangups == [.botGoodbye])
    }

    @Test func transcriptDoneAfterTheSessionClosedDoesNothing() {
        var call = CallHarness()
        call.connect()
        call.send(.agentResponseCreated(responseID: "r1"))
        call.send(.agentAudioDelta(responseID: "r1", itemID: "i1", audio: AudioPayload(base64: "", byteCount: 1600)))
        call.send(.agentAudioDone(responseID: "r1", itemID: "i1"))
        call.send(.streamStopped)
        let before = call.actions.count
        call.send(.agentTranscriptDone(responseID: "r1", itemID: "i1", text: "Goodbye!"))
        let after = Array(call.actions[before...])
        #expect(call.hangups.isEmpty)
        #expect(!after.contains { $0.touchesPhone })
    }

    @Test func callerHangsUpWithinASecondAndNothingIsSentAfter() {
        var call = CallHarness()
        call.connect()
        call.send(.agentResponseCreated(responseID: "r1"), after: 300)
        call.send(.streamStopped, after: 700)
        let before = call.actions.count
        call.send(.agentAudioDelta(responseID: "r1", itemID: "i1", audio: AudioPayload(base64: "", byteCount: 1600)))
        call.send(.carrierReportedCallEnded)
        call.send(.agentResponseDone(responseID: "r1", status: .completed))
        call.send(.agentSessionClosed)
        #expect(!call.actions[before...].contains { $0.touchesPhone })
        #expect(call.hangups.isEmpty)
        #expect(call.errors.isEmpty)
        #expect(call.machine.isFinalized)
    }

    @Test func speechSynthesisFinishingAfterTheCallEndedDropsAudioButSavesText() {
        var configuration = CallConfiguration()
        configuration.agentCancelsOnSpeech = false
        var call = CallHarness(configuration: configuration)
        call.connect()
        call.send(.agentResponseCreated(responseID: "r1"))
        call.send(.ttsRequested(operationID: 1, responseID: "r1", text: "Let me check that for you."))
        #expect(call.actions.contains(.synthesize(operationID: 1, text: "Let me check that for you.")))
        call.send(.streamStopped)
        #expect(call.actions.contains(.cancelSynthesis(operationID: 1)))
        let before = call.actions.count
        call.send(.ttsChunk(operationID: 1, audio: AudioPayload(base64: "", byteCount: 800)))
        call.send(.ttsFinished(operationID: 1))
        call.send(.agentSessionClosed)
        #expect(!call.actions[before...].contains { $0.touchesPhone })
        #expect(call.messages.contains { $0.role == .agent && $0.text == "Let me check that for you." })
        #expect(call.machine.isFinalized)
    }

    @Test func streamStartAfterTheCallEndedIsIgnored() {
        var configuration = CallConfiguration()
        configuration.startsStreamOnAnswer = true
        configuration.streamStopEndsCall = false
        var call = CallHarness(configuration: configuration)
        call.send(.callStarted(CallInfo(callID: "c", carrier: .telnyx, carrierCallID: "v3:1", agentKind: "pipeline", from: "a", to: "b")))
        call.send(.callAnswered)
        #expect(call.actions.contains(.startStream))
        call.send(.carrierReportedCallEnded)
        call.send(.streamStartRefusedCallEnded)
        call.send(.streamStarted(streamID: "late"))
        #expect(!call.actions.contains(.startAgentSession))
        #expect(call.errors.isEmpty)
        #expect(call.machine.isFinalized)
    }

    @Test func noResponseTimersAndAGoodbyeRacingHangUpOnce() {
        var configuration = CallConfiguration()
        configuration.maxCallDuration = 15_000
        var call = CallHarness(configuration: configuration)
        call.connect()
        call.speak("r1", "Hi there.")
        call.playAll()
        // Silence: the re-prompt timer is armed 10 s after the audio finished.
        let reprompt = call.armed[.noResponse]
        #expect(reprompt != nil)
        call.fire(.noResponse)
        #expect(call.actions.contains(.createResponse(.reprompt)))
        call.speak("r2", "Are you still there?")
        call.playAll()
        // The polite end, the maximum duration and a spoken goodbye all come due together.
        call.fire(.noResponse)
        call.fire(.maxDuration)
        call.speak("r3", "Goodbye!")
        call.fire(.endDeadline)
        call.playAll()
        call.fire(.playbackFallback)
        #expect(call.hangups.count == 1)
        call.send(.hangupResult(.alreadyEnded))
        call.send(.timerFired(.noResponse, generation: 1))
        call.send(.timerFired(.maxDuration, generation: 1))
        #expect(call.hangups.count == 1)
    }

    @Test func finalizeWaitsForPendingWritesThenRunsOnce() {
        var call = CallHarness()
        call.autoAcknowledge = false
        call.connect()
        call.send(.callerTranscript(itemID: "u1", text: "hello"))
        call.send(.streamStopped)
        call.send(.agentSessionClosed)
        #expect(call.finalizeCount == 0)
        #expect(call.machine.pendingWriteCount > 0)
        call.acknowledgeWrites()
        #expect(call.finalizeCount == 1)
        call.send(.storeWriteAcknowledged(writeID: 999, succeeded: true))
        call.send(.carrierReportedCallEnded)
        #expect(call.finalizeCount == 1)
    }

    @Test func alreadyEndedAnswerToOurHangupIsQuiet() {
        var call = CallHarness()
        call.connect()
        call.speak("r1", "Goodbye!")
        call.playAll()
        call.send(.hangupResult(.alreadyEnded))
        call.send(.agentSessionClosed)
        #expect(call.errors.isEmpty)
        #expect(call.machine.isFinalized)
        #expect(call.hangups.count == 1)
    }
}
