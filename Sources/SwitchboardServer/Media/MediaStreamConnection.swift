import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// A phone leg whose WebSocket close goes through the handler that owns the close handshake.
protocol MediaStreamCloser: Sendable {
    /// Waits for the leg's `close()` (after its queued frames) and sends the close frame; returns at once
    /// when the stream ends without one.
    func runCloser(outbound: WebSocketOutboundWriter) async
}

/// Runs one upgraded carrier media stream: puts a ``MediaFrameTap`` with the carrier's reader into the
/// socket's pipeline, then waits in the WebSocket handler's task — which sees only control frames and
/// the tap's markers — until the stream ends; the frames themselves are handled on the event loop.
enum MediaStreamConnection {
    /// Largest message accepted (carriers' media frames are well under 1 KiB).
    static let maxMessageSize = 64 * 1024

    /// - Parameter makeReader: Called once on the socket's event loop; its argument hands the call's
    ///   phone leg to this task, which runs the leg's close.
    static func run<Reader: MediaStreamReader>(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, carrier: String, logger: Logger,
        makeReader: @escaping @Sendable (_ handOverLeg: @escaping @Sendable (any MediaStreamCloser) -> Void) -> Reader
    ) async {
        let (legs, legSink) = AsyncStream.makeStream(of: (any MediaStreamCloser).self)
        let tap: NIOLoopBound<MediaFrameTap<Reader>>
        do {
            tap = try await channel.eventLoop.submit {
                let tap = MediaFrameTap(reader: makeReader { legSink.yield($0) })
                let operations = channel.pipeline.syncOperations
                let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
                let aggregator = NIOWebSocketFrameAggregator(
                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256, maxAccumulatedFrameSize: maxMessageSize)
                try operations.addHandler(aggregator, position: .after(decoder))
                try operations.addHandler(tap, position: .after(aggregator))
                return NIOLoopBound(tap, eventLoop: channel.eventLoop)
            }.get()
        } catch {
            logger.error("\(carrier) media: could not set up the stream's pipeline: \(error); closing it")
            return
        }
        let liveMarker = ByteBuffer(bytes: MediaFrameTap<Reader>.liveMarker)
        let endMarker = ByteBuffer(bytes: MediaFrameTap<Reader>.endMarker)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await leg in legs {
                    await leg.runCloser(outbound: outbound)
                    return
                }
            }
            do {
                reading: for try await message in inbound.messages(maxSize: maxMessageSize) {
                    switch message {
                    case .text(let text):
                        // Applied before the next frame is read, so a close behind it cannot overtake it.
                        try await channel.eventLoop.submit { tap.value.receiveEarly(text) }.get()
                    case .binary(let data) where data == liveMarker:
                        channel.eventLoop.execute { tap.value.goLive() }
                    case .binary(let data) where data == endMarker:
                        break reading
                    case .binary:
                        try await channel.eventLoop.submit { tap.value.rejectEarlyBinaryFrame() }.get()
                    }
                }
            } catch {
                try? await channel.eventLoop.submit { tap.value.readFailed(error) }.get()
            }
            try? await channel.eventLoop.submit { tap.value.end(now: true) }.get()
            legSink.finish()
            group.cancelAll()
        }
    }
}

extension DirectPhoneLeg: MediaStreamCloser {
    /// The close, given 5 s for the carrier's answer (Hummingbird's own close timeout on these sockets).
    func runCloser(outbound: WebSocketOutboundWriter) async {
        await runCloser(outbound: outbound, closeTimeout: .seconds(5))
    }
}
