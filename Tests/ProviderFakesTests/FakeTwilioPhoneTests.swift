import AsyncHTTPClient
import Foundation
import Hummingbird
import ProviderFakes
import Testing
import WSClient

@Suite(.serialized) struct FakeTwilioPhoneTests {
    static let token = "test-auth-token"

    func phone(_ baseURL: String, script: CallerScript, registry: FakeTwilioCallRegistry? = nil, accountSid: String? = nil)
        -> FakeTwilioPhone
    {
        FakeTwilioPhone(
            configuration: .init(
                serverURL: baseURL, accountSid: accountSid ?? FakeTwilioIDs.accountSid(), authToken: Self.token,
                script: script, maxDuration: .seconds(15)),
            registry: registry)
    }

    @Test func marksAreEchoedOnlyAfterTheAudioBeforeThemPlayed() async throws {
        let (result, log) = try await withStubServer(authToken: Self.token, bot: { bot in
            var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            guard let start = try await bot.waitFor("start", &iterator), let sid = start["streamSid"] as? String else { return }
            try await bot.sendAudio(streamSid: sid, milliseconds: 1_000)
            try await bot.sendMark(streamSid: sid, "greeting-end")
            // Keep reading until the phone hangs up.
            while try await bot.next(&iterator) != nil {}
        }) { baseURL, log in
            (try await phone(baseURL, script: CallerScript([.waitForBot(), .hangUp])).dial(), log)
        }
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.endReason == .callerHungUp)
        #expect(result.botAudioMillisecondsPlayed == 1_000)
        #expect(result.echoedMarks == ["greeting-end"])
        let received = try #require(result.firstOffset { $0 == .markReceived(name: "greeting-end") })
        let echoed = try #require(result.firstOffset { $0 == .markEchoed(name: "greeting-end", cleared: false) })
        #expect(result.firstOffset { $0 == .botAudioStarted } != nil)
        // The echo comes in the tick that plays the last of the second of audio before the mark (the burst's end,
        // 1,000 ms played, is noted on the next tick), so no burst ends before the echo and the one after it played
        // everything. In wall time the echo is ~980 ms after playback began; the bound is loose because ticks run
        // on absolute 20 ms deadlines and a late first tick is caught up in a burst (935 ms seen on a busy VM),
        // but an echo on the mark's arrival (~0–100 ms after playback began) fails it.
        let echoIndex = try #require(result.events.firstIndex { $0.kind == .markEchoed(name: "greeting-end", cleared: false) })
        let burstEnds = result.events.indices.filter { if case .botAudioEnded = result.events[$0].kind { true } else { false } }
        #expect(burstEnds.first.map { $0 > echoIndex } == true && result.events[burstEnds[0]].kind == .botAudioEnded(playedMilliseconds: 1_000), "\(result)")
        let playbackBegan = try #require(result.firstOffset { $0 == .botAudioStarted })
        #expect(echoed - playbackBegan >= 500 && echoed - received <= 2_000, "echo \(echoed) ms, playback began \(playbackBegan) ms: \(result)")

        // Server side: the wire format Twilio sends.
        let messages = await parsedMessages(log)
        #expect(messages.first?["event"] as? String == "connected")
        #expect(messages.dropFirst().first?["event"] as? String == "start")
        #expect(messages.last?["event"] as? String == "stop")
        let sequence = messages.dropFirst().compactMap { ($0["sequenceNumber"] as? String).flatMap(Int.init) }
        #expect(sequence == Array(1...sequence.count))
        let media = messages.filter { $0["event"] as? String == "media" }.compactMap { $0["media"] as? [String: Any] }
        #expect(media.count >= 50)
        #expect(media.first?["chunk"] as? String == "1" && media.first?["timestamp"] as? String == "0")
        #expect(media.dropFirst().first?["timestamp"] as? String == "20")
        #expect(media.allSatisfy { Data(base64Encoded: $0["payload"] as? String ?? "")?.count == 160 })
        let start = try #require(messages.dropFirst().first?["start"] as? [String: Any])
        #expect(start["customParameters"] as? [String: String] == ["session": "s-1"])
        #expect(start["callSid"] as? String == result.callSid)
        let echo = try #require(messages.first { $0["event"] as? String == "mark" })
        #expect((echo["mark"] as? [String: String])?["name"] == "greeting-end")
        #expect(echo["streamSid"] as? String == result.streamSid)
        #expect(await log.signaturesValid.allSatisfy { $0 })
        #expect(await log.socketSignatureValid == true)
        let voice = try #require(await log.voiceWebhooks.first)
        #expect(voice["CallStatus"] == "ringing" && voice["Direction"] == "inbound" && voice["ApiVersion"] == "2010-04-01")
        let status = try #require(await log.statusCallbacks.first)
        #expect(status["CallStatus"] == "completed" && status["CallSid"] == result.callSid && status["CallDuration"] != nil)
        // The callback is posted after the stop.
        let stop = try #require(result.firstOffset { $0 == .stopSent })
        let callback = try #require(result.firstOffset { if case .statusCallbackPosted = $0 { true } else { false } })
        #expect(callback >= stop)
    }

    @Test func clearEchoesEveryPendingMarkAtOnce() async throws {
        let result = try await withStubServer(authToken: Self.token, bot: { bot in
            var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            guard let start = try await bot.waitFor("start", &iterator), let sid = start["streamSid"] as? String else { return }
            try await bot.sendAudio(streamSid: sid, milliseconds: 3_000)
            try await bot.sendMark(streamSid: sid, "a")
            try await bot.sendAudio(streamSid: sid, milliseconds: 1_000)
            try await bot.sendMark(streamSid: sid, "b")
            // Event-driven: after 10 caller frames (~200 ms of playback), interrupt.
            var frames = 0
            while frames < 10, let message = try await bot.next(&iterator) {
                if message["event"] as? String == "media" { frames += 1 }
            }
            try await bot.send(#"{"event":"clear","streamSid":"\#(sid)"}"#)
            var echoes = 0
            while echoes < 2, let message = try await bot.next(&iterator) {
                if message["event"] as? String == "mark" { echoes += 1 }
            }
            try await bot.outbound.close(.normalClosure, reason: nil)
        }) { baseURL, _ in
            try await phone(baseURL, script: .silent).dial()
        }
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.endReason == .serverClosedSocket)
        #expect(result.echoedMarks == ["a", "b"])
        let clear = try #require(result.firstOffset { if case .clearReceived = $0 { true } else { false } })
        let a = try #require(result.firstOffset { $0 == .markEchoed(name: "a", cleared: true) })
        let b = try #require(result.firstOffset { $0 == .markEchoed(name: "b", cleared: true) })
        #expect(a - clear <= 50 && b - clear <= 50)
        #expect(result.botAudioMillisecondsPlayed < 3_000)
        #expect(result.events.contains { $0.kind == .socketClosedByServer })
        #expect(!result.events.contains { $0.kind == .stopSent })
    }

    @Test func badServerMessagesAreRecordedAsViolationsAndDropped() async throws {
        let result = try await withStubServer(authToken: Self.token, bot: { bot in
            var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            guard let start = try await bot.waitFor("start", &iterator), let sid = start["streamSid"] as? String else { return }
            let wrong = "MZ" + String(repeating: "0", count: 32)
            try await bot.send(#"{"event":"media","streamSid":"\#(wrong)","media":{"payload":"//8="}}"#)
            try await bot.outbound.write(.binary(ByteBuffer(bytes: [0xFF, 0xFF])))
            try await bot.send(#"{"event":"speak","streamSid":"\#(sid)"}"#)
            try await bot.send(#"{"event":"mark","streamSid":"\#(sid)","mark":{"name":"x"},"extra":true}"#)
            try await bot.sendMark(streamSid: sid, "ok")
            _ = try await bot.waitFor("mark", &iterator)
            try await bot.outbound.close(.normalClosure, reason: nil)
        }) { baseURL, _ in
            try await phone(baseURL, script: .silent).dial()
        }
        #expect(result.violations.map(\.kind) == [FakeProtocolViolation.Kind.wrongStreamSid, .binaryFrame, .unknownEvent, .invalidShape])
        #expect(result.botAudioBytesReceived == 0)
        #expect(result.echoedMarks == ["ok"])
    }

    @Test func restHangUpEndsTheCallAndASecondGets20404() async throws {
        let accountSid = FakeTwilioIDs.accountSid()
        let registry = FakeTwilioCallRegistry()
        let rest = FakeTwilioREST(accountSid: accountSid, authToken: Self.token, registry: registry)
        try await rest.withRunningServer { apiURL in
            let (result, log) = try await withStubServer(authToken: Self.token, bot: { bot in
                var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                guard let start = try await bot.waitFor("start", &iterator),
                    let callSid = (start["start"] as? [String: Any])?["callSid"] as? String
                else { return }
                let (status, body) = try await restPost(apiURL, accountSid, Self.token, callSid, "Status=completed")
                await bot.log.note("first \(status) \(body)")
                while try await bot.next(&iterator) != nil {}
            }) { baseURL, log in
                (try await phone(baseURL, script: .silent, registry: registry, accountSid: accountSid).dial(), log)
            }
            #expect(result.endReason == .hangupByREST)
            #expect(result.violations.isEmpty, "\(result.violations)")
            let first = try #require(await log.notes.first)
            #expect(first.hasPrefix("first 200 "))
            #expect(first.contains(#""status":"completed""#) && first.contains(#""sid":"\#(result.callSid)""#))
            let hangup = try #require(result.firstOffset { $0 == .hangupByREST })
            let stop = try #require(result.firstOffset { $0 == .stopSent })
            let callback = try #require(result.firstOffset { if case .statusCallbackPosted = $0 { true } else { false } })
            #expect(hangup <= stop && stop <= callback)
            #expect(await parsedMessages(log).last?["event"] as? String == "stop")
            #expect(await log.statusCallbacks.first?["CallStatus"] == "completed")

            let (secondStatus, secondBody) = try await restPost(apiURL, accountSid, Self.token, result.callSid, "Status=completed")
            #expect(secondStatus == 404)
            let error = try #require(try JSONSerialization.jsonObject(with: Data(secondBody.utf8)) as? [String: Any])
            #expect(error["code"] as? Int == 20404 && error["status"] as? Int == 404)
            #expect(error["more_info"] as? String == "https://www.twilio.com/docs/errors/20404")
            #expect((error["message"] as? String)?.contains("/Calls/\(result.callSid).json was not found") == true)

            let (unauthorized, unauthorizedBody) = try await restPost(
                apiURL, accountSid, "wrong-token", result.callSid, "Status=completed")
            #expect(unauthorized == 401 && unauthorizedBody.contains(#""code":20003"#))
            #expect(await rest.successfulHangUps().count == 1)
            #expect(await rest.requests().map(\.httpStatus) == [200, 404, 401])
        }
    }

    @Test func restTransferEndsTheStreamButNotTheCall() async throws {
        let accountSid = FakeTwilioIDs.accountSid()
        let registry = FakeTwilioCallRegistry()
        let rest = FakeTwilioREST(accountSid: accountSid, authToken: Self.token, registry: registry)
        try await rest.withRunningServer { apiURL in
            let (result, log) = try await withStubServer(authToken: Self.token, bot: { bot in
                var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                guard let start = try await bot.waitFor("start", &iterator),
                    let callSid = (start["start"] as? [String: Any])?["callSid"] as? String
                else { return }
                let both = "Twiml=%3CResponse%2F%3E&Url=https%3A%2F%2Fexample.com%2Fx"
                let (conflict, _) = try await restPost(apiURL, accountSid, Self.token, callSid, both)
                await bot.log.note("both \(conflict)")
                let twiml = FakeTwilioForm.encode([("Twiml", "<Response><Dial>+15557654321</Dial></Response>")])
                let (status, _) = try await restPost(apiURL, accountSid, Self.token, callSid, twiml)
                await bot.log.note("transfer \(status)")
                while try await bot.next(&iterator) != nil {}
            }) { baseURL, log in
                (try await phone(baseURL, script: .silent, registry: registry, accountSid: accountSid).dial(), log)
            }
            #expect(result.endReason == .transferByREST)
            #expect(await log.notes == ["both 400", "transfer 200"])
            #expect(result.events.contains { $0.kind == .stopSent })
            #expect(await log.statusCallbacks.isEmpty)
            #expect(await registry.resource(callSid: result.callSid)?.status == "in-progress")
        }
    }

    @Test func twimlWithAQueryStringFailsTheCall() async throws {
        let outcome: String = try await withStubServer(
            authToken: Self.token, streamURL: { "wss://\($0)/twilio/media?token=abc" }, bot: { _ in }
        ) { baseURL, _ in
            do {
                _ = try await phone(baseURL, script: .silent).dial()
                return "dialled"
            } catch FakeTwilioPhoneError.invalidTwiML(let error) {
                return error.description
            }
        }
        #expect(outcome.contains("query string"))
    }
}

/// POSTs a form to the fake REST API's Call resource with Basic auth; returns status and body.
func restPost(_ apiURL: String, _ accountSid: String, _ token: String, _ callSid: String, _ form: String) async throws
    -> (Int, String)
{
    var request = HTTPClientRequest(url: "\(apiURL)/2010-04-01/Accounts/\(accountSid)/Calls/\(callSid).json")
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Basic " + Data("\(accountSid):\(token)".utf8).base64EncodedString())
    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
    request.body = .bytes(ByteBuffer(string: form))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(decoding: body.readableBytesView, as: UTF8.self))
}
