/// The top-level members every carrier event envelope's scanner keeps: the `event` name, the frame's
/// sequence counter and its stream id (their keys differ per carrier: `sequenceNumber`/`streamSid` on
/// Twilio, `sequence_number`/`stream_id` on Telnyx).
public struct EnvelopeHeader {
    public var event: Range<Int>?
    public var sequence: Range<Int>?
    public var stream: Range<Int>?

    @inlinable public init() {}
}

/// The nested `media` object's members, named the same on Twilio and Telnyx.
public struct MediaMembers {
    public var track: Range<Int>?
    public var chunk: Range<Int>?
    public var timestamp: Range<Int>?
    public var payload: Range<Int>?

    @inlinable public init() {}

    /// Keeps `value` if `key` is one of the media members (`payload` first: it is the one always sent).
    @inlinable public mutating func take(_ key: Range<Int>, _ value: Range<Int>, in frame: FlatJSONCursor) {
        if frame.matches(key, "payload") {
            payload = value
        } else if frame.matches(key, "track") {
            track = value
        } else if frame.matches(key, "chunk") {
            chunk = value
        } else if frame.matches(key, "timestamp") {
            timestamp = value
        }
    }
}
