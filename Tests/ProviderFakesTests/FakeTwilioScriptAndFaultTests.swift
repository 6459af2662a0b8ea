import AsyncHTTPClient
import Foundation
import ProviderFakes
import Testing

@Suite(.serialized) struct FakeTwilioScriptAndFaultTests {
    static let token = "test-auth-token"

    @Test func bargeInSpeaksOverTheBotAndTheCallbackCanPrecedeTheStop() async throws {
        let (result, log) = try await withStubServer(authToken: Self.token, bot: { bot in
            var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            guard let start = try await bot.waitFor("start", &iterator), let sid = start["streamSid"] as? String else { return }
            try await bot.sendAudio(streamSid: sid, milliseconds: 2_000)
            try await bot.sendMark(streamSid: sid, "long")
            while try await bot.next(&iterator) != nil {}
        }) { baseURL, log in
            let configuration = FakeTwilioPhoneConfiguration(
                serverURL: baseURL, authToken: Self.token,
                script: CallerScript([
                    .bargeIn(afterBotAudioMs: 300, text: "wait", milliseconds: 200), .dtmf("5"), .hangUp,
                ]),
                maxDuration: .seconds(10), statusCallbackTiming: .beforeStop)
            return (try await FakeTwilioPhone(configuration: configuration).dial(), log)
        }
        #expect(result.violations.isEmpty, "\(result.violations)")
        let barge = try #require(result.firstOffset { $0 == .callerBargedIn(text: "wait") })
        let audioStart = try #require(result.firstOffset { $0 == .botAudioStarted })
        #expect(barge - audioStart >= 200, "the caller waited for about 300 ms of bot audio (ticks may catch up after a late wakeup)")
        #expect(result.echoedMarks.isEmpty)  // hung up before the 2 s of audio finished: never echoed after stop
        let callback = try #require(result.firstOffset { if case .statusCallbackPosted = $0 { true } else { false } })
        let stop = try #require(result.firstOffset { $0 == .stopSent })
        #expect(callback <= stop)
        let messages = await parsedMessages(log)
        let dtmf = try #require(messages.first { $0["event"] as? String == "dtmf" })
        #expect((dtmf["dtmf"] as? [String: String]) == ["track": "inbound_track", "digit": "5"])
        let loud = messages.filter { $0["event"] as? String == "media" }.compactMap { message -> Int? in
            guard let media = message["media"] as? [String: Any], let payload = media["payload"] as? String,
                let bytes = Data(base64Encoded: payload)
            else { return nil }
            return MuLaw.meanAmplitude(bytes)
        }.filter { $0 > 500 }
        #expect(loud.count == 10)  // 200 ms of speech = 10 frames
    }

    @Test func restFaultKnobsAndTheEndedCallAnswer() async throws {
        let accountSid = FakeTwilioIDs.accountSid()
        let registry = FakeTwilioCallRegistry()
        let rest = FakeTwilioREST(accountSid: accountSid, authToken: Self.token, registry: registry, endedCallAnswer: .invalidState21220)
        try await rest.withRunningServer { apiURL in
            let unknown = FakeTwilioIDs.callSid()
            await rest.failNextRequests(1)
            let (unavailable, _) = try await restPost(apiURL, accountSid, Self.token, unknown, "Status=completed")
            #expect(unavailable == 503)
            let (notFound, body) = try await restPost(apiURL, accountSid, Self.token, unknown, "Status=completed")
            #expect(notFound == 404 && body.contains(#""code":20404"#))

            let result = try await withStubServer(authToken: Self.token, bot: { bot in
                var iterator = bot.inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                while try await bot.next(&iterator) != nil {}
            }) { baseURL, _ in
                let configuration = FakeTwilioPhoneConfiguration(
                    serverURL: baseURL, accountSid: accountSid, authToken: Self.token,
                    script: CallerScript([.silence(milliseconds: 100), .hangUp]), maxDuration: .seconds(10))
                return try await FakeTwilioPhone(configuration: configuration, registry: registry).dial()
            }
            #expect(result.endReason == .callerHungUp)
            let (ended, endedBody) = try await restPost(apiURL, accountSid, Self.token, result.callSid, "Status=completed")
            #expect(ended == 400 && endedBody.contains(#""code":21220"#))
            let twiml = FakeTwilioForm.encode([("Twiml", "<Response><Dial>+15557654321</Dial></Response>")])
            let (transfer, transferBody) = try await restPost(apiURL, accountSid, Self.token, result.callSid, twiml)
            #expect(transfer == 400 && transferBody.contains(#""code":21220"#))
            #expect(await rest.successfulHangUps().isEmpty)
        }
    }
}
