import Foundation
import NIOCore
import Testing

@testable import Telnyx

@Suite struct MediaMessageTests {
    static let start = #"""
    {
      "event": "start",
      "sequence_number": "1",
      "stream_id": "32DE0DEA-53CB-4B21-89A4-9E1819C043BC",
      "start": {
        "user_id": "3E6F995F-85F7-4705-9741-53B116D28237",
        "call_control_id": "v3:T02llQxIyaRkhfRK...",
        "call_session_id": "ff55a038-6f5d-11ef-9692-02420aeffb1f",
        "from": "+13122010094",
        "to": "+13122123456",
        "tags": ["TAG1"],
        "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
        "custom_parameters": {"customer_id": "customer_123"},
        "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1}
      }
    }
    """#
    static let media = #"""
    {
      "event": "media",
      "sequence_number": "4",
      "media": {"track": "inbound", "chunk": "2", "timestamp": "5", "payload": "no+JhoaJjpzS"},
      "stream_id": "32DE0DEA-..."
    }
    """#

    @Test func connected() throws {
        #expect(try TelnyxInboundMessage(decoding: #"{"event":"connected","version":"1.0.0"}"#) == .connected(TelnyxConnected(version: "1.0.0")))
        let withToken = #"{"event":"connected","version":"1.0.0","x-telnyx-streaming-auth-token":"tok"}"#
        #expect(try TelnyxInboundMessage(decoding: withToken) == .connected(TelnyxConnected(version: "1.0.0", authToken: "tok")))
    }

    @Test func start() throws {
        let message = try TelnyxInboundMessage(decoding: Self.start)
        let expected = TelnyxStart(
            sequenceNumber: 1, streamId: "32DE0DEA-53CB-4B21-89A4-9E1819C043BC", callControlId: "v3:T02llQxIyaRkhfRK...",
            callSessionId: "ff55a038-6f5d-11ef-9692-02420aeffb1f", userId: "3E6F995F-85F7-4705-9741-53B116D28237",
            from: "+13122010094", to: "+13122123456", tags: ["TAG1"], clientState: "aGF2ZSBhIG5pY2UgZGF5ID1d",
            customParameters: ["customer_id": "customer_123"], mediaFormat: TelnyxMediaFormat(encoding: "PCMU", sampleRate: 8000, channels: 1))
        #expect(message == .start(expected))
        #expect(expected.decodedClientState == "have a nice day =]")
        #expect(message.sequenceNumber == 1)
    }

    @Test func startRequiresTopLevelStreamIdAndCallControlId() {
        let nested = #"{"event":"start","sequence_number":"1","start":{"stream_id":"x","call_control_id":"v3:a"}}"#
        #expect(throws: TelnyxMessageError.missingField(event: "start", field: "stream_id")) {
            try TelnyxInboundMessage(decoding: nested)
        }
        let noCall = #"{"event":"start","sequence_number":"1","stream_id":"x","start":{}}"#
        #expect(throws: TelnyxMessageError.missingField(event: "start", field: "start.call_control_id")) {
            try TelnyxInboundMessage(decoding: noCall)
        }
    }

    @Test(arguments: [("PCMU", TelnyxCodec.pcmu), ("audio/x-mulaw", .pcmu), ("PCMA", .pcma), ("L16", .l16), ("AMR-WB", .amrWB), ("G722", .g722), ("OPUS", .opus), ("speex", .other("speex"))])
    func codecSpellings(encoding: String, codec: TelnyxCodec) {
        #expect(TelnyxMediaFormat(encoding: encoding).codec == codec)
    }

    @Test func mediaFastPath() throws {
        let expected = TelnyxMedia(sequenceNumber: 4, streamId: "32DE0DEA-...", track: "inbound", chunk: 2, timestamp: 5, payload: "no+JhoaJjpzS")
        let fast = try #require(Self.media.utf8.withContiguousStorageIfAvailable { TelnyxFastMediaScanner.scan(UnsafeRawBufferPointer($0)) } ?? nil)
        #expect(fast == expected)
        #expect(try TelnyxInboundMessage(decoding: Self.media) == .media(expected))
        #expect(try TelnyxInboundMessage(decoding: ByteBuffer(string: Self.media)) == .media(expected))
        #expect(try TelnyxInboundMessage(decoding: Array(Self.media.utf8)) == .media(expected))
        // The slow path gives the same answer.
        #expect(try TelnyxMediaJSON.decode(Data(Self.media.utf8)).get() == .media(expected))
    }

    @Test func markFastPath() throws {
        let echo = #"{"event":"mark","sequence_number":"9","stream_id":"32DE0DEA-...","mark":{"name":"m0.17"}}"#
        let expected = TelnyxMark(sequenceNumber: 9, streamId: "32DE0DEA-...", name: "m0.17")
        let fast = try #require(echo.utf8.withContiguousStorageIfAvailable { TelnyxFastMarkScanner.scan(UnsafeRawBufferPointer($0)) } ?? nil)
        #expect(fast == expected)
        #expect(try TelnyxInboundMessage(decoding: echo) == .mark(expected))
        #expect(try TelnyxMediaJSON.decode(Data(echo.utf8)).get() == .mark(expected))
        // Key order and absent optional fields do not matter.
        let reordered = #"{"mark":{"name":"m0.17"},"event":"mark"}"#
        #expect(try TelnyxInboundMessage(decoding: reordered) == .mark(TelnyxMark(name: "m0.17")))
    }

    @Test func markVariantsFallBackCorrectly() throws {
        let scan = { (text: String) in text.utf8.withContiguousStorageIfAvailable { TelnyxFastMarkScanner.scan(UnsafeRawBufferPointer($0)) } ?? nil }
        // A numeric counter and an escaped name are the slow path's, with the same meaning.
        let numeric = #"{"event":"mark","sequence_number":9,"mark":{"name":"a\/b"}}"#
        #expect(scan(numeric) == nil)
        #expect(try TelnyxInboundMessage(decoding: numeric) == .mark(TelnyxMark(sequenceNumber: 9, name: "a/b")))
        // A counter that is not a number is reported by the slow path.
        let badCounter = #"{"event":"mark","sequence_number":"nine","mark":{"name":"m0.1"}}"#
        #expect(scan(badCounter) == nil)
        #expect(throws: TelnyxMessageError.invalidField(event: "mark", field: "sequence_number", value: "nine")) {
            try TelnyxInboundMessage(decoding: badCounter)
        }
        // Not a mark, or no name: never the fast path's.
        #expect(scan(#"{"event":"media","mark":{"name":"m0.1"}}"#) == nil)
        #expect(scan(#"{"event":"mark","mark":{}}"#) == nil)
    }

    @Test func mediaVariantsFallBackCorrectly() throws {
        // Numbers instead of strings, an escaped slash in the payload, no chunk/timestamp.
        let numeric = #"{"event":"media","sequence_number":7,"media":{"track":"outbound","chunk":3,"payload":"ab\/c"}}"#
        #expect(try TelnyxInboundMessage(decoding: numeric) == .media(TelnyxMedia(sequenceNumber: 7, track: "outbound", chunk: 3, payload: "ab/c")))
        let minimal = #"{"event":"media","sequence_number":"9","media":{"payload":"AAAA"}}"#
        #expect(try TelnyxInboundMessage(decoding: minimal) == .media(TelnyxMedia(sequenceNumber: 9, payload: "AAAA")))
    }

    @Test func mediaErrors() {
        #expect(throws: TelnyxMessageError.missingField(event: "media", field: "media.payload")) {
            try TelnyxInboundMessage(decoding: #"{"event":"media","sequence_number":"4","media":{"track":"inbound"}}"#)
        }
        #expect(throws: TelnyxMessageError.missingField(event: "media", field: "sequence_number")) {
            try TelnyxInboundMessage(decoding: #"{"event":"media","media":{"payload":"AAAA"}}"#)
        }
        #expect(throws: TelnyxMessageError.invalidField(event: "media", field: "media.chunk", value: "two")) {
            try TelnyxInboundMessage(decoding: #"{"event":"media","sequence_number":"4","media":{"chunk":"two","payload":"AAAA"}}"#)
        }
    }

    @Test func dtmfMarkStopError() throws {
        let dtmf = #"{"event":"dtmf","stream_id":"32DE0DEA-...","occurred_at":"2025-06-05T08:54:19.698408Z","sequence_number":"5","dtmf":{"digit":"1"}}"#
        #expect(try TelnyxInboundMessage(decoding: dtmf) == .dtmf(TelnyxDTMF(sequenceNumber: 5, streamId: "32DE0DEA-...", occurredAt: "2025-06-05T08:54:19.698408Z", digit: "1")))
        let mark = #"{"event":"mark","sequence_number":"9","stream_id":"32DE0DEA-...","mark":{"name":"resp-42-end"}}"#
        #expect(try TelnyxInboundMessage(decoding: mark) == .mark(TelnyxMark(sequenceNumber: 9, streamId: "32DE0DEA-...", name: "resp-42-end")))
        let error = #"{"stream_id":"32DE0DEA-...","event":"error","sequence_number":"6","error":{"title":"rate_limit_reached","code":"100005","detail":"Too many requests"}}"#
        #expect(try TelnyxInboundMessage(decoding: error) == .error(TelnyxStreamError(sequenceNumber: 6, streamId: "32DE0DEA-...", code: "100005", title: "rate_limit_reached", detail: "Too many requests")))
        let stop = #"{"event":"stop","sequence_number":"5","stop":{"user_id":"3E6F995F-...","call_control_id":"v3:T02llQxI..."},"stream_id":"32DE0DEA-..."}"#
        #expect(try TelnyxInboundMessage(decoding: stop) == .stop(TelnyxStop(sequenceNumber: 5, streamId: "32DE0DEA-...", callControlId: "v3:T02llQxI...", userId: "3E6F995F-...")))
        #expect(throws: TelnyxMessageError.missingField(event: "mark", field: "mark.name")) {
            try TelnyxInboundMessage(decoding: #"{"event":"mark","mark":{}}"#)
        }
    }

    @Test func unknownAndMalformed() throws {
        #expect(try TelnyxInboundMessage(decoding: #"{"event":"speech","x":1}"#) == .unknown(event: "speech"))
        for bad in ["", "nope", "[]", #"{"event":5}"#, #"{"no_event":"media"}"#, #"{"event":"media""#] {
            #expect(throws: TelnyxMessageError.self) { try TelnyxInboundMessage(decoding: bad) }
            if case .malformedJSON = (Result { () throws(TelnyxMessageError) in try TelnyxInboundMessage(decoding: bad) }).failureValue {
                continue
            }
            Issue.record("\(bad) should be malformedJSON")
        }
    }

    @Test func outboundFrames() throws {
        #expect(TelnyxOutboundMessage.media(payload: "no+JhoaJjpzS").json == #"{"event":"media","media":{"payload":"no+JhoaJjpzS"}}"#)
        #expect(TelnyxOutboundMessage.mark(name: "resp-42-end").json == #"{"event":"mark","mark":{"name":"resp-42-end"}}"#)
        #expect(TelnyxOutboundMessage.clear.json == #"{"event":"clear"}"#)
        let odd = TelnyxOutboundMessage.mark(name: "a\"b\\c\nd\u{1}").json
        let parsed = try JSONSerialization.jsonObject(with: Data(odd.utf8)) as? [String: Any]
        #expect((parsed?["mark"] as? [String: String])?["name"] == "a\"b\\c\nd\u{1}")
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
