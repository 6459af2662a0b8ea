import WireJSON

/// Hot-path scanner for Telnyx `mark` echoes: the server sends a mark after every chunk of agent audio,
/// so while the agent speaks one comes back every 20 ms per call.
///
/// Same contract as ``TelnyxFastMediaScanner``: a JSON object in any key order whose values are
/// escape-free strings, plus the nested `mark` object; nil for anything else, and the caller falls back
/// to `JSONDecoder`, which gives the precise error.
enum TelnyxFastMarkScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TelnyxMark? {
        var scanner = FlatJSONCursor(bytes: bytes)
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamId: Range<Int>?
        var name: Range<Int>?

        let outerOK = scanner.object { key, cursor in
            if cursor.peek == UInt8(ascii: "{") {
                guard cursor.matches(key, "mark") else { return false }
                return cursor.object { innerKey, inner in
                    guard let value = inner.string() else { return false }
                    if inner.matches(innerKey, "name") { name = value }
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
        guard outerOK, scanner.atEnd, let event, scanner.matches(event, "mark"), let name else { return nil }
        // A present-but-unparseable counter goes to the slow path, which reports it.
        var sequenceValue: Int?
        if let sequence {
            guard let value = scanner.int(sequence) else { return nil }
            sequenceValue = value
        }
        return TelnyxMark(sequenceNumber: sequenceValue, streamId: streamId.map { scanner.text($0) }, name: scanner.text(name))
    }
}
