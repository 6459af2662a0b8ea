import WireJSON

/// Hot-path scanner for Twilio `mark` echoes (one per chunk of agent audio played).
///
/// Same contract as ``TwilioFastMediaScanner``: a JSON object in any key order whose values are
/// escape-free strings, plus the nested `mark` object; nil for anything else, and the caller falls back
/// to `JSONDecoder`, which gives the precise error.
enum TwilioFastMarkScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TwilioMark? {
        let frame = FlatJSONCursor(bytes: bytes)
        var scanner = frame
        var header = EnvelopeHeader()
        var name: Range<Int>?
        let parsed = scanner.envelope(
            nested: "mark", sequenceKey: "sequenceNumber", streamKey: "streamSid", header: &header,
            inner: { key, value in if frame.matches(key, "name") { name = value } })
        guard parsed,
            let event = header.event, frame.matches(event, "mark"),
            let sequence = header.sequence, let seq = frame.int(sequence),
            let streamSid = header.stream, let name
        else { return nil }
        return TwilioMark(sequenceNumber: seq, streamSid: frame.text(streamSid), name: frame.text(name))
    }
}
