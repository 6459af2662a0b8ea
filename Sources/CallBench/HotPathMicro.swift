import Foundation
import NIOWebSocket
import OpenAIRealtime
import Telnyx
import Twilio
import WireJSON

/// Release-mode timings of the server's per-frame parsing and encoding, before and after each of the
/// hot-path changes (the "before" side runs the slow path the change replaced, which still exists as
/// the fallback).
public enum HotPathMicro {
    /// One measured operation: nanoseconds per call before and after.
    public struct Result: Sendable {
        /// What was timed.
        public var name: String
        /// The replaced path, ns per call.
        public var beforeNanos: Double
        /// The new path, ns per call.
        public var afterNanos: Double
    }

    static func time(_ iterations: Int, _ body: () -> Int) -> Double {
        var sink = 0
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { sink &+= body() }
        let elapsed = clock.now - start
        if sink == 42 { print("") }  // keeps `sink` alive
        let (s, atto) = elapsed.components
        return (Double(s) * 1e9 + Double(atto) / 1e9) / Double(iterations)
    }

    /// The pre-change quoting check (`contains(where:)` over the UTF-8 view).
    static func oldNeedsEscaping(_ value: String) -> Bool {
        value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 })
    }

    /// Times each change, `iterations` calls of the fast path each (a quarter of that for slow paths).
    public static func run(iterations: Int = 200_000) -> [Result] {
        var results: [Result] = []
        // A Twilio mark echo: the fast scanner now; before, JSONDecoder (forced here by a numeric
        // sequenceNumber, which the fast path leaves to the fallback).
        let mark = #"{"event":"mark","sequenceNumber":"4711","streamSid":"MZ0123456789abcdef0123456789abcdef","mark":{"name":"m0.17"}}"#
        let markSlow = #"{"event":"mark","sequenceNumber":4711,"streamSid":"MZ0123456789abcdef0123456789abcdef","mark":{"name":"m0.17"}}"#
        results.append(
            Result(
                name: "twilio mark decode",
                beforeNanos: time(iterations / 4) { (try? TwilioInboundMessage(decoding: markSlow)) == nil ? 0 : 1 },
                afterNanos: time(iterations) { (try? TwilioInboundMessage(decoding: mark)) == nil ? 0 : 1 }))
        // A Telnyx mark echo, the same way (the fast scanner is newer than Twilio's).
        let telnyxMark = #"{"event":"mark","sequence_number":"4711","stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC","mark":{"name":"m0.17"}}"#
        let telnyxMarkSlow = #"{"event":"mark","sequence_number":4711,"stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC","mark":{"name":"m0.17"}}"#
        results.append(
            Result(
                name: "telnyx mark decode",
                beforeNanos: time(iterations / 4) { (try? TelnyxInboundMessage(decoding: telnyxMarkSlow)) == nil ? 0 : 1 },
                afterNanos: time(iterations) { (try? TelnyxInboundMessage(decoding: telnyxMark)) == nil ? 0 : 1 }))
        let transcript = #"{"type":"response.output_audio_transcript.delta","event_id":"event_12","response_id":"resp_3","item_id":"item_7","output_index":0,"content_index":0,"delta":"Sure, I can "}"#
        results.append(
            Result(
                name: "realtime transcript delta decode",
                beforeNanos: time(iterations / 4) { (try? RealtimeServerEvent.decode(data: Data(transcript.utf8))) == nil ? 0 : 1 },
                afterNanos: time(iterations) { (try? RealtimeServerEvent.decode(transcript)) == nil ? 0 : 1 }))
        // 160 ms of agent audio as base64 (1,708 characters), quoted into a Twilio media frame.
        let payload = Data([UInt8](repeating: 0x5A, count: 1_280)).base64EncodedString()
        results.append(
            Result(
                name: "json quoting check, 160 ms payload",
                beforeNanos: time(iterations) { oldNeedsEscaping(payload) ? 1 : 0 },
                afterNanos: time(iterations) { JSONQuoting.needsEscaping(payload) ? 1 : 0 }))
        // The client masking key of every frame written to the agent: one getrandom call per key before;
        // now the kernel's bytes 256 at a time.
        var entropy = BufferedEntropy()
        results.append(
            Result(
                name: "websocket masking key",
                beforeNanos: time(iterations) { Int(WebSocketMaskingKey.random()[0]) },
                afterNanos: time(iterations) { Int(WebSocketMaskingKey.random(using: &entropy)[0]) }))
        return results
    }
}
