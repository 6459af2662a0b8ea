/// A chunk of μ-law 8 kHz audio as it travels on the wire: base64 text, forwarded untouched between the
/// carrier and the agent. `byteCount` is the decoded length, which the core needs for playback bookkeeping.
public struct AudioPayload: Sendable, Equatable {
    /// The base64 text exactly as received.
    public var base64: String
    /// Number of decoded μ-law bytes (8 per millisecond).
    public var byteCount: Int

    public init(base64: String, byteCount: Int) {
        self.base64 = base64
        self.byteCount = byteCount
    }

    /// A payload whose decoded length is computed from the base64 text (padding aware).
    public init(base64: String) {
        self.base64 = base64
        self.byteCount = AudioPayload.decodedLength(ofBase64: base64)
    }

    /// Playback length of this chunk.
    public var milliseconds: Milliseconds { muLawMilliseconds(byteCount: byteCount) }

    /// Decoded byte length of standard base64 text without decoding it.
    public static func decodedLength(ofBase64 text: String) -> Int {
        let utf8 = text.utf8
        let count = utf8.count
        guard count >= 4 else { return 0 }
        var padding = 0
        var index = utf8.index(before: utf8.endIndex)
        if utf8[index] == UInt8(ascii: "=") {
            padding += 1
            index = utf8.index(before: index)
            if utf8[index] == UInt8(ascii: "=") { padding += 1 }
        }
        return count / 4 * 3 - padding
    }
}
