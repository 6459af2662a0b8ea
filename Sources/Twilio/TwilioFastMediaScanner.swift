import WireJSON

/// Hot-path scanner for Twilio `media` frames.
///
/// Accepts a JSON object in any key order whose values are escape-free strings, plus the nested
/// `media` object. Returns nil for anything else (other events, escapes, numbers, malformed
/// input); the caller then falls back to `JSONDecoder`, which gives the precise error.
enum TwilioFastMediaScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TwilioMedia? {
        let frame = FlatJSONCursor(bytes: bytes)
        var scanner = frame
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamSid: Range<Int>?
        var track: Range<Int>?
        var chunk: Range<Int>?
        var timestamp: Range<Int>?
        var payload: Range<Int>?
        let parsed = scanner.envelope(
            nested: "media",
            outer: { key, value in
                if frame.matches(key, "event") {
                    event = value
                } else if frame.matches(key, "sequenceNumber") {
                    sequence = value
                } else if frame.matches(key, "streamSid") {
                    streamSid = value
                }
            },
            inner: { key, value in
                if frame.matches(key, "payload") {
                    payload = value
                } else if frame.matches(key, "track") {
                    track = value
                } else if frame.matches(key, "chunk") {
                    chunk = value
                } else if frame.matches(key, "timestamp") {
                    timestamp = value
                }
            })
        guard parsed,
            let event, frame.matches(event, "media"),
            let sequence, let seq = frame.int(sequence),
            let streamSid, let chunk, let chunkValue = frame.int(chunk),
            let timestamp, let timestampValue = frame.int(timestamp),
            let payload
        else { return nil }
        return TwilioMedia(
            sequenceNumber: seq,
            streamSid: frame.text(streamSid),
            track: track.map { Self.track($0, in: frame) } ?? .inbound,
            chunk: chunkValue,
            timestamp: timestampValue,
            payload: frame.text(payload)
        )
    }

    static func track(_ range: Range<Int>, in frame: FlatJSONCursor) -> TwilioTrack {
        if frame.matches(range, "inbound") { return .inbound }
        if frame.matches(range, "outbound") { return .outbound }
        return TwilioTrack(rawValue: frame.text(range))
    }
}
