import Foundation
import WSClient

/// The connected media stream of one load phone: a reader child task feeds the call's inbox; the loop
/// applies ticks (play 20 ms, echo due marks, send one stamped caller frame), server messages and the
/// carrier's hangup, one at a time. The frames are written in the carrier's `Dialect`.
struct BenchPhoneSession<Dialect: BenchMediaDialect>: Sendable {
    let index: Int
    let dialect: Dialect
    let plan: BenchCallerPlan
    let context: BenchPhoneContext

    struct Result: Sendable {
        var completed = false
        /// The carrier's REST API took the server's hangup (not the phone's own deadline or a dropped socket).
        var hungUpByServer = false
        var cutoff: UInt32?
    }

    func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, inputs: AsyncStream<BenchPhoneInput>,
        inbox: AsyncStream<BenchPhoneInput>.Continuation
    ) async -> Result {
        var result = Result()
        var sequenceNumber = 0
        var frame: UInt32 = 0
        var plan = self.plan
        var playback = BenchPlayback()
        var dueMarks: [String] = []
        var frameAtLastEcho: UInt32?
        let collector = context.collector
        let clock = context.collector.clock
        let deadline = ContinuousClock.now + context.maxCallDuration
        let call = UInt16(truncatingIfNeeded: index)

        func send(_ text: String) async -> Bool {
            do {
                try await outbound.write(.text(text))
                return true
            } catch {
                return false
            }
        }
        func echo(_ name: String) async -> Bool {
            sequenceNumber += 1
            collector.markEchoed(call: index, at: clock.micros())
            frameAtLastEcho = frame
            return await send(dialect.mark(sequence: sequenceNumber, name: name))
        }

        for frame in dialect.opening() {
            guard await send(frame) else { return result }
        }
        sequenceNumber = 1  // `start` was the first counted frame
        context.ticker.subscribe(call: index, inbox)

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { inbox.yield(.message(text)) }
                    }
                } catch {}
                inbox.yield(.closed)
            }
            loop: for await input in inputs {
                switch input {
                case .tick:
                    if ContinuousClock.now >= deadline { break loop }
                    dueMarks.removeAll(keepingCapacity: true)
                    let playing = playback.play(bytes: 160, marks: &dueMarks)
                    for name in dueMarks { _ = await echo(name) }
                    let speaking = plan.tick(playing: playing)
                    sequenceNumber += 1
                    let stamp = FrameStamp(call: call, sequence: frame, micros: clock.micros())
                    let payload = String(decoding: stamp.base64, as: UTF8.self) + (speaking ? context.frames.speechTail : context.frames.silenceTail)
                    if await send(dialect.media(sequence: sequenceNumber, frame: frame, payload: payload)) { collector.callerFrameSent(call: index) }
                    frame += 1
                case .message(let text):
                    switch BenchServerMessage.parse(text) {
                    case .media(let stamp, let bytes):
                        if let stamp { collector.agentFrameArrived(stamp, call: index, at: clock.micros()) }
                        playback.appendAudio(bytes: bytes)
                    case .mark(let name):
                        if playback.appendMark(name) { _ = await echo(name) }
                    case .clear:
                        collector.clearReceived(call: index, at: clock.micros())
                        for name in playback.clear() { _ = await echo(name) }
                    case .other:
                        break
                    }
                case .hangup:
                    // The carrier ends the stream: `stop`, then the socket closes.
                    sequenceNumber += 1
                    _ = await send(dialect.stop(sequence: sequenceNumber))
                    result.hungUpByServer = true
                    result.completed = plan.allTurnsTaken
                    if let last = frameAtLastEcho { result.cutoff = last >= 5 ? last - 5 : nil }
                    break loop
                case .closed:
                    break loop
                }
            }
            context.ticker.unsubscribe(call: index)
            inbox.finish()
            group.cancelAll()
        }
        return result
    }
}
