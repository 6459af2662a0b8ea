import Foundation
import NIOCore
import WSClient

/// One connected media stream of a fake call: the reader, the writer, the REST command relay and the
/// clock-driven 20 ms loop (caller frames, playback, script) — all children of one task group.
actor FakePhoneSession {
    private enum Child { case reader, timer, other }

    let core: FakePhoneCallCore
    let configuration: FakeTwilioPhoneConfiguration
    let customParameters: [String: String]
    let commands: AsyncStream<FakeTwilioRemoteCommand>
    let outbound: AsyncStream<FakeOutboundFrame>
    let webhooks: FakeTwilioWebhooks
    let registry: FakeTwilioCallRegistry?

    private var endReason: FakeCallEndReason?
    private var callbackPosted = false
    private var phoneClosed = false

    init(
        core: FakePhoneCallCore, configuration: FakeTwilioPhoneConfiguration, customParameters: [String: String],
        commands: AsyncStream<FakeTwilioRemoteCommand>, outbound: AsyncStream<FakeOutboundFrame>, webhooks: FakeTwilioWebhooks,
        registry: FakeTwilioCallRegistry?
    ) {
        self.core = core
        self.configuration = configuration
        self.customParameters = customParameters
        self.commands = commands
        self.outbound = outbound
        self.webhooks = webhooks
        self.registry = registry
    }

    /// Runs the stream until the call ends; the socket is closed when this returns.
    func run(inbound: WebSocketInboundStream, outbound writer: WebSocketOutboundWriter) async {
        let core = self.core
        let commands = self.commands
        await core.record(.socketOpened)
        await core.sendStart(
            customParameters: customParameters, junkBeforeStart: configuration.junkBeforeStart,
            junkAfterStart: configuration.junkAfterStart)
        await withTaskGroup(of: Child.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 22) { await core.receive(message) }
                } catch {}
                await core.markServerClosed()
                return .reader
            }
            group.addTask {
                for await command in commands { await core.deliver(command) }
                return .other
            }
            group.addTask {
                await self.drive()
                return .other
            }
            // The writer: the only place that writes to the socket, in the order the core decided.
            for await frame in self.outbound {
                switch frame {
                case .text(let text):
                    do { try await writer.write(.text(text)) } catch { continue }
                case .binary(let bytes):
                    do { try await writer.write(.binary(ByteBuffer(bytes: bytes))) } catch { continue }
                }
            }
            if await !core.serverClosed {
                try? await writer.close(.normalClosure, reason: nil)
                phoneClosed = true
            }
            // Let the reader see what the server sent between our stop and its close reply (bounded).
            group.addTask {
                try? await Task.sleep(for: .seconds(1))
                return .timer
            }
            while let child = await group.next() {
                if child == .reader || child == .timer { break }
            }
            group.cancelAll()
        }
    }

    /// The clock-driven loop: one tick every 20 ms against absolute deadlines (no drift).
    private func drive() async {
        var runner = CallerScriptRunner(configuration.script)
        let clock = ContinuousClock()
        let endAt = clock.now + configuration.maxDuration
        var deadline = clock.now
        while true {
            deadline += .milliseconds(20)
            do {
                try await clock.sleep(until: deadline, tolerance: .milliseconds(1))
            } catch {
                await end(.maxDuration, stop: false)
                return
            }
            let bot = await core.tick()
            if await core.serverClosed {
                await core.record(.socketClosedByServer)
                await end(.serverClosedSocket, stop: false)
                return
            }
            if let command = await core.pendingCommand {
                switch command {
                case .hangUp:
                    await core.record(.hangupByREST)
                    await end(.hangupByREST, stop: true)
                case .transfer(let twiml):
                    await core.record(.transferByREST(twiml: twiml))
                    await end(.transferByREST, stop: true)
                }
                return
            }
            if clock.now >= endAt {
                await core.record(.maxDurationReached)
                await end(.maxDuration, stop: true)
                return
            }
            let output = runner.tick(bot)
            await core.record(output.events)
            if output.hangUp {
                await core.record(.callerHungUp)
                await end(.callerHungUp, stop: true)
                return
            }
            if let digit = output.dtmf { await core.sendDTMF(digit) }
            await core.sendMedia(output.audio)
        }
    }

    private func end(_ reason: FakeCallEndReason, stop: Bool) async {
        endReason = reason
        if reason == .transferByREST {
            await registry?.streamEnded(callSid: core.callSid)
        } else {
            await registry?.callEnded(callSid: core.callSid)
        }
        if stop && reason != .transferByREST && configuration.statusCallbackTiming == .beforeStop {
            await postCallback()
        }
        if stop {
            await core.stopAndClose()
        } else {
            await core.closeWithoutStop()
        }
    }

    private func postCallback() async {
        guard !callbackPosted else { return }
        callbackPosted = true
        let status = await webhooks.postCompleted()
        await core.record(.statusCallbackPosted(httpStatus: status))
    }

    /// Called when the socket could not be used at all: the call ends for the registry.
    func abandon() async {
        await registry?.callEnded(callSid: core.callSid)
    }

    /// After the socket closed: the status callback (unless transferred) and the result.
    func finish(streamURL: String) async -> FakeCallResult {
        if phoneClosed { await core.record(.socketClosedByPhone) }
        let reason = endReason ?? .serverClosedSocket
        if endReason == nil {
            await core.record(.socketClosedByServer)
            await registry?.callEnded(callSid: core.callSid)
        }
        if reason != .transferByREST {
            switch configuration.statusCallbackTiming {
            case .afterStop, .beforeStop:
                await postCallback()
            case .delayedAfterStop(let milliseconds):
                try? await Task.sleep(for: .milliseconds(milliseconds))
                await postCallback()
            case .never:
                break
            }
        }
        return await core.result(streamURL: streamURL, customParameters: customParameters, endReason: reason)
    }
}
