import ProviderFakes

/// The agent end of the measured paths: reads the stamps of caller audio as the fake Realtime server
/// receives it, stamps every agent audio delta as it is written, and notes `speech_started`.
struct BenchRealtimeProbe: FakeRealtimeProbe {
    let collector: BenchCollector

    static let appendPrefix = Array(#"{"type":"input_audio_buffer.append""#.utf8)
    static let audioKey = Array(#""audio":""#.utf8)
    static let deltaPrefix = Array(#"{"type":"response.output_audio.delta""#.utf8)
    static let deltaKey = Array(#""delta":""#.utf8)
    static let speechStartedPrefix = Array(#"{"type":"input_audio_buffer.speech_started""#.utf8)
    static let responseCreatedPrefix = Array(#"{"type":"response.created""#.utf8)

    func received(_ text: String, session: Int) {
        var text = text
        text.withUTF8 { bytes in
            guard bytes.starts(with: Self.appendPrefix), let start = Self.find(Self.audioKey, in: bytes) else { return }
            let end = min(bytes.count, start + FrameStamp.base64Count)
            guard let stamp = FrameStamp(base64Prefix: bytes[start..<end]) else { return }
            collector.callerFrameArrived(stamp, session: session, at: collector.clock.micros())
        }
    }

    func sending(_ text: String, session: Int) -> String {
        var text = text
        var replacement: String?
        text.withUTF8 { bytes in
            if bytes.starts(with: Self.deltaPrefix), let start = Self.find(Self.deltaKey, in: bytes) {
                // Audio of a response the caller already interrupted may be dropped by design (the
                // server stops playing it at `speech_started`): not stamped, not counted.
                guard !collector.isInterrupted(session: session) else { return }
                // Only full stamps: the payload must hold at least 15 bytes.
                guard start + FrameStamp.base64Count < bytes.count,
                    !bytes[start..<(start + FrameStamp.base64Count)].contains(UInt8(ascii: "\""))
                else { return }
                let sequence = collector.agentDeltaSent(session: session)
                let stamp = FrameStamp(call: FrameStamp.unknownCall, sequence: sequence, micros: collector.clock.micros())
                var out = Array(bytes)
                out.replaceSubrange(start..<(start + FrameStamp.base64Count), with: stamp.base64)
                replacement = String(decoding: out, as: UTF8.self)
            } else if bytes.starts(with: Self.speechStartedPrefix) {
                collector.speechStarted(session: session, at: collector.clock.micros())
            } else if bytes.starts(with: Self.responseCreatedPrefix) {
                collector.responseCreated(session: session)
            }
        }
        return replacement ?? text
    }

    /// Index just after the first occurrence of `key`.
    static func find(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= key.count else { return nil }
        let first = key[0]
        var index = 0
        let last = bytes.count - key.count
        while index <= last {
            if bytes[index] == first {
                var match = true
                for offset in 1..<key.count where bytes[index + offset] != key[offset] {
                    match = false
                    break
                }
                if match { return index + key.count }
            }
            index += 1
        }
        return nil
    }
}
