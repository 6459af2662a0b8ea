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
        var header = EnvelopeHeader()
        var media = MediaMembers()
        let parsed = scanner.mediaEnvelope(sequenceKey: "sequenceNumber", streamKey: "streamSid", header: &header, media: &media)
        guard parsed,
            let event = header.event, frame.matches(event, "media"),
            let sequence = header.sequence, let seq = frame.int(sequence),
            let streamSid = header.stream, let chunk = media.chunk, let chunkValue = frame.int(chunk),
            let timestamp = media.timestamp, let timestampValue = frame.int(timestamp),
            let payload = media.payload
        else { return nil }
        return TwilioMedia(
            sequenceNumber: seq,
            streamSid: frame.text(streamSid),
            track: media.track.map { Self.track($0, in: frame) } ?? .inbound,
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
