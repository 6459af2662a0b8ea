import WireJSON

/// Hot-path scanner for Twilio `media` frames.
///
/// Accepts a JSON object in any key order whose values are escape-free strings, plus the nested
/// `media` object. Returns nil for anything else (other events, escapes, numbers, malformed
/// input); the caller then falls back to `JSONDecoder`, which gives the precise error.
enum TwilioFastMediaScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TwilioMedia? {
        var scanner = FlatJSONCursor(bytes: bytes)
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamSid: Range<Int>?
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
            } else if cursor.matches(key, "sequenceNumber") {
                sequence = value
            } else if cursor.matches(key, "streamSid") {
                streamSid = value
            }
            return true
        }
        scanner.skipWhitespace()
        guard outerOK, scanner.atEnd,
            let event, scanner.matches(event, "media"),
            let sequence, let seq = scanner.int(sequence),
            let streamSid, let chunk, let chunkValue = scanner.int(chunk),
            let timestamp, let timestampValue = scanner.int(timestamp),
            let payload
        else { return nil }
        return TwilioMedia(
            sequenceNumber: seq,
            streamSid: scanner.text(streamSid),
            track: track.map { Self.track($0, in: scanner) } ?? .inbound,
            chunk: chunkValue,
            timestamp: timestampValue,
            payload: scanner.text(payload)
        )
    }

    static func track(_ range: Range<Int>, in scanner: FlatJSONCursor) -> TwilioTrack {
        if scanner.matches(range, "inbound") { return .inbound }
        if scanner.matches(range, "outbound") { return .outbound }
        return TwilioTrack(rawValue: scanner.text(range))
    }
}
