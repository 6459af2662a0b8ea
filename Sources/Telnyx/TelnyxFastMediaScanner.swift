import WireJSON

/// Hot-path scanner for Telnyx `media` frames.
///
/// Accepts a JSON object in any key order whose values are escape-free strings, plus the nested
/// `media` object. Returns nil for anything else (other events, escapes, numbers, malformed
/// input); the caller then falls back to `JSONDecoder`, which gives the precise error.
enum TelnyxFastMediaScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TelnyxMedia? {
        var scanner = FlatJSONCursor(bytes: bytes)
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamId: Range<Int>?
        var track: Range<Int>?
        var chunk: Range<Int>?
        var timestamp: Range<Int>?
        var payload: Range<Int>?

        let outerOK = scanner.object { key, cursor in
            if cursor.peek == UInt8(ascii: "{") {
                guard cursor.matches(key, "media") else { return false }
                return cursor.object { innerKey, inner in
                    guard let value = inner.string() else { return false }
                    if inner.matches(innerKey, "payload") {
                        payload = value
                    } else if inner.matches(innerKey, "track") {
                        track = value
                    } else if inner.matches(innerKey, "chunk") {
                        chunk = value
                    } else if inner.matches(innerKey, "timestamp") {
                        timestamp = value
                    }
                    return true
                }
            }
            guard let value = cursor.string() else { return false }
            if cursor.matches(key, "event") {
                event = value
            } else if cursor.matches(key, "sequence_number") {
                sequence = value
            } else if cursor.matches(key, "stream_id") {
                streamId = value
            }
            return true
        }
        scanner.skipWhitespace()
        guard outerOK, scanner.atEnd,
            let event, scanner.matches(event, "media"),
            let sequence, let seq = scanner.int(sequence),
            let payload
        else { return nil }
        // Present-but-unparseable counters go to the slow path, which reports them.
        var chunkValue: Int?
        if let chunk {
            guard let value = scanner.int(chunk) else { return nil }
            chunkValue = value
        }
        var timestampValue: Int?
        if let timestamp {
            guard let value = scanner.int(timestamp) else { return nil }
            timestampValue = value
        }
        return TelnyxMedia(
            sequenceNumber: seq,
            streamId: streamId.map { scanner.text($0) },
            track: track.map { scanner.matches($0, "inbound") ? "inbound" : scanner.text($0) } ?? "inbound",
            chunk: chunkValue,
            timestamp: timestampValue,
            payload: scanner.text(payload)
        )
    }
}
