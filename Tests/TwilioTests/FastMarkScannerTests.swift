import Foundation
import Testing

@testable import Twilio

/// The `mark` fast path must give exactly what the `JSONDecoder` fallback gives, or step aside.
@Suite struct FastMarkScannerTests {
    static let frames = [
        #"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"my label"}}"#,
        #"{ "mark" : { "name" : "m3.17" }, "streamSid" : "MZ2", "event" : "mark", "sequenceNumber" : "12" }"#,
        #"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"n"},"extra":"ignored"}"#,
    ]

    @Test(arguments: frames)
    func fastPathMatchesTheFallback(json: String) throws {
        var text = json
        let fast = text.withUTF8 { TwilioFastMarkScanner.scan(UnsafeRawBufferPointer($0)) }
        let slow = try TwilioJSONFallback.decode(Data(json.utf8)).get()
        #expect(fast.map(TwilioInboundMessage.mark) == slow)
    }

    @Test(arguments: [
        #"{"event":"mark","sequenceNumber":4,"streamSid":"MZ1","mark":{"name":"x"}}"#,  // number: fallback
        #"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"a\"b"}}"#,  // escape: fallback
        #"{"event":"mark","sequenceNumber":"5","mark":{"name":"x"}}"#,  // missing streamSid: fallback's error
        #"{"event":"media","sequenceNumber":"5","streamSid":"MZ1","mark":{"name":"x"}}"#,
    ])
    func stepsAsideForAnythingElse(json: String) {
        var text = json
        #expect(text.withUTF8 { TwilioFastMarkScanner.scan(UnsafeRawBufferPointer($0)) } == nil)
    }
}
