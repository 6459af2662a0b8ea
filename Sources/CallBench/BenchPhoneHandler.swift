import NIOCore
import ProviderFakes
import NIOWebSocket

/// The connected media stream of one load phone, on its socket's event loop: every 20 ms (at the
/// call's phase) it plays 20 ms, echoes the marks reached, and sends one stamped caller frame; server
/// messages are applied as they are read; the carrier's hangup (from the REST fake) sends `stop` and
/// closes. No task and no async stream per frame — the load side must cost less than the server it
/// measures. The frames are written in the carrier's `Dialect`, masked as a client's must be.
final class BenchPhoneHandler<Dialect: BenchMediaDialect>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// How the stream ended.
    struct Result: Sendable {
        var completed = false
        /// The carrier's REST API took the server's hangup (not the phone's own deadline or a dropped socket).
        var hungUpByServer = false
        var cutoff: UInt32?
    }

    static var tickInterval: TimeAmount { .milliseconds(20) }
    /// Calls are spread over the 20 ms in 1 ms phases, so their frames do not leave in one burst.
    static var phases: Int { 20 }

    private let index: Int
    private let call: UInt16
    private let dialect: Dialect
    private let context: BenchPhoneContext
    private var plan: BenchCallerPlan
    private var playback = BenchPlayback()
    private var dueMarks: [String] = []
    private var sequenceNumber = 0
    private var frame: UInt32 = 0
    private var frameAtLastEcho: UInt32?
    private var result = Result()
    private let finished: EventLoopPromise<Result>
    private var channelContext: ChannelHandlerContext?
    private var nextTick: NIODeadline = .now()
    private var tickTask: Scheduled<Void>?
    private var deadline: NIODeadline = .distantFuture
    private var closing = false
    private var didFinish = false
    private var masks: SplitMixMasks

    init(index: Int, dialect: Dialect, plan: BenchCallerPlan, context: BenchPhoneContext, finished: EventLoopPromise<Result>) {
        self.index = index
        self.call = UInt16(truncatingIfNeeded: index)
        self.dialect = dialect
        self.plan = plan
        self.context = context
        self.finished = finished
        self.masks = SplitMixMasks(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channelContext = context
    }

    /// The upgrade is complete (NIO's upgrade handler fails writes until then): `connected`, `start`, and
    /// the first tick at this call's phase.
    func begin() {
        guard let context = channelContext, !closing else { return }
        for text in dialect.opening() { write(text) }
        context.flush()
        sequenceNumber = 1  // `start` was the first counted frame
        // First tick at this call's phase of the 20 ms grid.
        deadline = context.eventLoop.now + TimeAmount(self.context.maxCallDuration)
        let now = context.eventLoop.now.uptimeNanoseconds
        let interval = UInt64(Self.tickInterval.nanoseconds)
        let phase = UInt64(index % Self.phases) * interval / UInt64(Self.phases)
        let gridStart = now - now % interval
        var first = gridStart + phase
        if first <= now { first += interval }
        nextTick = NIODeadline.uptimeNanoseconds(first)
        scheduleTick(on: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tickTask?.cancel()
        channelContext = nil
        finish()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tickTask?.cancel()
        finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            guard !closing else { return }
            received(String(buffer: frame.unmaskedData))
            context.flush()
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: masks.next(), data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            if !closing {
                closing = true
                var data = frame.unmaskedData
                let code = data.readInteger(as: UInt16.self) ?? 1000
                var reply = context.channel.allocator.buffer(capacity: 2)
                reply.writeInteger(code)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks.next(), data: reply)))
                    .whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)  // the server's reply to our close
            }
        default:
            break
        }
    }

    /// The carrier ends the stream on the server's REST hangup: `stop`, then the close handshake.
    func carrierHungUp() {
        guard !closing, let context = channelContext else { return }
        sequenceNumber += 1
        write(dialect.stop(sequence: sequenceNumber))
        result.hungUpByServer = true
        result.completed = plan.allTurnsTaken
        if let last = frameAtLastEcho { result.cutoff = last >= 5 ? last - 5 : nil }
        close(context: context)
    }

    /// The bench gave up on the call (its run was cancelled): close at once.
    func abandon() {
        closing = true
        tickTask?.cancel()
        channelContext?.close(promise: nil)
        finish()
    }

    private func received(_ text: String) {
        let collector = context.collector
        switch BenchServerMessage.parse(text) {
        case .media(let stamp, let bytes):
            if let stamp { collector.agentFrameArrived(stamp, call: index, at: collector.clock.micros()) }
            playback.appendAudio(bytes: bytes)
        case .mark(let name):
            if playback.appendMark(name) { echo(name) }
        case .clear:
            collector.clearReceived(call: index, at: collector.clock.micros())
            for name in playback.clear() { echo(name) }
        case .other:
            break
        }
    }

    private func tick() {
        guard !closing, let context = channelContext else { return }
        if context.eventLoop.now >= deadline { return close(context: context) }
        dueMarks.removeAll(keepingCapacity: true)
        let playing = playback.play(bytes: 160, marks: &dueMarks)
        for name in dueMarks { echo(name) }
        let speaking = plan.tick(playing: playing)
        sequenceNumber += 1
        let stamp = FrameStamp(call: call, sequence: frame, micros: self.context.collector.clock.micros())
        let payload = String(decoding: stamp.base64, as: UTF8.self) + (speaking ? self.context.frames.speechTail : self.context.frames.silenceTail)
        write(dialect.media(sequence: sequenceNumber, frame: frame, payload: payload))
        context.flush()
        self.context.collector.callerFrameSent(call: index)
        frame += 1
        // Absolute deadlines: a late tick is caught up, never skipped.
        nextTick = nextTick + Self.tickInterval
        scheduleTick(on: context.eventLoop)
    }

    private func scheduleTick(on loop: any EventLoop) {
        let handler = NIOLoopBound(self, eventLoop: loop)
        tickTask = loop.scheduleTask(deadline: nextTick) { handler.value.tick() }
    }

    private func echo(_ name: String) {
        sequenceNumber += 1
        context.collector.markEchoed(call: index, at: context.collector.clock.micros())
        frameAtLastEcho = frame
        write(dialect.mark(sequence: sequenceNumber, name: name))
    }

    private func write(_ text: String) {
        guard let context = channelContext else { return }
        let buffer = context.channel.allocator.buffer(string: text)
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: masks.next(), data: buffer)), promise: nil)
    }

    /// Our close (1000); the server's reply closes the socket, or 2 s pass.
    private func close(context: ChannelHandlerContext) {
        closing = true
        tickTask?.cancel()
        var code = context.channel.allocator.buffer(capacity: 2)
        code.writeInteger(UInt16(1000))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masks.next(), data: code)), promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    private func finish() {
        guard !didFinish else { return }
        didFinish = true
        finished.succeed(result)
    }
}

/// Cheap masking keys for the load phones (seeded SplitMix64, no syscall per frame; a client's keys must
/// vary, they need not be secret here).
struct SplitMixMasks {
    private var random: FakeTelnyxRandom
    init(seed: UInt64) { random = FakeTelnyxRandom(seed: seed) }

    mutating func next() -> WebSocketMaskingKey {
        let word = UInt32(truncatingIfNeeded: random.next())
        return [UInt8(word >> 24), UInt8((word >> 16) & 0xFF), UInt8((word >> 8) & 0xFF), UInt8(word & 0xFF)]
    }
}
