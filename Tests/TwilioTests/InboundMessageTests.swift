import NIOCore
import Testing

@testable import Twilio

@Suite struct InboundMessageTests {
    let mediaJSON = #"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"no+JhoaJjpzS/w=="},"streamSid":"MZ123"}"#

    @Test func connected() throws {
        let message = try TwilioInboundMessage(decoding: #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)
        #expect(message == .connected(TwilioConnected(protocol: "Call", version: "1.0.0")))
    }

    @Test func start() throws {
        let json = #"""
            {
              "event": "start",
              "sequenceNumber": "1",
              "start": {
                "accountSid": "AC1",
                "streamSid": "MZ1",
                "callSid": "CA1",
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": {"sessionId": "7f1c", "tenant": "acme"}
              },
              "streamSid": "MZ1"
            }
            """#
        let message = try TwilioInboundMessage(decoding: json)
        #expect(
            message == .start(
                TwilioStart(
                    sequenceNumber: 1, streamSid: "MZ1", accountSid: "AC1", callSid: "CA1", tracks: [.inbound],
                    mediaFormat: TwilioMediaFormat(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1),
                    customParameters: ["sessionId": "7f1c", "tenant": "acme"])))
    }

    @Test func startWithoutCustomParametersIsEmpty() throws {
        let json = #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{}},"streamSid":"MZ1"}"#
        guard case .start(let start) = try TwilioInboundMessage(decoding: json) else {
            Issue.record("not a start")
            return
        }
        #expect(start.customParameters.isEmpty)
    }

    @Test func mediaFastPath() throws {
        let expected = TwilioMedia(sequenceNumber: 4, streamSid: "MZ123", track: .inbound, chunk: 2, timestamp: 5, payload: "no+JhoaJjpzS/w==")
        // The scanner alone handles the common frame.
        let scanned = Array(mediaJSON.utf8).withUnsafeBytes { TwilioFastMediaScanner.scan($0) }
        #expect(scanned == expected)
        #expect(try TwilioInboundMessage(decoding: mediaJSON) == .media(expected))
        #expect(try TwilioInboundMessage(decoding: ByteBuffer(string: mediaJSON)) == .media(expected))
        #expect(try TwilioInboundMessage(decoding: Array(mediaJSON.utf8)) == .media(expected))
    }

    @Test func mediaAnyKeyOrderAndWhitespace() throws {
        let json = #" { "streamSid" : "MZ9", "media" : { "payload" : "AAAA", "timestamp" : "120", "chunk" : "7", "track" : "outbound" } , "sequenceNumber" : "10", "event" : "media" } "#
        #expect(
            try TwilioInboundMessage(decoding: json)
                == .media(TwilioMedia(sequenceNumber: 10, streamSid: "MZ9", track: .outbound, chunk: 7, timestamp: 120, payload: "AAAA")))
    }

    @Test func mediaWithEscapesFallsBackToJSONDecoder() throws {
        // An escaped slash defeats the scanner; JSONDecoder still decodes it.
        let json = #"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"ab\/cd"},"streamSid":"MZ1"}"#
        let scanned = Array(json.utf8).withUnsafeBytes { TwilioFastMediaScanner.scan($0) }
        #expect(scanned == nil)
        #expect(
            try TwilioInboundMessage(decoding: json)
                == .media(TwilioMedia(sequenceNumber: 4, streamSid: "MZ1", chunk: 2, timestamp: 5, payload: "ab/cd")))
    }

    @Test func mark() throws {
        let json = #"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"my label"}}"#
        #expect(try TwilioInboundMessage(decoding: json) == .mark(TwilioMark(sequenceNumber: 4, streamSid: "MZ1", name: "my label")))
    }

    @Test func dtmf() throws {
        let json = #"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#
        #expect(
            try TwilioInboundMessage(decoding: json)
                == .dtmf(TwilioDTMF(sequenceNumber: 5, streamSid: "MZ1", track: "inbound_track", digit: "1")))
    }

    @Test func stop() throws {
        let json = #"{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}"#
        #expect(
            try TwilioInboundMessage(decoding: json)
                == .stop(TwilioStop(sequenceNumber: 5, streamSid: "MZ1", accountSid: "AC1", callSid: "CA1")))
    }

    @Test func unknownEvent() throws {
        let json = #"{"event":"somethingNew","sequenceNumber":"5","streamSid":"MZ1"}"#
        #expect(try TwilioInboundMessage(decoding: json) == .unknown(event: "somethingNew"))
    }

    @Test(arguments: [
        "", "not json", "{", "[1,2]", #"{"event":42}"#, #"{"sequenceNumber":"1"}"#,
        #"{"event":"media","sequenceNumber":"4","media":{"payload":"AA"#,
    ])
    func malformedJSON(_ text: String) {
        #expect {
            _ = try TwilioInboundMessage(decoding: text)
        } throws: { error in
            guard let error = error as? TwilioMessageError, case .malformedJSON = error else { return false }
            return !error.description.isEmpty
        }
    }

    @Test func missingFields() {
        #expect(throws: TwilioMessageError.missingField(event: "media", field: "media.payload")) {
            try TwilioInboundMessage(decoding: #"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5"},"streamSid":"MZ1"}"#)
        }
        #expect(throws: TwilioMessageError.missingField(event: "stop", field: "stop.callSid")) {
            try TwilioInboundMessage(decoding: #"{"event":"stop","sequenceNumber":"5","stop":{},"streamSid":"MZ1"}"#)
        }
        #expect(throws: TwilioMessageError.missingField(event: "mark", field: "streamSid")) {
            try TwilioInboundMessage(decoding: #"{"event":"mark","sequenceNumber":"5","mark":{"name":"x"}}"#)
        }
        #expect(throws: TwilioMessageError.missingField(event: "start", field: "start.callSid")) {
            try TwilioInboundMessage(decoding: #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1"},"streamSid":"MZ1"}"#)
        }
    }

    @Test func invalidFields() {
        #expect(throws: TwilioMessageError.invalidField(event: "media", field: "sequenceNumber", value: "four")) {
            try TwilioInboundMessage(decoding: #"{"event":"media","sequenceNumber":"four","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"AA"},"streamSid":"MZ1"}"#)
        }
        #expect {
            try TwilioInboundMessage(decoding: #"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":7}}"#)
        } throws: { error in
            guard case .invalidField(event: "mark", field: "mark.name", _) = error as? TwilioMessageError else { return false }
            return true
        }
    }

    @Test func scannerRejectsTrailingGarbage() {
        let scanned = Array((mediaJSON + "x").utf8).withUnsafeBytes { TwilioFastMediaScanner.scan($0) }
        #expect(scanned == nil)
        #expect(throws: TwilioMessageError.self) { try TwilioInboundMessage(decoding: mediaJSON + "x") }
    }

    /// Rough throughput check for the hot path; prints, never asserts timing.
    @Test func mediaDecodeMicroBenchmark() throws {
        let payload = String(repeating: "/w==", count: 54)
        let frame = #"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"\#(payload)"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}"#
        let buffer = ByteBuffer(string: frame)
        let iterations = 5_000
        let clock = ContinuousClock()
        var decoded = 0
        let fast = try clock.measure {
            for _ in 0..<iterations {
                if case .media = try TwilioInboundMessage(decoding: buffer) { decoded += 1 }
            }
        }
        let slow = clock.measure {
            for _ in 0..<iterations {
                if case .success(.media) = TwilioJSONFallback.decode(.init(buffer.readableBytesView)) { decoded += 1 }
            }
        }
        #expect(decoded == 2 * iterations)
        print("media decode x\(iterations): scanner \(fast), JSONDecoder \(slow)")
    }
}
