import WireJSON

/// Hot-path scanner for Telnyx `mark` echoes: the server sends a mark after every chunk of agent audio,
/// so while the agent speaks one comes back every 20 ms per call.
///
/// Same contract as ``TelnyxFastMediaScanner``: a JSON object in any key order whose values are
/// escape-free strings, plus the nested `mark` object; nil for anything else, and the caller falls back
/// to `JSONDecoder`, which gives the precise error.
enum TelnyxFastMarkScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TelnyxMark? {
        let frame = FlatJSONCursor(bytes: bytes)
        var scanner = frame
        var header = EnvelopeHeader()
        var name: Range<Int>?
        let parsed = scanner.envelope(
            nested: "mark", sequenceKey: "sequence_number", streamKey: "stream_id", header: &header,
            inner: { key, value in if frame.matches(key, "name") { name = value } })
        // A present-but-unparseable counter goes to the slow path, which reports it.
        var sequenceValue: Int?
        guard parsed, let event = header.event, frame.matches(event, "mark"), let name,
            frame.optionalInt(header.sequence, into: &sequenceValue)
        else {
            return nil
        }
        return TelnyxMark(sequenceNumber: sequenceValue, streamId: header.stream.map { frame.text($0) }, name: frame.text(name))
    }
}
