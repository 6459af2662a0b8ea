/// A measurement stamp carried inside the audio itself: which call sent the frame, its sequence number
/// and the send time on the bench's monotonic clock. The server forwards audio base64 untouched, so the
/// stamp arrives intact at the other end of the path.
///
/// Encoding: 75 bits in the first 15 μ-law bytes of a frame, 5 bits per byte, using only μ-law codes of
/// the lowest segment (|sample| ≤ 120), so a stamp never makes silence look like speech to a VAD.
/// 15 bytes are a multiple of 3: the stamp's base64 is exactly the first 20 characters of the frame's.
public struct FrameStamp: Sendable, Equatable {
    /// The call index (``FrameStamp/unknownCall`` for agent audio, which the phone attributes itself).
    public var call: UInt16
    /// Per-call (or per-session) frame number, 20 bits.
    public var sequence: UInt32
    /// Send time in microseconds since the bench started, 36 bits (19 hours).
    public var micros: UInt64

    /// The call field of stamps whose call the sender does not know.
    public static let unknownCall: UInt16 = 0xFFFF
    /// Bytes of μ-law the stamp occupies at the start of a frame.
    public static let byteCount = 15
    /// Base64 characters of those bytes.
    public static let base64Count = 20

    static let magic: UInt128 = 0b101
    static let sequenceMask: UInt32 = (1 << 20) - 1
    static let microsMask: UInt64 = (1 << 36) - 1

    /// A stamp; `sequence` and `micros` are truncated to their widths.
    public init(call: UInt16, sequence: UInt32, micros: UInt64) {
        self.call = call
        self.sequence = sequence & Self.sequenceMask
        self.micros = micros & Self.microsMask
    }

    private var packed: UInt128 {
        Self.magic << 72 | UInt128(call) << 56 | UInt128(sequence) << 36 | UInt128(micros)
    }

    /// Writes the 15 stamp bytes into `bytes[0..<15]`.
    public func write(into bytes: inout [UInt8]) {
        let value = packed
        for index in 0..<Self.byteCount {
            let group = UInt8(truncatingIfNeeded: value >> (5 * UInt128(Self.byteCount - 1 - index))) & 31
            // Lowest μ-law segment: 0xF0…0xFF (positive) or 0x70…0x7F (negative), mantissa in the low nibble.
            bytes[index] = (group & 16 != 0 ? 0x70 : 0xF0) | (group & 15)
        }
    }

    /// The 15 stamp bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        write(into: &out)
        return out
    }

    /// Reads a stamp from the first 15 bytes; nil if they are not a stamp.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count >= Self.byteCount else { return nil }
        var value: UInt128 = 0
        for byte in bytes.prefix(Self.byteCount) {
            guard byte & 0x70 == 0x70 else { return nil }
            let group = (byte & 0x80 == 0 ? 16 : 0) | (byte & 15)
            value = value << 5 | UInt128(group)
        }
        guard value >> 72 == Self.magic else { return nil }
        self.init(
            call: UInt16(truncatingIfNeeded: value >> 56), sequence: UInt32(truncatingIfNeeded: value >> 36),
            micros: UInt64(truncatingIfNeeded: value))
    }

    /// The 20 base64 characters of the stamp bytes.
    public var base64: [UInt8] { Base64Lite.encode(bytes) }

    /// Reads a stamp from the first 20 base64 characters of a payload.
    public init?(base64Prefix utf8: some Collection<UInt8>) {
        guard utf8.count >= Self.base64Count, let raw = Base64Lite.decode(utf8.prefix(Self.base64Count)) else { return nil }
        self.init(bytes: raw)
    }
}
