import CallCore
import ProviderFakes
import Testing

/// The pipeline agent end to end on loopback (fake Twilio phone → server → transcription on the fake
/// Realtime server → fake LLM → fake ElevenLabs), one test per race of seed 000 it makes impossible.
extension EndToEnd {
@Suite("Pipeline")
struct PipelineCallTests {
    static func options(_ script: FakeAgentScript = E2EScripts.pipelineGoodbye, speech: FakeElevenLabsServer.Options? = nil) -> E2EOptions {
        var options = E2EOptions()
        options.script = script
        var pipeline = PipelineFakeOptions()
        if let speech { pipeline.speech = speech }
        options.pipeline = pipeline
        return options
    }

    static func dump(_ context: E2EContext, _ result: FakeCallResult) -> String {
        "\(result)\n" + context.logs.lines(callID: result.callID).map(\.description).joined(separator: "\n")
    }

    /// The goodbye is spoken sentence by sentence, heard to the end (last mark echo), then the call is
    /// hung up exactly once and its transcript stored — no timer racing the TTS (seed 000 §4).
    @Test func goodbyeIsHeardBeforeTheHangupAndTheTranscriptIsStored() async throws {
        try await withE2E(Self.options()) { context in
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            try await expectPoliteHangupAfterPlayback(result, context, reason: "bot_goodbye")
            let fakes = try #require(context.pipeline)
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.messages.map(\.role) == ["agent", "caller", "agent"], "\(stored.messages)")
            #expect(stored.messages.first?.text == "Hello! How can I help?")
            #expect(stored.messages.contains { $0.role == "caller" && $0.text == "That is all, thanks." })
            #expect(stored.messages.allSatisfy { !$0.interrupted })
            // The LLM saw the caller's words; each sentence was one ElevenLabs request, all played out.
            let chats = fakes.chat.requests.records
            #expect(chats.count == 2)
            #expect(chats.last?.messages.contains { $0.role == "user" && $0.content == "That is all, thanks." } == true)
            #expect(chats.allSatisfy { $0.model == "gpt-4o-mini" && $0.toolNames == ["end_call"] })
            let speech = fakes.speech.requests.records
            #expect(speech.map(\.text) == ["Hello!", "How can I help?", "Okay, thanks for calling.", "Goodbye!"])
            #expect(speech.allSatisfy { $0.completed && $0.outputFormat == "ulaw_8000" && $0.voiceID == "e2e_voice" })
            let session = try #require(context.realtime.recorder.sessions.first)
            #expect(session.model == "gpt-4o-mini-transcribe")
            #expect(session.clientEventTypes.first == "session.update")
            #expect(!session.clientEventTypes.contains("response.create"))
        }
    }

    /// Seed 000 §1: the caller hangs up while the greeting's audio is still being fetched. The request is
    /// cancelled, nothing reaches the phone afterwards, no error is logged, and the reply's text is saved.
    @Test func callerHangsUpWhileTheSpeechIsBeingFetched() async throws {
        // The first byte would come at 2.5 s (below the client's 3 s first-byte bound); the caller hangs
        // up at 1.5 s.
        let speech = FakeElevenLabsServer.Options(firstByteDelay: .milliseconds(2_500))
        try await withE2E(Self.options(speech: speech)) { context in
            let fakes = try #require(context.pipeline)
            let script = CallerScript([.silence(milliseconds: 1_500), .hangUp])
            let result = try await context.dial(context.phoneConfiguration(script: script))
            #expect(result.endReason == .callerHungUp, "\(Self.dump(context, result))")
            #expect(result.serverViolations == [], "\(Self.dump(context, result))")
            #expect(result.botAudioMillisecondsPlayed == 0)
            #expect(result.events(where: { if case .markReceived = $0 { true } else { false } }).isEmpty)
            // The fetch was under way at the hangup and was cancelled by the server, not finished.
            #expect(await fakes.speech.requests.wait(timeout: .seconds(8)) { $0.first?.cancelledByClient == true }, "\(fakes.speech.requests.records)")
            let request = try #require(fakes.speech.requests.records.first)
            #expect(!request.completed)
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.endReason == "caller_hangup")
            #expect(stored.finalized && stored.failedWrites == 0)
            #expect(stored.messages.contains { $0.role == "agent" && $0.text == "Hello! How can I help?" }, "\(stored.messages)")
            #expect(await context.rest.requests().filter { $0.kind == .hangUp }.isEmpty)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    /// Seed 000 §3: the call ends while a synthesis is streaming; the conversation is finalized only after
    /// that operation's message is saved (no "wait up to 5 s" polling: finalize waits for its write).
    @Test func conversationIsFinalizedOnlyAfterTheActiveSpeechMessageIsSaved() async throws {
        let greeting = "Hello and welcome to the line. I will read you our opening hours now. We open at nine every day."
        var script = E2EScripts.pipelineGoodbye
        script.greeting = FakeAgentReply(greeting)
        let speech = FakeElevenLabsServer.Options(millisecondsPerCharacter: 60, firstByteDelay: .milliseconds(30), realTimePacing: true)
        try await withE2E(Self.options(script, speech: speech)) { context in
            let fakes = try #require(context.pipeline)
            let script = CallerScript([.silence(milliseconds: 1_600), .hangUp])
            let result = try await context.dial(context.phoneConfiguration(script: script))
            #expect(result.endReason == .callerHungUp, "\(Self.dump(context, result))")
            #expect(result.serverViolations == [], "\(Self.dump(context, result))")
            #expect(result.botAudioMillisecondsPlayed > 0)
            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(stored.finalized && stored.failedWrites == 0)
            #expect(stored.endReason == "caller_hangup")
            // The whole reply's text was saved, marked as cut off, even though its audio never finished.
            let agent = try #require(stored.messages.first { $0.role == "agent" }, "\(stored.messages)")
            #expect(agent.text == greeting)
            #expect(agent.interrupted)
            #expect(context.logs.count("CALL_FINALIZED", callID: callID) == 1)
            // The synthesis that was streaming at the hangup was cancelled mid-audio.
            #expect(await fakes.speech.requests.wait(timeout: .seconds(8)) { $0.first?.cancelledByClient == true }, "\(fakes.speech.requests.records)")
            let first = try #require(fakes.speech.requests.records.first)
            #expect(first.bytesSent > 0 && first.bytesSent < first.bytesPlanned)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    /// Barge-in during the reply: the phone is cleared, the ElevenLabs request of the sentence being spoken
    /// is cancelled, the rest of the reply is never fetched, and its message is saved as interrupted.
    @Test func bargeInDuringTheReplyCancelsTheSpeechRequest() async throws {
        let story = "Once upon a time there was a lighthouse keeper. Every night she climbed the stairs. The end came much later."
        // The answer to the interruption is silent (an empty reply), so any bot audio after the clear
        // would be the cancelled story leaking through.
        let script = FakeAgentScript(
            greeting: "Hi there.", replies: [FakeAgentReply(story), ""],
            callerTranscripts: ["Tell me a story.", "Wait, stop."], timing: E2EScripts.fastTiming)
        let speech = FakeElevenLabsServer.Options(millisecondsPerCharacter: 60, firstByteDelay: .milliseconds(30), realTimePacing: true)
        try await withE2E(Self.options(script, speech: speech)) { context in
            let fakes = try #require(context.pipeline)
            let caller = CallerScript([
                .waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000),
                .say("Tell me a story.", milliseconds: 700),
                .bargeIn(afterBotAudioMs: 800, text: "Wait, stop.", milliseconds: 900, maxWaitMilliseconds: 8_000),
                .waitForBot(quietMilliseconds: 400, maxMilliseconds: 3_000),
                .hangUp,
            ])
            let result = try await context.dial(context.phoneConfiguration(script: caller))
            #expect(result.endReason == .callerHungUp, "\(Self.dump(context, result))")
            #expect(result.serverViolations == [], "\(Self.dump(context, result))")
            let bargedAt = try #require(result.firstOffset { if case .callerBargedIn = $0 { true } else { false } })
            let clearAt = try #require(result.firstOffset { if case .clearReceived = $0 { true } else { false } }, "\(Self.dump(context, result))")
            #expect(clearAt >= bargedAt)
            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(context.logs.count("BARGE_IN", callID: callID) >= 1)
            // The story's first sentence was being spoken: its request was cancelled mid-stream; the later
            // sentences were never fetched.
            let records = fakes.speech.requests.records
            let storyFirst = try #require(records.first { $0.text == "Once upon a time there was a lighthouse keeper." }, "\(records)")
            #expect(storyFirst.cancelledByClient && !storyFirst.completed, "\(records)")
            #expect(!records.contains { $0.text == "The end came much later." }, "\(records)")
            // No audio at all reached the phone after the clear.
            let startsAfterClear = result.events(where: { if case .botAudioStarted = $0 { true } else { false } }).filter { $0.atMilliseconds > clearAt }
            #expect(startsAfterClear.isEmpty, "\(Self.dump(context, result))")
            #expect(fakes.chat.requests.records.count == 3)  // greeting, story, the answer to "Wait, stop."
            // The story is saved whole, marked as interrupted; the LLM saw the interruption as a new turn.
            let saved = try #require(stored.messages.first { $0.text == story }, "\(stored.messages)")
            #expect(saved.interrupted)
            #expect(stored.messages.contains { $0.role == "caller" && $0.text == "Wait, stop." })
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    /// ElevenLabs refuses (429 after the client's one retry, or 401 quota): one clear error line naming the
    /// cause, the fallback chime instead of silence, and a polite end once it has played.
    @Test(arguments: [
        (FakeElevenLabsFault.tooManyConcurrentRequests, "429 too_many_concurrent_requests", 2),
        (FakeElevenLabsFault.quotaExceeded, "401 quota_exceeded", 1),
    ])
    func speechRefusedGivesOneClearLineAndAPoliteEnd(_ fault: FakeElevenLabsFault, _ cause: String, _ attempts: Int) async throws {
        try await withE2E(Self.options()) { context in
            let fakes = try #require(context.pipeline)
            fakes.speech.failAlways(fault)
            let caller = CallerScript([.waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000)])
            let result = try await context.dial(context.phoneConfiguration(script: caller, maxDuration: .seconds(15)))
            #expect(result.endReason == .hangupByREST, "\(Self.dump(context, result))")
            #expect(result.serverViolations == [], "\(Self.dump(context, result))")
            // The chime played to the end before the hangup.
            #expect(result.botAudioMillisecondsPlayed >= 500, "\(Self.dump(context, result))")
            let hangupAt = try #require(result.firstOffset { $0 == .hangupByREST })
            let lastAudioEnd = try #require(result.lastOffset { if case .botAudioEnded = $0 { true } else { false } })
            #expect(lastAudioEnd <= hangupAt + 20, "the burst's end is noted on the phone's next tick (≤ 20 ms)")
            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(stored.finalized && stored.endReason == "end_call_tool")
            #expect(stored.messages.contains { $0.role == "agent" && $0.text == "Hello! How can I help?" }, "\(stored.messages)")
            #expect(context.logs.count("HANGUP executed reason=end_call_tool", callID: callID) == 1)
            let errors = context.logs.errors
            #expect(errors.count == 1, "\(errors)")
            #expect(errors.first?.message.contains("text to speech unavailable (\(cause))") == true, "\(errors)")
            // Only the first sentence was attempted (plus the client's one retry of a 429).
            #expect(fakes.speech.requests.records.count == attempts, "\(fakes.speech.requests.records)")
        }
    }

    /// The LLM refuses (401 bad key, 429): one clear error line, a spoken apology (through text to
    /// speech), and the call ends politely once it has been heard — never a silent open line.
    @Test(arguments: [(FakeChatFault.invalidAPIKey, "401"), (FakeChatFault.rateLimited, "429 rate_limit_exceeded")])
    func llmRefusedGivesOneClearLineAndASpokenPoliteEnd(_ fault: FakeChatFault, _ cause: String) async throws {
        try await withE2E(Self.options()) { context in
            let fakes = try #require(context.pipeline)
            fakes.chat.failAlways(fault)
            let caller = CallerScript([.waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000)])
            let result = try await context.dial(context.phoneConfiguration(script: caller, maxDuration: .seconds(15)))
            #expect(result.endReason == .hangupByREST, "\(Self.dump(context, result))")
            #expect(result.serverViolations == [], "\(Self.dump(context, result))")
            let hangupAt = try #require(result.firstOffset { $0 == .hangupByREST })
            let lastAudioEnd = try #require(result.lastOffset { if case .botAudioEnded = $0 { true } else { false } })
            #expect(lastAudioEnd <= hangupAt + 20, "the burst's end is noted on the phone's next tick (≤ 20 ms)")
            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(stored.finalized)
            #expect(stored.messages.contains { $0.role == "agent" && $0.text.contains("technical trouble") }, "\(stored.messages)")
            #expect(context.logs.count("POLITE_HANGUP", callID: callID) == 1)
            let errors = context.logs.errors
            #expect(errors.count == 1, "\(errors)")
            let line = errors.first?.message ?? ""
            let namesCause = line.contains("the LLM failed (OpenAI") && line.contains(cause)
            #expect(namesCause, "\(errors)")
            #expect(fakes.speech.requests.records.allSatisfy { $0.completed })
        }
    }

    /// `transfer_call` from the LLM (offered only because a target is configured): the transfer happens
    /// once the reply has been heard, never a hangup.
    @Test func transferToolFromTheLLMTransfersAfterTheReplyIsHeard() async throws {
        let target = "+15550109999"
        var options = Self.options(FakeAgentScript(
            greeting: "Hello! How can I help?", replies: [FakeAgentReply("Let me connect you.", tool: .transferCall(to: target))],
            callerTranscripts: ["A person, please."], timing: E2EScripts.fastTiming))
        options.transferTarget = target
        try await withE2E(options) { context in
            let fakes = try #require(context.pipeline)
            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            #expect(result.endReason == .transferByREST, "\(Self.dump(context, result))")
            #expect(result.serverViolations == [], "\(Self.dump(context, result))")
            let transferAt = try #require(result.firstOffset { if case .transferByREST = $0 { true } else { false } })
            let lastAudioEnd = try #require(result.lastOffset { if case .botAudioEnded = $0 { true } else { false } })
            #expect(lastAudioEnd <= transferAt)
            let requests = await context.rest.requests()
            #expect(requests.filter { $0.kind == .transfer }.count == 1)
            #expect(requests.filter { $0.kind == .hangUp }.isEmpty)
            let stored = try await context.finalizedCall(result.callID)
            #expect(stored.endReason == "transferred")
            #expect(fakes.chat.requests.records.allSatisfy { $0.toolNames == ["end_call", "transfer_call"] })
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }
}
}
