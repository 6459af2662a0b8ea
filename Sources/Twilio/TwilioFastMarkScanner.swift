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
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamSid: Range<Int>?
        var name: Range<Int>?
        let parsed = scanner.envelope(
            nested: "mark",
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
                if frame.matches(key, "name") { name = value }
            })
        guard parsed,
            let event, frame.matches(event, "mark"),
            let sequence, let seq = frame.int(sequence),
            let streamSid, let name
        else { return nil }
        return TwilioMark(sequenceNumber: seq, streamSid: frame.text(streamSid), name: frame.text(name))
    }
}
