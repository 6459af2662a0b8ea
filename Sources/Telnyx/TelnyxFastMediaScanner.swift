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
        var header = EnvelopeHeader()
        var media = MediaMembers()
        let parsed = scanner.mediaEnvelope(sequenceKey: "sequence_number", streamKey: "stream_id", header: &header, media: &media)
        // Present-but-unparseable counters go to the slow path, which reports them.
        var chunkValue: Int?
        var timestampValue: Int?
        guard parsed,
            let event = header.event, frame.matches(event, "media"),
            let sequence = header.sequence, let seq = frame.int(sequence),
            let payload = media.payload,
            frame.optionalInt(media.chunk, into: &chunkValue),
            frame.optionalInt(media.timestamp, into: &timestampValue)
        else { return nil }
        return TelnyxMedia(
            sequenceNumber: seq,
            streamId: header.stream.map { frame.text($0) },
            track: media.track.map { frame.matches($0, "inbound") ? "inbound" : frame.text($0) } ?? "inbound",
            chunk: chunkValue,
            timestamp: timestampValue,
            payload: frame.text(payload)
        )
    }
}
