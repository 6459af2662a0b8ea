import Testing

@testable import Twilio

@Suite struct TwiMLTests {
    @Test func connectStreamWithParameters() throws {
        let xml = try TwiML.connectStream(
            url: "wss://example.com/twilio/media",
            parameters: [FormField("sessionId", "7f1c"), FormField("note", #"a<b & "c" 'd'>"#)])
        #expect(
            xml == #"<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://example.com/twilio/media">"#
                + #"<Parameter name="sessionId" value="7f1c"/><Parameter name="note" value="a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"/>"#
                + "</Stream></Connect></Response>")
    }

    @Test func connectStreamWithoutParameters() throws {
        let xml = try TwiML.connectStream(url: "wss://example.com:8443/twilio/media", connectAction: "https://example.com/done")
        #expect(
            xml == #"<?xml version="1.0" encoding="UTF-8"?><Response><Connect action="https://example.com/done"><Stream url="wss://example.com:8443/twilio/media"/></Connect></Response>"#)
    }

    @Test(arguments: ["ws://example.com/media", "https://example.com/media", "/twilio/media", "wss://", "wss:///path", ""])
    func streamURLMustBeWSS(_ url: String) {
        #expect(throws: TwiMLError.streamURLNotWSS(url)) { try TwiML.connectStream(url: url) }
    }

    @Test(arguments: ["wss://example.com/media?token=1", "wss://example.com/media#x", "wss://example.com?x"])
    func streamURLMustNotHaveQuery(_ url: String) {
        #expect(throws: TwiMLError.streamURLHasQuery(url)) { try TwiML.connectStream(url: url) }
    }

    @Test func controlCharactersRejected() {
        #expect(throws: TwiMLError.self) {
            try TwiML.connectStream(url: "wss://example.com/media", parameters: [FormField("k", "a\u{01}b")])
        }
        #expect(throws: TwiMLError.self) {
            try TwiML.connectStream(url: "wss://example.com/media", parameters: [FormField("", "v")])
        }
    }

    @Test func dial() throws {
        let xml = try TwiML.dial(number: "+15557654321", callerId: "+15550001111", timeoutSeconds: 20, action: "https://example.com/dial-done?a=1&b=2")
        #expect(
            xml == #"<Response><Dial callerId="+15550001111" timeout="20" action="https://example.com/dial-done?a=1&amp;b=2">+15557654321</Dial></Response>"#)
        #expect(try TwiML.dial(number: "+15557654321") == "<Response><Dial>+15557654321</Dial></Response>")
    }

    @Test func dialRejectsBadInput() {
        #expect(throws: TwiMLError.self) { try TwiML.dial(number: "  ") }
        #expect(throws: TwiMLError.urlNotAbsoluteHTTP("/relative")) { try TwiML.dial(number: "+1555", action: "/relative") }
        #expect(throws: TwiMLError.self) { try TwiML.dial(number: "+1555", timeoutSeconds: 0) }
    }

    @Test func dialLengthLimit() throws {
        // 4000 characters exactly is allowed, 4001 is not.
        let overhead = "<Response><Dial></Dial></Response>".count
        let fits = String(repeating: "1", count: TwiML.maxInlineLength - overhead)
        #expect(try TwiML.dial(number: fits).count == TwiML.maxInlineLength)
        #expect(throws: TwiMLError.tooLong(count: 4001, limit: 4000)) { try TwiML.dial(number: fits + "1") }
    }
}
