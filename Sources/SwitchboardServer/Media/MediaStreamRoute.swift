import NIOCore
import NIOHTTP1
import NIOWebSocket

/// A carrier media-stream path that accepts WebSocket upgrades: whether an upgrade request is accepted,
/// and, once upgraded, the carrier's reader in a ``MediaStreamHandler`` at the end of the socket's pipeline.
struct MediaStreamRoute: Sendable {
    /// The request path, without query (`/twilio/media`).
    let path: String
    /// Checks an upgrade request (signature, token); false refuses it (400), after logging why.
    let accepts: @Sendable (HTTPRequestHead) -> Bool
    /// Adds the stream's handlers to the upgraded channel, on its event loop, before any frame is read.
    let install: @Sendable (HTTPRequestHead, any Channel) throws -> Void

    /// Largest message accepted (carriers' media frames are well under 1 KiB).
    static let maxMessageSize = 64 * 1024
    /// Receive buffers grow with bursts up to this, not NIO's default 64 KiB: a live call keeps its
    /// buffer, and media frames are a few hundred bytes.
    static let receiveBufferLimit = 4 * 1024
    /// Above this many unwritten bytes the stream is stalled (≈ 2,000 frames of 20 ms audio, 40 s).
    static let writeHighWaterMark = 640 * 1024

    /// A route whose accepted streams are read by `makeReader`'s reader (made on the socket's loop).
    static func carrier<Reader: MediaStreamReader>(
        path: String, accepts: @escaping @Sendable (HTTPRequestHead) -> Bool = { _ in true },
        makeReader: @escaping @Sendable (HTTPRequestHead, any Channel) -> Reader
    ) -> MediaStreamRoute {
        MediaStreamRoute(path: path, accepts: accepts) { head, channel in
            guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
            try options.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 2_048, maximum: receiveBufferLimit))
            try options.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: writeHighWaterMark / 2, high: writeHighWaterMark))
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(NIOWebSocketFrameAggregator(
                minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256, maxAccumulatedFrameSize: maxMessageSize))
            try operations.addHandler(MediaStreamHandler(reader: makeReader(head, channel)))
        }
    }

    /// Whether `head` asks for this route's path (any query is ignored).
    func matches(_ head: HTTPRequestHead) -> Bool {
        let uri = head.uri
        guard let query = uri.firstIndex(of: "?") else { return uri == path }
        return uri[..<query] == path
    }
}
