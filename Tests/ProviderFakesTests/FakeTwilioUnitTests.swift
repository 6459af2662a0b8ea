import Foundation
import Testing

@testable import ProviderFakes

@Suite struct FakeTwilioUnitTests {
    @Test func signatureMatchesTwilioVectors() {
        let params = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
            ("From", "+14158675309"), ("To", "+18005551212"),
        ]
        #expect(
            FakeTwilioSigning.signature(url: "https://mycompany.com/myapp.php?foo=1&bar=2", parameters: params, authToken: "12345")
                == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(
            FakeTwilioSigning.signature(
                url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: params, authToken: "12345")
                == "kvajT1Ptam85bY51eRf/AJRuM3w=")
        let duplicate = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
        #expect(
            FakeTwilioSigning.signature(url: "https://mycompany.com/myapp.php?foo=1&bar=2", parameters: duplicate, authToken: "12345")
                == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    }

    @Test func formRoundTrips() throws {
        let pairs = [("From", "+15550100001"), ("Twiml", "<Response><Dial>+1 555</Dial></Response>"), ("Empty", "")]
        let encoded = FakeTwilioForm.encode(pairs)
        #expect(encoded.hasPrefix("From=%2B15550100001&"))
        let decoded = try #require(FakeTwilioForm.decode(encoded))
        #expect(decoded.map(\.0) == pairs.map(\.0))
        #expect(decoded.map(\.1) == pairs.map(\.1))
        #expect(FakeTwilioForm.decode("a=%zz") == nil)
    }

    @Test func twimlConnectStreamIsParsed() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
              <Connect action="https://example.com/done">
                <Stream url="wss://example.com/twilio/media" name="ai">
                  <Parameter name="sessionId" value="a&amp;b"/>
                  <Parameter name='tenant' value='acme' />
                </Stream>
              </Connect>
            </Response>
            """
        let stream = try FakeTwiMLParser.parseConnectStream(xml)
        #expect(stream.url == "wss://example.com/twilio/media")
        #expect(stream.parameters.map(\.name) == ["sessionId", "tenant"])
        #expect(stream.parameters.map(\.value) == ["a&b", "acme"])
    }

    @Test(arguments: [
        "<Response><Connect><Stream url=\"wss://example.com/media?token=1\"/></Connect></Response>",
        "<Response><Connect><Stream url=\"ws://example.com/media\"/></Connect></Response>",
        "<Response><Connect><Stream url=\"https://example.com/media\"/></Connect></Response>",
        "<Response><Start><Stream url=\"wss://example.com/media\"/></Start></Response>",
        "<Response><Say>hi</Say></Response>",
        "<Response><Connect><Stream url=\"wss://example.com/media\"></Connect></Response>",
        "not xml at all",
    ])
    func twimlThatTwilioRejectsIsRefused(_ xml: String) {
        #expect(throws: FakeTwiMLError.self) { try FakeTwiMLParser.parseConnectStream(xml) }
    }

    @Test func loopbackStreamURLsAreDialledWithoutTLS() throws {
        #expect(try FakeTwilioPhone.connectURL(for: "wss://127.0.0.1:8080/twilio/media") == "ws://127.0.0.1:8080/twilio/media")
        #expect(try FakeTwilioPhone.connectURL(for: "wss://localhost:9/x") == "ws://localhost:9/x")
        #expect(try FakeTwilioPhone.connectURL(for: "wss://[::1]:9/x") == "ws://[::1]:9/x")
        #expect(try FakeTwilioPhone.connectURL(for: "wss://example.com/x") == "wss://example.com/x")
    }

    @Test func playbackQueueEchoesMarksAfterTheirAudio() {
        var queue = FakePlaybackQueue()
        let immediate = queue.appendMark("empty")
        #expect(immediate)
        queue.appendAudio([UInt8](repeating: 1, count: 100))
        let queuedA = queue.appendMark("a")
        #expect(!queuedA)
        queue.appendAudio([UInt8](repeating: 2, count: 300))
        let queuedB = queue.appendMark("b")
        #expect(!queuedB)
        let first = queue.drain(budget: 160)
        #expect(first.played == 160)
        #expect(first.marks == ["a"])
        let second = queue.drain(budget: 160)
        #expect(second.played == 160 && second.marks.isEmpty)
        let third = queue.drain(budget: 160)
        #expect(third.played == 80 && third.marks == ["b"])
        #expect(queue.isEmpty)
        let after = queue.appendMark("after")
        #expect(after)
    }

    @Test func clearDropsAudioAndReturnsPendingMarksInOrder() {
        var queue = FakePlaybackQueue()
        queue.appendAudio([UInt8](repeating: 1, count: 800))
        let queuedA = queue.appendMark("a")
        #expect(!queuedA)
        queue.appendAudio([UInt8](repeating: 1, count: 800))
        let queuedB = queue.appendMark("b")
        #expect(!queuedB)
        _ = queue.drain(budget: 160)
        let cleared = queue.clear()
        #expect(cleared.marks == ["a", "b"])
        #expect(cleared.dropped == 1440)
        #expect(queue.isEmpty)
        let nothing = queue.drain(budget: 160)
        #expect(nothing.played == 0)
    }

    @Test func serverMessagesAreValidatedLikeTwilio() {
        let sid = "MZ" + String(repeating: "a", count: 32)
        func kind(_ text: String) -> FakeProtocolViolation.Kind? {
            if case .failure(let error) = FakeServerMessageValidator.validate(text, streamSid: sid) { return error.kind }
            return nil
        }
        #expect(kind(#"{"event":"media","streamSid":"\#(sid)","media":{"payload":"//8="}}"#) == nil)
        #expect(kind(#"{"event":"mark","streamSid":"\#(sid)","mark":{"name":"x"}}"#) == nil)
        #expect(kind(#"{"event":"clear","streamSid":"\#(sid)"}"#) == nil)
        #expect(kind(#"{"event":"clear","streamSid":"MZother"}"#) == .wrongStreamSid)
        #expect(kind(#"{"event":"clear"}"#) == .invalidShape)
        #expect(kind(#"{"event":"clear","streamSid":"\#(sid)","extra":1}"#) == .invalidShape)
        #expect(kind(#"{"event":"media","streamSid":"\#(sid)","media":{"payload":"not base64!"}}"#) == .invalidShape)
        #expect(kind(#"{"event":"media","streamSid":"\#(sid)","media":{"payload":"//8=","track":"outbound"}}"#) == .invalidShape)
        #expect(kind(#"{"event":"mark","streamSid":"\#(sid)","mark":{"name":7}}"#) == .invalidShape)
        #expect(kind(#"{"event":"speak","streamSid":"\#(sid)"}"#) == .unknownEvent)
        #expect(kind("[1,2]") == .malformedMessage)
    }

    @Test func callerScriptWaitsForBotThenSpeaksThenHangsUp() {
        var runner = CallerScriptRunner(CallerScript([.waitForBot(quietMilliseconds: 100, maxMilliseconds: 5_000), .say("hi", milliseconds: 40), .hangUp]))
        func bot(_ now: Int, played: Int, playing: Bool, last: Int?) -> BotObservation {
            BotObservation(nowMilliseconds: now, playedMilliseconds: played, isPlaying: playing, lastActivityMilliseconds: last)
        }
        let t1 = runner.tick(bot(20, played: 0, playing: false, last: nil))
        #expect(t1.audio == MuLaw.silence(milliseconds: 20))
        let t2 = runner.tick(bot(40, played: 20, playing: true, last: 40))
        #expect(t2.events.isEmpty)
        let t3 = runner.tick(bot(100, played: 60, playing: false, last: 100))
        #expect(t3.events.isEmpty)
        let speech = runner.tick(bot(200, played: 60, playing: false, last: 100))
        #expect(speech.events == [.callerSpeechStarted(text: "hi")])
        #expect(MuLaw.meanAmplitude(speech.audio) > 500)
        let t5 = runner.tick(bot(220, played: 60, playing: false, last: 100))
        #expect(t5.events == [.callerSpeechEnded])
        let t6 = runner.tick(bot(240, played: 60, playing: false, last: 100))
        #expect(t6.hangUp)
        #expect(runner.isFinished)
    }
}
