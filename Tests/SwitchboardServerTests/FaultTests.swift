import CallCore
import ProviderFakes
import Testing

extension EndToEnd {
@Suite("Faults")
struct FaultTests {
    @Test func callerHangsUpWithinOneSecond() async throws {
        try await withE2E { context in
            let script = CallerScript([.silence(milliseconds: 600), .hangUp])
            let result = try await context.dial(context.phoneConfiguration(script: script))
            #expect(result.endReason == .callerHungUp, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.endReason == "caller_hangup")
            #expect(stored.finalized)
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.isEmpty)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func markEchoNeverComes() async throws {
        try await withE2E { context in
            var configuration = context.phoneConfiguration(script: E2EScripts.oneTurn)
            configuration.echoesMarks = false
            let result = try await context.dial(configuration)
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            #expect(result.echoedMarks.isEmpty)
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.count == 1)

            // Bound: the goodbye's audio plus the 2 s grace, measured from the goodbye's first audio
            // arriving (plus 2 s slack for scheduling on a loaded machine).
            let goodbyeMs = E2EScripts.fastTiming.audioMilliseconds(for: "Okay, thanks for calling. Goodbye!")
            let hangupAt = try #require(result.firstOffset { $0 == .hangupByREST })
            let goodbyeStarted = try #require(result.lastOffset { $0 == .botAudioStarted })
            #expect(hangupAt - goodbyeStarted <= goodbyeMs + 2_000 + 2_000, "\(result)")
            // …and it did not cut the goodbye's last words: the burst finished playing first.
            let lastAudioEnd = try #require(result.lastOffset { if case .botAudioEnded = $0 { true } else { false } })
            #expect(lastAudioEnd <= hangupAt, "\(result)")

            let callID = result.callID
            _ = try await context.finalizedCall(callID)
            #expect(context.logs.count("STUCK_PLAYBACK", callID: callID) >= 1)
            #expect(context.logs.count("HANGUP executed reason=bot_goodbye", callID: callID) == 1)
        }
    }

    @Test func realtimeSocketDropsMidCall() async throws {
        var options = E2EOptions()
        options.script.faults.abruptCloseOnTurn = 1
        options.script.faults.abruptCloseAfterDeltas = 2
        try await withE2E(options) { context in
            // A second call that only listens to the greeting and hangs up: it must be unaffected.
            let listener = CallerScript([.waitForBot(quietMilliseconds: 300, maxMilliseconds: 8_000), .hangUp])
            async let other = context.dial(context.phoneConfiguration(script: listener))
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            let otherResult = try await other

            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            #expect(await context.rest.requests().filter { $0.kind == .hangUp && $0.callSid == result.callSid }.count == 1)
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.endReason == "agent_disconnected")
            #expect(context.logs.count("HANGUP executed reason=agent_disconnected", callID: result.callID) == 1)

            #expect(otherResult.endReason == .callerHungUp, "\(otherResult)")
            #expect(otherResult.serverViolations == [], "\(otherResult)")
            #expect(otherResult.botAudioMillisecondsPlayed > 0)
            let otherStored = try await context.finalizedCall(otherResult.callID)
            #expect(otherStored.endReason == "caller_hangup")
        }
    }

    @Test func twilioAnswers20404ToHangup() async throws {
        try await withE2E { context in
            await context.rest.setAlwaysNotFound(true)
            async let dialled = context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn, maxDuration: .seconds(14)))
            // The server ends and finalizes the call while the phone is still connected.
            let finalized = await context.logs.wait(timeout: .seconds(25)) { $0.message.contains("CALL_FINALIZED") }
            let result = try await dialled
            #expect(finalized)
            #expect(result.serverViolations == [], "\(result)")
            let hangups = await context.rest.requests().filter { $0.kind == .hangUp }
            #expect(hangups.count == 1)
            #expect(hangups.first?.errorCode == 20404)
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.finalized)
            #expect(stored.endReason == "bot_goodbye")
            #expect(context.logs.count("HANGUP executed reason=bot_goodbye", callID: result.callID) == 1)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
            // Twilio said the call had already ended: the server closes the media socket itself at
            // finalize, so the phone does not wait for its own time limit.
            #expect(result.endReason == .serverClosedSocket, "\(result)")
        }
    }

    @Test func silenceRepromptThenPoliteEnd() async throws {
        var options = E2EOptions()
        options.call.repromptAfter = 2_000
        options.call.politeEndAfterReprompt = 1_500
        try await withE2E(options) { context in
            let result = try await context.dial(context.phoneConfiguration(script: .silent))
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.count == 1)

            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(stored.endReason == "no_response")
            #expect(context.logs.count("REPROMPT", callID: callID) == 1)
            #expect(context.logs.count("HANGUP executed reason=no_response", callID: callID) == 1)
            // greeting + one re-prompt + one polite end.
            let session = try #require(context.realtime.recorder.sessions.first)
            #expect(session.count(of: "response.create") == 3)
            #expect(stored.messages.filter { $0.role == "agent" }.count == 3)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func transferByTool() async throws {
        var options = E2EOptions()
        let target = "+15550109999"
        options.transferTarget = target
        options.script.replies = [FakeAgentReply("Let me connect you.", tool: .transferCall(to: target))]
        try await withE2E(options) { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            #expect(result.endReason == .transferByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            let requests = await context.rest.requests()
            let transfers = requests.filter { $0.kind == .transfer }
            #expect(transfers.count == 1)
            let twiml = try #require(transfers.first?.target)
            #expect(twiml.contains("<Dial"))
            #expect(twiml.contains(target))
            #expect(transfers.first?.httpStatus == 200)
            #expect(requests.filter { $0.kind == .hangUp }.isEmpty)

            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.endReason == "transferred")
            #expect(context.logs.count("TRANSFER executed", callID: result.callID) == 1)
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.isEmpty)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }
}
}
