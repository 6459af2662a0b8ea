import NIOCore
import NIOPosix
import Testing

extension EndToEnd {
/// The media-stream upgrade on a real socket: refused upgrades are answered 400 and touch nothing; an
/// accepted stream answers pings and runs the close handshake on its event loop.
@Suite("Media stream upgrades")
struct MediaUpgradeTests {
    @Test func refusedUpgradesAreAnswered400AndCallsGoOn() async throws {
        try await withE2E { context in
            let unsigned = try await RawSocket.connect(to: context.serverURL)
            try await unsigned.send(RawSocket.upgradeRequest(path: "/twilio/media"))
            #expect(try await unsigned.readText(until: "\r\n\r\n").hasPrefix("HTTP/1.1 400"), "no X-Twilio-Signature")
            let elsewhere = try await RawSocket.connect(to: context.serverURL)
            try await elsewhere.send(RawSocket.upgradeRequest(path: "/healthz"))
            #expect(try await elsewhere.readText(until: "\r\n\r\n").hasPrefix("HTTP/1.1 400"), "not a media path")
            #expect(context.logs.lines.contains { $0.message.contains("twilio media: upgrade refused") })
            await unsigned.close()
            await elsewhere.close()

            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
        }
    }

    @Test func anUpgradedStreamAnswersPingsAndTheCloseHandshake() async throws {
        try await withE2E { context in
            let socket = try await RawSocket.connect(to: context.serverURL)
            try await socket.send(RawSocket.upgradeRequest(path: "/telnyx/media?from=test"))
            let response = try await socket.readText(until: "\r\n\r\n")
            #expect(response.hasPrefix("HTTP/1.1 101"), "\(response)")
            #expect(response.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "\(response)")

            try await socket.send(RawSocket.maskedFrame(opcode: 0x9, payload: Array("are you there".utf8)))
            #expect(try await socket.read(count: 15) == [0x8A, 13] + Array("are you there".utf8), "pong, unmasked, same payload")

            try await socket.send(RawSocket.maskedFrame(opcode: 0x8, payload: [0x03, 0xE9]))
            #expect(try await socket.read(count: 4) == [0x88, 2, 0x03, 0xE8], "the close answered with 1000")
            #expect(try await socket.readToEnd().isEmpty, "then the server closes the connection")
            await socket.close()
        }
    }
}
}

/// A bare TCP client for upgrade requests and hand-made WebSocket frames, on loopback; reads are bounded
/// by the harness's timeout.
final class RawSocket {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        inbound = channel.inbound.makeAsyncIterator()
    }

    static func connect(to serverURL: String) async throws -> RawSocket {
        let port = try #require(Int(serverURL.split(separator: ":").last ?? ""))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return RawSocket(channel: channel)
    }

    /// A client's upgrade request with RFC 6455's sample key.
    static func upgradeRequest(path: String) -> [UInt8] {
        Array(("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
    }

    /// One final frame, masked as a client must (payload under 126 bytes).
    static func maskedFrame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        return [0x80 | opcode, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.outbound.write(ByteBuffer(bytes: bytes))
    }

    func read(count: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count, let chunk = try await inbound.next() { bytes += chunk.readableBytesView }
        return bytes
    }

    func readText(until terminator: String) async throws -> String {
        var bytes: [UInt8] = []
        while !String(decoding: bytes, as: UTF8.self).contains(terminator), let chunk = try await inbound.next() {
            bytes += chunk.readableBytesView
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Everything until the server closes the connection.
    func readToEnd() async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try await inbound.next() { bytes += chunk.readableBytesView }
        return bytes
    }

    func close() async {
        try? await channel.channel.close()
    }
}
