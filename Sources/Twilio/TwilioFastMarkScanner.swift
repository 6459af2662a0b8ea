import WireJSON

/// Hot-path scanner for Twilio `mark` echoes (one per chunk of agent audio played).
///
/// Same contract as ``TwilioFastMediaScanner``: a JSON object in any key order whose values are
/// escape-free strings, plus the nested `mark` object; nil for anything else, and the caller falls back
/// to `JSONDecoder`, which gives the precise error.
enum TwilioFastMarkScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TwilioMark? {
        var scanner = FlatJSONCursor(bytes: bytes)
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamSid: Range<Int>?
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
            } else if cursor.matches(key, "sequenceNumber") {
                sequence = value
            } else if cursor.matches(key, "streamSid") {
                streamSid = value
            }
            return true
        }
        scanner.skipWhitespace()
        guard outerOK, scanner.atEnd,
            let event, scanner.matches(event, "mark"),
            let sequence, let seq = scanner.int(sequence),
            let streamSid, let name
        else { return nil }
        return TwilioMark(sequenceNumber: seq, streamSid: scanner.text(streamSid), name: scanner.text(name))
    }
}
