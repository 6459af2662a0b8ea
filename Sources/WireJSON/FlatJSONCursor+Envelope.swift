extension FlatJSONCursor {
    /// Scans the whole frame as a carrier event envelope: `{ "key": "value", …, "<nested>": { "key":
    /// "value", … } }`, keys in any order, escape-free string values only, at most one nested object
    /// and it must be named `nested`. The `event`, `sequenceKey` and `streamKey` members land in `header`;
    /// `inner` sees each nested member's key and value ranges.
    /// False for any other shape or trailing bytes (the caller then falls back to a full decoder).
    @inlinable public mutating func envelope(
        nested: StaticString, sequenceKey: StaticString, streamKey: StaticString, header: inout EnvelopeHeader,
        inner: (_ key: Range<Int>, _ value: Range<Int>) -> Void
    ) -> Bool {
        let parsed = object { key, cursor in
            if cursor.peek == UInt8(ascii: "{") {
                guard cursor.matches(key, nested) else { return false }
                return cursor.object { innerKey, innerCursor in
                    guard let value = innerCursor.string() else { return false }
                    inner(innerKey, value)
                    return true
                }
            }
            guard let value = cursor.string() else { return false }
            if cursor.matches(key, "event") {
                header.event = value
            } else if cursor.matches(key, sequenceKey) {
                header.sequence = value
            } else if cursor.matches(key, streamKey) {
                header.stream = value
            }
            return true
        }
        skipWhitespace()
        return parsed && atEnd
    }

    /// ``envelope(nested:sequenceKey:streamKey:header:inner:)`` for a `media` frame: the nested object's
    /// members land in `media`.
    @inlinable public mutating func mediaEnvelope(
        sequenceKey: StaticString, streamKey: StaticString, header: inout EnvelopeHeader, media: inout MediaMembers
    ) -> Bool {
        let frame = self
        return envelope(nested: "media", sequenceKey: sequenceKey, streamKey: streamKey, header: &header) { key, value in
            media.take(key, value, in: frame)
        }
    }

    /// An optional counter: true with `value` nil when absent or parsed when present; false when present
    /// but not a non-negative integer (the slow path then reports it).
    @inlinable public func optionalInt(_ range: Range<Int>?, into value: inout Int?) -> Bool {
        guard let range else {
            value = nil
            return true
        }
        guard let parsed = int(range) else { return false }
        value = parsed
        return true
    }
}
