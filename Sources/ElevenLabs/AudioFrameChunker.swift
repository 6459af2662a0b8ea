import NIOCore

/// Re-chunks a byte stream with arbitrary boundaries into whole frames (e.g. 160 bytes = 20 ms of μ-law),
/// carrying the remainder between pushes. Value type, no I/O.
public struct AudioFrameChunker: Sendable {
    /// Size of one frame; every chunk `push` returns is a multiple of it.
    public let frameBytes: Int
    /// Sample size; `flush` drops a trailing partial sample (an odd byte of 16-bit PCM).
    public let sampleBytes: Int
    private var carry: ByteBuffer

    /// Bytes held back, waiting to complete a frame.
    public var pendingBytes: Int { carry.readableBytes }

    public init(frameBytes: Int, sampleBytes: Int = 1) {
        self.frameBytes = max(1, frameBytes)
        self.sampleBytes = max(1, sampleBytes)
        self.carry = ByteBuffer()
    }

    /// Adds bytes; returns the largest whole number of frames now available, or nil if less than one frame.
    public mutating func push(_ bytes: ByteBuffer) -> ByteBuffer? {
        var bytes = bytes
        if carry.readableBytes == 0 {
            let whole = bytes.readableBytes - bytes.readableBytes % frameBytes
            guard let out = bytes.readSlice(length: whole), whole > 0 else {
                carry.writeBuffer(&bytes)
                return nil
            }
            if bytes.readableBytes > 0 { carry.writeBuffer(&bytes) }
            return out
        }
        carry.writeBuffer(&bytes)
        let whole = carry.readableBytes - carry.readableBytes % frameBytes
        guard whole > 0, let out = carry.readSlice(length: whole) else { return nil }
        var rest = ByteBuffer()
        rest.writeBuffer(&carry)
        carry = rest
        return out
    }

    /// Returns what is left (less than one frame, trimmed to whole samples), or nil if nothing.
    public mutating func flush() -> ByteBuffer? {
        let usable = carry.readableBytes - carry.readableBytes % sampleBytes
        defer { carry = ByteBuffer() }
        guard usable > 0 else { return nil }
        return carry.readSlice(length: usable)
    }
}
