import Foundation
import Testing

@testable import Twilio

@Suite struct OutboundMessageTests {
    private func object(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func media() throws {
        let text = TwilioOutboundMessage.mediaJSON(streamSid: "MZ1", payload: "no+JhoaJjpzS/w==")
        #expect(text == #"{"event":"media","streamSid":"MZ1","media":{"payload":"no+JhoaJjpzS/w=="}}"#)
        #expect(TwilioOutboundMessage.media(streamSid: "MZ1", payload: "no+JhoaJjpzS/w==").json == text)
        #expect(TwilioOutboundMessage.clear(streamSid: "MZ1").json == TwilioOutboundMessage.clearJSON(streamSid: "MZ1"))
    }

    @Test func mark() throws {
        let text = TwilioOutboundMessage.markJSON(streamSid: "MZ1", name: "resp-42-end")
        #expect(text == #"{"event":"mark","streamSid":"MZ1","mark":{"name":"resp-42-end"}}"#)
    }

    @Test func clear() {
        #expect(TwilioOutboundMessage.clearJSON(streamSid: "MZ1") == #"{"event":"clear","streamSid":"MZ1"}"#)
    }

    @Test func escapesMarkNameAndStreamSid() throws {
        let name = "say \"bye\"\\\n\u{01}ביי"
        let text = TwilioOutboundMessage.mark(streamSid: "MZ\"1", name: name).json
        let json = try object(text)
        #expect(json["event"] as? String == "mark")
        #expect(json["streamSid"] as? String == "MZ\"1")
        #expect((json["mark"] as? [String: Any])?["name"] as? String == name)
    }

    @Test func outboundRoundTripsThroughJSONParser() throws {
        let json = try object(TwilioOutboundMessage.media(streamSid: "MZ1", payload: "AAAA").json)
        #expect(Set(json.keys) == ["event", "streamSid", "media"])
        #expect((json["media"] as? [String: Any])?["payload"] as? String == "AAAA")
    }
}
