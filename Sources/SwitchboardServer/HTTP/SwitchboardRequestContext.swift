import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route: Hummingbird's WebSocket-capable context plus the connection's
/// channel, so a media-stream upgrade can size the socket for a long-lived call.
struct SwitchboardRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    /// The HTTP connection (becomes the media WebSocket when upgraded).
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}

/// Socket settings of a carrier media stream, applied when its upgrade is accepted.
enum MediaStreamSocket {
    /// Receive buffers grow with bursts up to this, not NIO's default 64 KiB: a live call keeps its
    /// buffer, and media frames are a few hundred bytes.
    static let receiveBufferLimit = 4 * 1024

    /// Above this many unwritten bytes the stream is stalled (≈ 2,000 frames of 20 ms audio, 40 s).
    static let writeHighWaterMark = 640 * 1024

    /// Bounds the receive buffer of an accepted media stream's connection and sets the unwritten bytes at
    /// which ``DirectPhoneLeg`` reports the stream stalled.
    static func prepare(_ channel: any Channel) async {
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 2_048, maximum: receiveBufferLimit)
        try? await channel.setOption(ChannelOptions.recvAllocator, value: allocator).get()
        try? await channel.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: writeHighWaterMark / 2, high: writeHighWaterMark)).get()
    }
}
