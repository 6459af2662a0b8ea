import Foundation
import ProviderFakes
import Testing
import WSClient

@Suite(.serialized) struct FakeTelnyxPhoneTests {
    static func options(_ configure: (inout FakeTelnyxPhoneOptions) -> Void = { _ in }) -> FakeTelnyxPhoneOptions {
        var options = FakeTelnyxPhoneOptions()
        options.maxDuration = .seconds(15)
        options.answerTimeout = .seconds(5)
        configure(&options)
        return options
    }

    @Test func answeredStreamedCallPlaysMarksAndEndsOnTheServersHangup() async throws {
        let telnyx = try quietTelnyx()
        let (result, log) = try await withTelnyxStub(telnyx, failFirst: [FakeTelnyxEvent.callInitiated: 1]) { bot in
            var iterator = bot.inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
            guard let start = try await bot.waitFor("start", &iterator),
                let id = start["start"]?["call_control_id"]?.stringValue
            else { return }
            try await bot.sendAudio(milliseconds: 1_000)
            try await bot.sendMark("greeting-end")
            _ = try await bot.waitFor("mark", &iterator)
            // Event-driven: wait for the caller's speech (non-silent frames), then hang up.
            var speechFrames = 0
            while speechFrames < 10, let frame = try await bot.next(&iterator) {
                guard frame["event"]?.stringValue == "media", let payload = frame["media"]?["payload"]?.stringValue,
                    let bytes = Data(base64Encoded: payload)
                else { continue }
                if MuLaw.meanAmplitude(bytes) > 500 { speechFrames += 1 }
            }
            try await bot.context.command(id, "hangup")
            while try await bot.next(&iterator) != nil {}
        } _: { serverURL, log in
            let options = Self.options {
                $0.webhooks.duplicateEvents = [FakeTelnyxEvent.callAnswered]
                $0.shuffledMediaFrames = 3
                $0.seed = 7
            }
            let script = CallerScript([.waitForBot(quietMilliseconds: 300), .say("Hello there.", milliseconds: 600), .silence(milliseconds: 20_000)])
            return (try await telnyx.dial(serverURL: serverURL, script: script, options: options), log)
        }
        #expect(result.violations.isEmpty, "\(result)")
        #expect(result.endReason == .hangupByREST, "\(result)")
        #expect(result.callSid.hasPrefix("v3:"))
        #expect(result.echoedMarks == ["greeting-end"])
        let audioStart = try #require(result.firstOffset { $0 == .botAudioStarted })
        let echoed = try #require(result.firstOffset { $0 == .markEchoed(name: "greeting-end", cleared: false) })
        // The echo comes in the tick that plays the mark's last audio (the burst's end is recorded on the
        // next, silent tick). Wall-clock spacing is not asserted: a loaded machine's ticks catch up in bursts.
        let audioEnded = try #require(result.firstOffset { if case .botAudioEnded = $0 { true } else { false } })
        #expect(audioStart <= echoed && echoed <= audioEnded, "\(result)")
        #expect(result.botAudioMillisecondsPlayed == 1_000)
        #expect(result.customParameters == ["switchboard_call_id": "call-1"])
        let details = try #require(result.telnyx)
        #expect(details.decodedClientState == "s-2")
        #expect(details.hangupCause == "normal_clearing" && details.hangupSource == "callee")
        #expect(details.commands.map(\.action) == [.answer, .streamingStart, .hangup])
        #expect(details.commands.allSatisfy { $0.httpStatus == 200 })

        // Webhooks: all signed; call.initiated retried after the 500; call.answered duplicated with the same id.
        let webhooks = await log.webhooks
        #expect(webhooks.allSatisfy { $0.signatureValid })
        #expect(webhooks.allSatisfy { $0.deliveredTo == "\(serverURLPrefix(webhooks))/telnyx/webhook" })
        let initiated = webhooks.filter { $0.eventType == FakeTelnyxEvent.callInitiated }
        #expect(initiated.map(\.attempt) == [1, 2] && Set(initiated.map(\.id)).count == 1)
        #expect(initiated.first?.payload["direction"] == .string("incoming") && initiated.first?.payload["state"] == .string("parked"))
        #expect(initiated.first?.payload["call_control_id"]?.stringValue == result.callSid)
        let answered = webhooks.filter { $0.eventType == FakeTelnyxEvent.callAnswered }
        #expect(answered.map(\.attempt) == [1, 2] && Set(answered.map(\.id)).count == 1)
        #expect(answered.first?.payload["client_state"] == .string(Data("s-1".utf8).base64EncodedString()))
        let events = Set(webhooks.map(\.eventType))
        #expect(
            events == [
                FakeTelnyxEvent.callInitiated, FakeTelnyxEvent.callAnswered, FakeTelnyxEvent.streamingStarted,
                FakeTelnyxEvent.callHangup, FakeTelnyxEvent.streamingStopped,
            ])
        let hangup = try #require(webhooks.first { $0.eventType == FakeTelnyxEvent.callHangup })
        #expect(hangup.payload["hangup_cause"] == .string("normal_clearing") && hangup.payload["state"] == .string("hangup"))

        // The socket: auth header, connected, start, media (shuffled, string counters), stop.
        #expect(await log.socketAuthToken == "tok-1")
        let messages = await telnyxSocketMessages(log)
        #expect(messages.first == .object(["event": .string("connected"), "version": .string("1.0.0"), "x-telnyx-streaming-auth-token": .string("tok-1")]))
        let start = try #require(messages.dropFirst().first)
        #expect(start["event"] == .string("start") && start["sequence_number"] == .string("1"))
        #expect(start["stream_id"]?.stringValue == result.streamSid && start["start"]?["stream_id"] == nil)
        #expect(start["start"]?["call_control_id"]?.stringValue == result.callSid)
        #expect(start["start"]?["media_format"] == .object(["encoding": .string("PCMU"), "sample_rate": .int(8000), "channels": .int(1)]))
        #expect(start["start"]?["custom_parameters"] == .object(["switchboard_call_id": .string("call-1")]))
        let media = messages.filter { $0["event"] == .string("media") }
        #expect(media.count >= 40)
        #expect(media.allSatisfy { $0["media"]?["track"] == .string("inbound") && $0["stream_id"]?.stringValue == result.streamSid })
        #expect(media.allSatisfy { Data(base64Encoded: $0["media"]?["payload"]?.stringValue ?? "")?.count == 160 })
        let chunks = media.compactMap { $0["media"]?["chunk"]?.stringValue.flatMap(Int.init) }
        #expect(chunks.count == media.count && chunks.sorted() == Array(1...chunks.count))
        #expect(chunks != chunks.sorted(), "three frames were to be swapped")
        #expect(media.allSatisfy { m in
            guard let chunk = m["media"]?["chunk"]?.stringValue.flatMap(Int.init) else { return false }
            return m["media"]?["timestamp"] == .string(String((chunk - 1) * 20))
        })
        let sequence = messages.dropFirst().compactMap { $0["sequence_number"]?.stringValue.flatMap(Int.init) }
        #expect(sequence.sorted() == Array(1...sequence.count))
        let echo = try #require(messages.first { $0["event"] == .string("mark") })
        #expect(echo["mark"] == .object(["name": .string("greeting-end")]) && echo["stream_id"]?.stringValue == result.streamSid)
        #expect(echo["sequence_number"]?.stringValue != nil)
        let stop = try #require(messages.last)
        #expect(stop["event"] == .string("stop") && stop["stop"]?["call_control_id"]?.stringValue == result.callSid)

        // After the call, every command is 422/90018.
        let late = try await telnyx.withRunningServer { api in try await telnyxCommand(api, result.callSid, "hangup") }
        #expect(late.status == 422 && telnyxErrorCode(late.json) == "90018")
        #expect(await telnyx.registry.state(of: result.callSid) == .ended)
    }

    @Test func callerHangingUpFirstMakesTheServersStreamingStartFailWith90018() async throws {
        let telnyx = try quietTelnyx()
        let (result, log) = try await withTelnyxStub(
            telnyx,
            onWebhook: { webhook, context in
                let id = webhook.payload["call_control_id"]?.stringValue ?? ""
                switch webhook.eventType {
                case FakeTelnyxEvent.callInitiated: try await context.command(id, "answer")
                // A server that starts the stream late, after the caller already left.
                case FakeTelnyxEvent.callHangup: try await context.startStreaming(id)
                default: break
                }
            },
            bot: { _ in Issue.record("no socket may open for an ended call") }
        ) { serverURL, log in
            (try await telnyx.dial(serverURL: serverURL, script: CallerScript([.hangUp]), options: Self.options()), log)
        }
        #expect(result.endReason == .callerHungUp, "\(result)")
        #expect(result.violations.isEmpty)
        let results = await log.commandResults
        #expect(results.map(\.action) == ["answer", "streaming_start"])
        #expect(results.last?.status == 422 && results.last?.code == "90018")
        let webhooks = await log.webhooks
        #expect(webhooks.map(\.eventType) == [FakeTelnyxEvent.callInitiated, FakeTelnyxEvent.callAnswered, FakeTelnyxEvent.callHangup])
        #expect(webhooks.last?.payload["hangup_source"] == .string("caller"))
        #expect(!result.events.contains { $0.kind == .socketOpened })
        let refused = await telnyx.requests().last
        #expect(refused?.action == .streamingStart && refused?.errorCode == "90018")
    }

    @Test func clearBadFramesAndServerCloseDoNotEndTheCall() async throws {
        let telnyx = try quietTelnyx()
        let result = try await withTelnyxStub(
            telnyx,
            onWebhook: { webhook, context in
                let id = webhook.payload["call_control_id"]?.stringValue ?? ""
                switch webhook.eventType {
                case FakeTelnyxEvent.callInitiated: try await context.command(id, "answer")
                case FakeTelnyxEvent.callAnswered: try await context.startStreaming(id)
                // The socket closed but the Telnyx call is still up: the server must hang up.
                case FakeTelnyxEvent.streamingStopped: try await context.command(id, "hangup")
                default: break
                }
            },
            bot: { bot in
                var iterator = bot.inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
                guard try await bot.waitFor("start", &iterator) != nil else { return }
                try await bot.send("this is not json")
                let malformed = try await bot.waitFor("error", &iterator)
                #expect(malformed?["error"]?["code"] == .string("100003") && malformed?["error"]?["title"] == .string("malformed_frame"))
                try await bot.send(#"{"event":"media","media":{"payload":"***"}}"#)
                let invalid = try await bot.waitFor("error", &iterator)
                #expect(invalid?["error"]?["code"] == .string("100004"))
                try await bot.sendAudio(milliseconds: 3_000)
                try await bot.sendMark("a")
                try await bot.sendAudio(milliseconds: 1_000)
                try await bot.sendMark("b")
                var frames = 0
                while frames < 10, let message = try await bot.next(&iterator) {
                    if message["event"] == .string("media") { frames += 1 }
                }
                try await bot.send(#"{"event":"clear"}"#)
                var echoes = 0
                while echoes < 2, let message = try await bot.next(&iterator) {
                    if message["event"] == .string("mark") { echoes += 1 }
                }
                try await bot.outbound.close(.normalClosure, reason: nil)
            }
        ) { serverURL, _ in
            try await telnyx.dial(serverURL: serverURL, script: .silent, options: Self.options())
        }
        #expect(result.endReason == .hangupByREST, "\(result)")
        #expect(result.violations.map(\.kind) == [.malformedMessage, .invalidMedia], "\(result)")
        #expect(result.events.filter { if case .errorFrameSent = $0.kind { true } else { false } }.map(\.kind) == [
            .errorFrameSent(code: "100003"), .errorFrameSent(code: "100004"),
        ])
        #expect(result.echoedMarks == ["a", "b"])
        let clear = try #require(result.firstOffset { if case .clearReceived = $0 { true } else { false } })
        let a = try #require(result.firstOffset { $0 == .markEchoed(name: "a", cleared: true) })
        #expect(a - clear <= 50)
        #expect(result.botAudioMillisecondsPlayed < 3_000)
        let closed = try #require(result.firstOffset { $0 == .socketClosedByServer })
        let hungUp = try #require(result.firstOffset { $0 == .hangupByREST })
        #expect(closed <= hungUp)
        #expect(!result.events.contains { $0.kind == .stopSent })
    }

    @Test func oneWayStreamDropsWhatTheServerSends() async throws {
        let telnyx = try quietTelnyx()
        let result = try await withTelnyxStub(
            telnyx,
            onWebhook: { webhook, context in
                let id = webhook.payload["call_control_id"]?.stringValue ?? ""
                switch webhook.eventType {
                case FakeTelnyxEvent.callInitiated: try await context.command(id, "answer")
                case FakeTelnyxEvent.callAnswered: try await context.startStreaming(id, bidirectional: false)
                default: break
                }
            },
            bot: { bot in
                var iterator = bot.inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
                guard let start = try await bot.waitFor("start", &iterator), let id = start["start"]?["call_control_id"]?.stringValue
                else { return }
                try await bot.sendAudio(milliseconds: 100)
                try await bot.sendMark("m")
                // One more round trip so the phone has processed the frames above before the hangup.
                try await bot.send("{}")
                _ = try await bot.waitFor("error", &iterator)
                try await bot.context.command(id, "hangup")
                while try await bot.next(&iterator) != nil {}
            }
        ) { serverURL, _ in
            try await telnyx.dial(serverURL: serverURL, script: .silent, options: Self.options())
        }
        #expect(result.endReason == .hangupByREST, "\(result)")
        #expect(result.echoedMarks.isEmpty)
        #expect(result.botAudioMillisecondsPlayed == 0)
        let kinds = result.violations.map(\.kind)
        #expect(kinds == Array(repeating: .notBidirectional, count: 6) + [.unknownEvent], "\(result)")
    }

    @Test func answerWithStreamURLStreamsAtOnceAndStreamingStopKeepsTheCallUp() async throws {
        let telnyx = try quietTelnyx()
        let (result, log) = try await withTelnyxStub(
            telnyx,
            onWebhook: { webhook, context in
                let id = webhook.payload["call_control_id"]?.stringValue ?? ""
                switch webhook.eventType {
                case FakeTelnyxEvent.callInitiated:
                    try await context.command(
                        id, "answer",
                        [
                            "stream_url": .string("wss://\(context.authority)/telnyx/media"), "stream_track": .string("inbound_track"),
                            "stream_bidirectional_mode": .string("rtp"), "stream_bidirectional_codec": .string("PCMU"),
                            "client_state": .string(Data("s-1".utf8).base64EncodedString()),
                        ])
                // The stream stopped on our request; the call is still up until we hang up.
                case FakeTelnyxEvent.streamingStopped: try await context.command(id, "hangup")
                default: break
                }
            },
            bot: { bot in
                var iterator = bot.inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
                guard let start = try await bot.waitFor("start", &iterator), let id = start["start"]?["call_control_id"]?.stringValue
                else { return }
                #expect(start["start"]?["client_state"] == .string(Data("s-1".utf8).base64EncodedString()))
                try await bot.sendAudio(milliseconds: 200)
                let dtmf = try await bot.waitFor("dtmf", &iterator)
                #expect(dtmf?["dtmf"] == .object(["digit": .string("5")]))
                try await bot.context.command(id, "streaming_stop")
                while try await bot.next(&iterator) != nil {}
            }
        ) { serverURL, log in
            let script = CallerScript([.waitForBot(quietMilliseconds: 100), .dtmf("5"), .silence(milliseconds: 20_000)])
            return (try await telnyx.dial(serverURL: serverURL, script: script, options: Self.options()), log)
        }
        #expect(result.endReason == .hangupByREST, "\(result)")
        #expect(result.violations.isEmpty, "\(result)")
        #expect(result.telnyx?.commands.map(\.action) == [.answer, .streamingStop, .hangup])
        let stopped = try #require(result.firstOffset { $0 == .streamStoppedByREST })
        let stop = try #require(result.firstOffset { $0 == .stopSent })
        let hungUp = try #require(result.firstOffset { $0 == .hangupByREST })
        #expect(stopped <= stop && stop <= hungUp)
        let events = await log.events()
        #expect(events.filter { $0 == FakeTelnyxEvent.streamingStopped }.count == 1, "\(events)")
        #expect(events.contains(FakeTelnyxEvent.streamingStarted) && events.contains(FakeTelnyxEvent.callAnswered))
        let dtmf = try #require(await log.webhooks.first { $0.eventType == FakeTelnyxEvent.callDTMFReceived })
        #expect(dtmf.payload["digit"] == .string("5"))
        let socketStop = await telnyxSocketMessages(log).last
        #expect(socketStop?["event"] == .string("stop"))
    }

    @Test func unreachableStreamURLSendsStreamingFailedAndTheCallGoesOn() async throws {
        let telnyx = try quietTelnyx()
        let (result, log) = try await withTelnyxStub(
            telnyx,
            onWebhook: { webhook, context in
                let id = webhook.payload["call_control_id"]?.stringValue ?? ""
                switch webhook.eventType {
                case FakeTelnyxEvent.callInitiated: try await context.command(id, "answer")
                // Port 1 on loopback refuses connections.
                case FakeTelnyxEvent.callAnswered:
                    try await context.command(
                        id, "streaming_start",
                        ["stream_url": .string("wss://127.0.0.1:1/telnyx/media"), "stream_bidirectional_mode": .string("rtp")])
                case FakeTelnyxEvent.streamingFailed: try await context.command(id, "hangup")
                default: break
                }
            },
            bot: { _ in Issue.record("no socket can open") }
        ) { serverURL, log in
            (try await telnyx.dial(serverURL: serverURL, script: .silent, options: Self.options()), log)
        }
        #expect(result.endReason == .hangupByREST, "\(result)")
        #expect(result.events.contains { if case .streamFailed = $0.kind { true } else { false } })
        let failed = try #require(await log.webhooks.first { $0.eventType == FakeTelnyxEvent.streamingFailed })
        #expect(failed.payload["stream_type"] == .string("websocket"))
        #expect(failed.payload["stream_params"]?["stream_url"] == .string("wss://127.0.0.1:1/telnyx/media"))
        #expect(failed.payload["stream_id"]?.stringValue == result.streamSid)
        #expect(failed.payload["failure_reason"]?.stringValue?.isEmpty == false)
        #expect(!(await log.events()).contains(FakeTelnyxEvent.streamingStopped))
    }

    @Test func transferBridgesTheCallerThenTheCallEnds() async throws {
        let telnyx = try quietTelnyx()
        let (result, log) = try await withTelnyxStub(
            telnyx,
            onWebhook: { webhook, context in
                let id = webhook.payload["call_control_id"]?.stringValue ?? ""
                switch webhook.eventType {
                case FakeTelnyxEvent.callInitiated: try await context.command(id, "answer")
                case FakeTelnyxEvent.callAnswered: try await context.command(id, "transfer", ["to": .string("+15557654321")])
                default: break
                }
            },
            bot: { _ in }
        ) { serverURL, log in
            let options = Self.options { $0.transferredCallDuration = .milliseconds(300) }
            return (try await telnyx.dial(serverURL: serverURL, script: .silent, options: options), log)
        }
        #expect(result.endReason == .transferByREST, "\(result)")
        let transferred = try #require(result.firstOffset { $0 == .transferredTo("+15557654321") })
        #expect(result.durationMilliseconds - transferred >= 300)
        #expect(await log.commandResults.map(\.status) == [200, 200])
        #expect(await log.events().last == FakeTelnyxEvent.callHangup)
        let late = try await telnyx.withRunningServer { api in try await telnyxCommand(api, result.callSid, "transfer", body: #"{"to":"+15557654321"}"#) }
        #expect(late.status == 422 && telnyxErrorCode(late.json) == "90018")
    }

    @Test(arguments: [FakeTelnyxWebhookOptions.Signing.none, .bad, .staleTimestamp(seconds: 600)])
    func badlySignedWebhooksAreRefusedAndTheCallIsNeverAnswered(_ signing: FakeTelnyxWebhookOptions.Signing) async throws {
        let telnyx = try quietTelnyx()
        let (result, log) = try await withTelnyxStub(telnyx, bot: { _ in }) { serverURL, log in
            let options = Self.options {
                $0.webhooks.signing = signing
                $0.webhooks.maxAttempts = 2
                $0.webhooks.retryDelay = .milliseconds(10)
                $0.answerTimeout = .milliseconds(600)
            }
            return (try await telnyx.dial(serverURL: serverURL, script: .simple, options: options), log)
        }
        #expect(result.endReason == .notAnswered, "\(result)")
        let webhooks = await log.webhooks
        #expect(webhooks.count == 4, "initiated ×2, hangup ×2: \(webhooks.map(\.eventType))")
        #expect(webhooks.allSatisfy { !$0.signatureValid })
        #expect(webhooks.allSatisfy { $0.hadSignatureHeaders == (signing != .none) })
        #expect(webhooks.map(\.attempt) == [1, 2, 1, 2])
        #expect(webhooks.last?.payload["hangup_cause"] == .string("originator_cancel"))
        #expect(await telnyx.requests().isEmpty)
        let posted = result.events.compactMap { if case .webhookPosted(_, _, let status) = $0.kind { status } else { nil } }
        #expect(posted == [401, 401, 401, 401])
    }
}

/// `http://127.0.0.1:PORT` of the stub, from the first delivery.
private func serverURLPrefix(_ webhooks: [TelnyxStubWebhook]) -> String {
    guard let first = webhooks.first?.deliveredTo, let range = first.range(of: "/telnyx/webhook") else { return "?" }
    return String(first[..<range.lowerBound])
}
