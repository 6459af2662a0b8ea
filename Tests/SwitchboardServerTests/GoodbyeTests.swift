import CallCore
import ProviderFakes
import Testing

/// Assertions shared by the goodbye tests: hangup exactly once, after the goodbye's last mark echo.
func expectPoliteHangupAfterPlayback(_ result: FakeCallResult, _ context: E2EContext, reason: String) async throws {
    #expect(result.endReason == .hangupByREST, "\(result)")
    #expect(result.serverViolations == [], "\(result)")
    let hangups = await context.rest.requests().filter { $0.kind == .hangUp && $0.callSid == result.callSid }
    #expect(hangups.count == 1)
    #expect(await context.rest.successfulHangUps().filter { $0.callSid == result.callSid }.count == 1)
    try expectEveryMarkPlayedBeforeTheHangup(result)

    let callID = result.callID
    let stored = try await context.finalizedCall(callID)
    #expect(context.logs.count("POLITE_HANGUP via=", callID: callID) == 1)
    #expect(context.logs.count("HANGUP executed reason=\(reason)", callID: callID) == 1)
    #expect(context.logs.count("CALL_FINALIZED", callID: callID) == 1)
    #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
    #expect(stored.endReason == reason)
    #expect(stored.finalized)
    #expect(stored.failedWrites == 0)
    #expect(stored.messages.contains { $0.role == "agent" && $0.text.contains("Goodbye") })
}

/// Every mark the server sent was echoed (played), and the last echo and the end of the bot's audio came
/// before the carrier's hangup (either carrier's phone).
func expectEveryMarkPlayedBeforeTheHangup(_ result: FakeCallResult) throws {
    let hangupAt = try #require(result.firstOffset { $0 == .hangupByREST })
    let sent = result.events(where: { if case .markReceived = $0 { true } else { false } }).count
    #expect(sent > 0)
    #expect(result.echoedMarks.count == sent, "\(result)")
    let lastEcho = try #require(result.lastOffset { if case .markEchoed(_, false) = $0 { true } else { false } })
    #expect(lastEcho <= hangupAt)
    // The final mark is echoed in the tick that played the last frame before it; the phone notes the burst's
    // end on its next tick without audio, up to 20 ms later, so a prompt hangup may come in between.
    let lastAudioEnd = try #require(result.lastOffset { if case .botAudioEnded = $0 { true } else { false } })
    #expect(lastAudioEnd <= hangupAt + 20)
}

extension EndToEnd {
@Suite("Goodbye")
struct GoodbyeTests {
    @Test func normalGoodbye() async throws {
        try await withE2E { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            try await expectPoliteHangupAfterPlayback(result, context, reason: "bot_goodbye")
        }
    }

    /// The same call with every server task on the NIO event loops (what a server pinned to one core runs).
    @Test func normalGoodbyeWithTasksOnTheEventLoops() async throws {
        var options = E2EOptions()
        options.taskExecutor = .eventLoop
        try await withE2E(options) { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            try await expectPoliteHangupAfterPlayback(result, context, reason: "bot_goodbye")
        }
    }

    @Test func transcriptDoneAfterAudioDone() async throws {
        var options = E2EOptions()
        options.script.faults.transcriptDoneBeforeAudioDone = false
        try await withE2E(options) { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            try await expectPoliteHangupAfterPlayback(result, context, reason: "bot_goodbye")
            // The fake really sent transcript.done after audio.done.
            let events = try #require(context.realtime.recorder.sessions.first?.serverEventTypes)
            let audioDone = try #require(events.lastIndex(of: "response.output_audio.done"))
            let transcriptDone = try #require(events.lastIndex(of: "response.output_audio_transcript.done"))
            #expect(transcriptDone > audioDone)
        }
    }

    @Test func transcriptDoneBeforeAudioDone() async throws {
        var options = E2EOptions()
        options.script.faults.transcriptDoneBeforeAudioDone = true
        try await withE2E(options) { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            try await expectPoliteHangupAfterPlayback(result, context, reason: "bot_goodbye")
        }
    }

    @Test func endCallTool() async throws {
        var options = E2EOptions()
        options.script.replies = [FakeAgentReply("Thanks for calling. Goodbye!", tool: .endCall())]
        try await withE2E(options) { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.count == 1)
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.finalized)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func bargeInDuringGoodbye() async throws {
        var options = E2EOptions()
        let goodbye = "Alright then, thank you so much for calling us today, goodbye and have a lovely evening!"
        options.script.replies = [FakeAgentReply(goodbye), "Sure, what else?"]
        options.script.timing.millisecondsPerCharacter = 50
        let goodbyeMs = options.script.timing.audioMilliseconds(for: goodbye)
        try await withE2E(options) { context in
            let script = CallerScript([
                .waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000),
                .say("That is all, thanks.", milliseconds: 700),
                .bargeIn(afterBotAudioMs: 400, text: "Wait, one more thing!", milliseconds: 900, maxWaitMilliseconds: 8_000),
                .waitForBot(quietMilliseconds: 300, maxMilliseconds: 8_000),
                .hangUp,
            ])
            let result = try await context.dial(context.phoneConfiguration(script: script))
            #expect(result.endReason == .callerHungUp, "\(result)")
            #expect(result.serverViolations == [], "\(result)\n\(context.logs.lines(callID: result.callID).map(\.description).joined(separator: "\n"))")
            #expect(result.events(where: { if case .callerBargedIn = $0 { true } else { false } }).count == 1, "\(result)")
            // A `clear` comes when goodbye audio was still queued at the phone when the server learned of the
            // speech; on a starved machine the audio may trickle in so slowly that nothing is left to clear.
            if let clearAt = result.firstOffset(where: { if case .clearReceived = $0 { true } else { false } }) {
                let bargedAt = try #require(result.firstOffset { if case .callerBargedIn = $0 { true } else { false } })
                #expect(clearAt >= bargedAt)
            }
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.isEmpty)

            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(context.logs.count("BARGE_IN", callID: callID) >= 1)
            #expect(context.logs.count("POLITE_HANGUP", callID: callID) == 0)
            #expect(stored.endReason == "caller_hangup")

            let session = try #require(context.realtime.recorder.sessions.first)
            let truncate = try #require(session.truncates.first)
            #expect(truncate.audioEndMs <= goodbyeMs)
            #expect(truncate.accepted)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }
}
}
