import CallCore
import Foundation
import ProviderFakes
import Testing

/// Telnyx Call Control + media streaming against the fake Telnyx, each test named for the seed-000 race
/// (or the protocol rule) it proves.
extension EndToEnd {
@Suite("Telnyx")
struct TelnyxCallTests {
    /// A caller whose stream opens: greeting, one turn, then silence until the server ends the call.
    static let oneTurn = E2EScripts.oneTurn

    @Test func normalGoodbyeHangsUpOnceAfterTheLastMarkEcho() async throws {
        try await withTelnyxE2E { context in
            let result = try await context.dial(Self.oneTurn)
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.violations == [], "\(result)")
            #expect(await context.commands(result, .answer).count == 1)
            let start = try #require(await context.commands(result, .streamingStart).first)
            #expect(start.httpStatus == 200)
            #expect(start.fields["stream_bidirectional_mode"] == "rtp")
            #expect(start.fields["stream_bidirectional_codec"] == "PCMU")
            #expect(start.fields["stream_url"]?.hasSuffix("/telnyx/media") == true)
            let hangups = await context.commands(result, .hangup)
            #expect(hangups.count == 1)
            #expect(hangups.first?.httpStatus == 200)
            try expectEveryMarkPlayedBeforeTheHangup(result)

            let callID = result.telnyxCallID
            let stored = try await context.records.finalizedCall(callID)
            #expect(context.logs.count("POLITE_HANGUP via=", callID: callID) == 1)
            #expect(context.logs.count("HANGUP executed reason=bot_goodbye", callID: callID) == 1)
            #expect(context.logs.count("CALL_FINALIZED", callID: callID) == 1)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
            #expect(stored.endReason == "bot_goodbye")
            #expect(stored.failedWrites == 0)
            #expect(stored.messages.contains { $0.role == "caller" })
            #expect(stored.messages.contains { $0.role == "agent" && $0.text.contains("Goodbye") })
        }
    }

    /// A whole Telnyx call with every server task on the NIO event loops (what a server pinned to one core runs).
    @Test func goodbyeWithTasksOnTheEventLoops() async throws {
        var options = TelnyxE2EOptions()
        options.configure = { $0.taskExecutor = .eventLoop }
        try await withTelnyxE2E(options) { context in
            let result = try await context.dial(Self.oneTurn)
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.violations == [], "\(result)")
            #expect(await context.commands(result, .hangup).count == 1)
            let callID = result.telnyxCallID
            let stored = try await context.records.finalizedCall(callID)
            #expect(context.logs.count("HANGUP executed reason=bot_goodbye", callID: callID) == 1)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
            #expect(stored.endReason == "bot_goodbye")
            #expect(stored.messages.contains { $0.role == "agent" && $0.text.contains("Goodbye") })
        }
    }

    /// The caller hangs up just as our `answer` or `streaming_start` reaches Telnyx: the command meets
    /// 422 / 90018, which is the end of the call, never an error (seed 000 §2: stream setup vs hang-up).
    @Test(arguments: [FakeTelnyxAction.answer, .streamingStart])
    func callerHangsUpAsTheCommandArrivesQuietly(_ action: FakeTelnyxAction) async throws {
        try await withTelnyxE2E { context in
            var options = TelnyxE2EContext.phoneOptions
            options.hangsUpWhenCommandArrives = action
            let result = try await context.dial(Self.oneTurn, options: options)
            #expect(result.endReason == .callerHungUp, "\(result)")
            #expect(result.violations == [], "\(result)")
            let callID = try await context.records.callID(carrierCallID: result.callSid)
            let stored = try await context.records.finalizedCall(callID)
            #expect(stored.endReason == "caller_hangup")
            #expect(stored.finalized)
            #expect(await context.commands(result, .hangup).isEmpty)
            let refused = await context.commands(result, action)
            #expect(refused.count == 1)
            #expect(refused.allSatisfy { $0.httpStatus == 422 && $0.errorCode == "90018" }, "\(refused)")
            if action == .answer { #expect(await context.commands(result, .streamingStart).isEmpty) }
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test(arguments: [FakeTelnyxWebhookOptions.Signing.none, .bad, .staleTimestamp(seconds: 600)])
    func unsignedOrBadlySignedWebhooksAreRefused(_ signing: FakeTelnyxWebhookOptions.Signing) async throws {
        try await withTelnyxE2E { context in
            var options = TelnyxE2EContext.phoneOptions
            options.webhooks.signing = signing
            options.webhooks.maxAttempts = 1
            options.answerTimeout = .seconds(2)
            let result = try await context.dial(Self.oneTurn, options: options)
            #expect(result.endReason == .notAnswered, "\(result)")
            let posted = result.events(where: { if case .webhookPosted = $0 { true } else { false } })
            #expect(!posted.isEmpty)
            for event in posted {
                if case .webhookPosted(_, _, let status) = event.kind { #expect(status == 403) }
            }
            #expect(await context.telnyx.requests().isEmpty)
            #expect(context.logs.lines.contains { $0.message.contains("telnyx webhook refused") })
        }
    }

    @Test func repeatedWebhooksAreActedOnOnce() async throws {
        try await withTelnyxE2E { context in
            var options = TelnyxE2EContext.phoneOptions
            options.webhooks.duplicateEvents = FakeTelnyxEvent.all
            let result = try await context.dial(Self.oneTurn, options: options)
            #expect(result.endReason == .hangupByREST, "\(result)")
            let repeats = result.events(where: { if case .webhookPosted(_, let attempt, _) = $0 { attempt > 1 } else { false } })
            #expect(!repeats.isEmpty, "\(result)")
            #expect(await context.commands(result, .answer).count == 1)
            #expect(await context.commands(result, .streamingStart).count == 1)
            #expect(await context.commands(result, .hangup).count == 1)
            let callID = result.telnyxCallID
            _ = try await context.records.finalizedCall(callID)
            #expect(context.logs.count("CALL_STARTED", callID: callID) == 1)
            #expect(context.logs.count("CALL_ENDED", callID: callID) == 1)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func noResponseTimersMaximumDurationAndAGoodbyeDueTogetherHangUpOnce() async throws {
        var options = TelnyxE2EOptions()
        // Seed 000 §4: the re-prompt (10 s), the polite end (5 s) and the maximum duration, shortened so
        // they all come due within the same second, around a goodbye.
        options.call.repromptAfter = 1_200
        options.call.politeEndAfterReprompt = 1_200
        options.call.maxCallDuration = 5_000
        try await withTelnyxE2E(options) { context in
            let script = CallerScript([.waitForBot(quietMilliseconds: 300, maxMilliseconds: 8_000)])
            let result = try await context.dial(script)
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.violations == [], "\(result)")
            #expect(await context.commands(result, .hangup).count == 1)
            let callID = result.telnyxCallID
            let stored = try await context.records.finalizedCall(callID)
            #expect(context.logs.count("HANGUP executed", callID: callID) == 1)
            #expect(context.logs.count("CALL_FINALIZED", callID: callID) == 1)
            #expect(["no_response", "max_duration"].contains(stored.endReason ?? ""), "\(stored.endReason ?? "-")")
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func bargeInDuringTheReplyClearsThePhone() async throws {
        var options = TelnyxE2EOptions()
        options.script.replies = ["Sure, let me explain everything about your account in some detail now.", "Okay, thanks for calling. Goodbye!"]
        options.script.timing.millisecondsPerCharacter = 50
        try await withTelnyxE2E(options) { context in
            let script = CallerScript([
                .waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000),
                .say("Tell me about my account.", milliseconds: 700),
                .bargeIn(afterBotAudioMs: 600, text: "Actually, never mind.", milliseconds: 900, maxWaitMilliseconds: 8_000),
                .waitForBot(quietMilliseconds: 800, maxMilliseconds: 10_000),
            ])
            let result = try await context.dial(script)
            #expect(result.violations == [], "\(result)")
            #expect(result.events(where: { if case .callerBargedIn = $0 { true } else { false } }).count == 1, "\(result)")
            let callID = result.telnyxCallID
            let stored = try await context.records.finalizedCall(callID)
            #expect(context.logs.count("BARGE_IN", callID: callID) >= 1)
            #expect(stored.messages.contains { $0.role == "agent" && $0.interrupted }, "\(stored.messages)")
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func pipelineCallCompletesWithAGoodbyeHeardBeforeTheHangup() async throws {
        var options = TelnyxE2EOptions()
        options.script = E2EScripts.pipelineGoodbye
        options.pipeline = PipelineFakeOptions()
        try await withTelnyxE2E(options) { context in
            let result = try await context.dial(Self.oneTurn)
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.violations == [], "\(result)")
            #expect(await context.commands(result, .hangup).count == 1)
            let hangupAt = try #require(result.firstOffset { $0 == .hangupByREST })
            let lastEcho = try #require(result.lastOffset { if case .markEchoed(_, false) = $0 { true } else { false } })
            #expect(lastEcho <= hangupAt)
            let callID = result.telnyxCallID
            let stored = try await context.records.finalizedCall(callID)
            #expect(stored.endReason == "bot_goodbye")
            #expect(stored.messages.map(\.role) == ["agent", "caller", "agent"], "\(stored.messages)")
            #expect(stored.messages.last?.text.contains("Goodbye") == true)
            let fakes = try #require(context.pipeline)
            #expect(fakes.chat.requests.records.count == 2)
            #expect(fakes.speech.requests.records.allSatisfy { $0.completed && $0.outputFormat == "ulaw_8000" })
            #expect(context.logs.count("HANGUP executed reason=bot_goodbye", callID: callID) == 1)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func lateWebhooksOfAFinishedCallAreAcknowledgedAndIgnored() async throws {
        try await withTelnyxE2E { context in
            let result = try await context.dial(Self.oneTurn)
            let callID = result.telnyxCallID
            _ = try await context.records.finalizedCall(callID)
            let commandsBefore = await context.telnyx.requests().count
            // Telnyx retries and reorders: a late `call.answered` and `call.hangup`, new ids, after the end.
            for event in [FakeTelnyxEvent.callAnswered, FakeTelnyxEvent.callHangup, FakeTelnyxEvent.streamingStopped] {
                let status = try await context.postWebhook(event, callControlID: result.callSid)
                #expect(status == 200)
            }
            #expect(await context.telnyx.requests().count == commandsBefore)
            #expect(context.logs.count("CALL_ENDED", callID: callID) == 1)
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func outOfOrderMediaFramesStillMakeAConversation() async throws {
        try await withTelnyxE2E { context in
            var options = TelnyxE2EContext.phoneOptions
            options.shuffledMediaFrames = 40
            let result = try await context.dial(Self.oneTurn, options: options)
            #expect(result.endReason == .hangupByREST, "\(result)")
            let stored = try await context.records.finalizedCall(result.telnyxCallID)
            #expect(stored.messages.contains { $0.role == "caller" })
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }

    @Test func junkFramesAreRejectedAndTheCallGoesOn() async throws {
        try await withTelnyxE2E { context in
            var options = TelnyxE2EContext.phoneOptions
            options.junkAfterStart = ["not json", #"{"event":"media","media":{"payload":7}}"#, #"{"event":"teleport"}"#]
            let result = try await context.dial(Self.oneTurn, options: options)
            #expect(result.endReason == .hangupByREST, "\(result)")
            let callID = result.telnyxCallID
            let stored = try await context.records.finalizedCall(callID)
            #expect(stored.endReason == "bot_goodbye")
            let rejected = context.logs.lines(callID: callID).filter { $0.message.contains("malformed frame rejected") }
            #expect(rejected.count == 2, "\(context.logs.lines(callID: callID))")
        }
    }
}
}
