import WireJSON

/// Hot-path scanner for Telnyx `media` frames.
///
/// Accepts a JSON object in any key order whose values are escape-free strings, plus the nested
/// `media` object. Returns nil for anything else (other events, escapes, numbers, malformed
/// input); the caller then falls back to `JSONDecoder`, which gives the precise error.
enum TelnyxFastMediaScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TelnyxMedia? {
        let frame = FlatJSONCursor(bytes: bytes)
        var scanner = frame
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamId: Range<Int>?
        var track: Range<Int>?
        var chunk: Range<Int>?
        var timestamp: Range<Int>?
        var payload: Range<Int>?
        let parsed = scanner.envelope(
            nested: "media",
            outer: { key, value in
                if frame.matches(key, "event") {
                    event = value
                } else if frame.matches(key, "sequence_number") {
                    sequence = value
                } else if frame.matches(key, "stream_id") {
                    streamId = value
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
        // Present-but-unparseable counters go to the slow path, which reports them.
        var chunkValue: Int?
        var timestampValue: Int?
        guard parsed,
            let event, frame.matches(event, "media"),
            let sequence, let seq = frame.int(sequence),
            let payload,
            frame.optionalInt(chunk, into: &chunkValue),
            frame.optionalInt(timestamp, into: &timestampValue)
        else { return nil }
        return TelnyxMedia(
            sequenceNumber: seq,
            streamId: streamId.map { frame.text($0) },
            track: track.map { frame.matches($0, "inbound") ? "inbound" : frame.text($0) } ?? "inbound",
            chunk: chunkValue,
            timestamp: timestampValue,
            payload: frame.text(payload)
        )
    }
}
