import Foundation
import WSClient

/// The media socket side of the call core (telephony.md §5): frames out, frames in, the playback queue.
extension FakeTelnyxCallCore {
    // MARK: socket lifecycle

    /// The socket of stream `id` is open: sends `connected` and `start`, releases the webhooks drawn
    /// after "open the socket", and returns the frames to write (nil when the stream is gone).
    func streamOpened(_ id: String) -> AsyncStream<FakeOutboundFrame>? {
        guard !ended, var current = stream, current.id == id, !current.stopped else { return nil }
        let (frames, out) = AsyncStream.makeStream(of: FakeOutboundFrame.self, bufferingPolicy: .unbounded)
        current.out = out
        stream = current
        record(.socketOpened)
        var connected: [String: FakeTelnyxJSON] = ["event": .string("connected"), "version": .string("1.0.0")]
        if let token = current.request.authToken { connected["x-telnyx-streaming-auth-token"] = .string(token) }
        out.yield(.text(FakeTelnyxJSON.object(connected).text))
        let parameters = Dictionary(
            current.request.customParameters.map { ($0.name, FakeTelnyxJSON.string($0.value)) }, uniquingKeysWith: { _, last in last })
        send(
            [
                "event": .string("start"),
                "stream_id": .string(id),
                "start": .object([
                    "user_id": .string(userId),
                    "call_control_id": .string(identity.callControlId),
                    "call_session_id": .string(identity.callSessionId),
                    "from": .string(identity.from),
                    "to": .string(identity.to),
                    "tags": .array([]),
                    "client_state": clientState.map { .string($0) } ?? .null,
                    "custom_parameters": .object(parameters),
                    "media_format": .object([
                        "encoding": .string(current.request.encoding),
                        "sample_rate": .int(Self.sampleRate(current.request.encoding)),
                        "channels": .int(1),
                    ]),
                ]),
            ])
        record(.startSent)
        for junk in options.junkAfterStart { out.yield(.text(junk)) }
        for job in current.afterStart { enqueue(job) }
        stream?.afterStart = []
        return frames
    }

    static func sampleRate(_ encoding: String) -> Int {
        switch encoding {
        case "G722", "L16", "AMR-WB": 16000
        case "OPUS": 48000
        default: 8000
        }
    }

    /// The socket could not be opened: `streaming.failed`, and the stream is gone (the call goes on).
    func streamFailed(_ id: String, reason: String) async {
        guard let current = stream, current.id == id, !current.stopped else { return }
        stream?.stopped = true
        record(.streamFailed(reason: reason))
        await registryStreamEnded()
        guard !ended else { return }
        enqueue(
            FakeTelnyxWebhookJob(
                eventType: FakeTelnyxEvent.streamingFailed,
                payload: FakeTelnyxPayloads.streamingFailed(
                    identity, clientState: clientState, streamURL: current.request.streamURL, streamId: id,
                    track: current.request.track, reason: "Unable to connect to the WebSocket server")))
    }

    /// The server closed stream `id`'s socket. A Telnyx call stays up; `streaming.stopped` follows.
    func serverClosed(_ id: String) async {
        guard var current = stream, current.id == id, !current.serverClosed else { return }
        current.serverClosed = true
        let wasLive = !current.stopped
        current.stopped = true
        current.out?.finish()
        stream = current
        endBurst()
        guard wasLive else { return }
        record(.socketClosedByServer)
        await registryStreamEnded()
        if !ended {
            enqueue(
                FakeTelnyxWebhookJob(
                    eventType: FakeTelnyxEvent.streamingStopped,
                    payload: FakeTelnyxPayloads.streaming(identity, clientState: clientState, streamURL: current.request.streamURL)))
        }
    }

    func isServerClosed(_ id: String) -> Bool { stream?.id != id || stream?.serverClosed == true }

    /// Sends `stop` (once, after any held frame) and closes the socket; pending marks are never echoed.
    func stopStream() {
        guard var current = stream, !current.stopped else { return }
        if current.out != nil {
            if let held = current.held { current.out?.yield(.text(held)) }
            current.held = nil
            stream = current
            send([
                "event": .string("stop"),
                "stop": .object(["user_id": .string(userId), "call_control_id": .string(identity.callControlId)]),
                "stream_id": .string(current.id),
            ])
            record(.stopSent)
            stream?.out?.finish()
        }
        stream?.stopped = true
        endBurst()
    }

    // MARK: inbound (server → phone)

    /// Validates and applies one frame from the server on stream `id`.
    func receive(_ message: WebSocketMessage, stream id: String) {
        framesReceived += 1
        let text: String
        switch message {
        case .text(let string): text = string
        case .binary: text = "<binary>"
        }
        guard let current = stream, current.id == id, !current.stopped else {
            violate(.afterStop, "frame after stop", text)
            return
        }
        // The call ended but `stop` is not sent yet (it follows the hang-up webhooks): the server could not
        // know, so the frame is dropped, not held against it.
        guard !ended else {
            framesDroppedAfterHangup += 1
            return
        }
        let frame: FakeTelnyxServerFrame
        switch FakeTelnyxServerFrameValidator.validate(message, streamId: id) {
        case .failure(let error):
            violate(error.kind, error.detail, text)
            if let code = error.errorCode { sendError(code: code, title: error.errorTitle, detail: error.detail) }
            return
        case .success(let value):
            frame = value
        }
        guard current.bidirectional else {
            violate(.notBidirectional, "stream started without stream_bidirectional_mode: frame dropped", text)
            return
        }
        switch frame {
        case .media(let bytes):
            if current.request.bidirectionalMode == "mp3" {
                let now = offset()
                if let last = current.lastMP3MediaAt, now - last < 1_000 {
                    violate(.rateLimited, "more than one mp3 media message per second", text)
                    sendError(code: "100005", title: "rate_limit_reached", detail: "Too many requests")
                    return
                }
                stream?.lastMP3MediaAt = now
            }
            receivedBytes += bytes.count
            playback.receiveAudio(bytes, at: offset())
        case .mark(let name):
            record(.markReceived(name: name))
            if playback.receiveMark(name, at: offset()) { echo(name, cleared: false) }
        case .clear:
            let cleared = playback.clear()
            record(.clearReceived(droppedMilliseconds: cleared.droppedMilliseconds))
            recordBurstEnd(cleared.burstEndedMilliseconds)
            for name in cleared.marks { echo(name, cleared: true) }
        }
    }

    // MARK: the 20 ms tick

    /// Plays 20 ms of queued bot audio, echoes the marks it reaches, and reports the bot side.
    func tick() -> BotObservation {
        let tick = playback.tick(at: offset())
        if tick.burstStarted { record(.botAudioStarted) }
        recordBurstEnd(tick.burstEndedMilliseconds)
        for name in tick.marks { echo(name, cleared: false) }
        return tick.observation
    }

    func endBurst() {
        recordBurstEnd(playback.endBurst())
    }

    func recordBurstEnd(_ playedMilliseconds: Int?) {
        if let playedMilliseconds { record(.botAudioEnded(playedMilliseconds: playedMilliseconds)) }
    }

    // MARK: outbound (phone → server)

    /// Sends one 20 ms inbound `media` frame when a stream is open (some drawn frames after their successor).
    func sendMedia(_ bytes: [UInt8]) {
        guard var current = stream, current.out != nil, !current.stopped, !ended else { return }
        current.chunk += 1
        current.sequence += 1
        let chunk = current.chunk
        let text = FakeTelnyxJSON.object([
            "event": .string("media"),
            "sequence_number": .string(String(current.sequence)),
            "media": .object([
                "track": .string(current.request.track == "outbound_track" ? "outbound" : "inbound"),
                "chunk": .string(String(chunk)),
                "timestamp": .string(String((chunk - 1) * 20)),
                "payload": .string(Data(bytes).base64EncodedString()),
            ]),
            "stream_id": .string(current.id),
        ]).text
        mediaFramesSent += 1
        if current.swapChunks.contains(chunk) && current.held == nil {
            current.held = text
            stream = current
            return
        }
        current.out?.yield(.text(text))
        if let held = current.held {
            current.out?.yield(.text(held))
            current.held = nil
        }
        stream = current
    }

    /// Sends a `dtmf` frame (when streaming) and the `call.dtmf.received` webhook.
    func sendDTMF(_ digit: String) {
        if let current = stream, current.out != nil, !current.stopped {
            send([
                "event": .string("dtmf"),
                "stream_id": .string(current.id),
                "occurred_at": .string(FakeTelnyxDates.iso8601(Date())),
                "dtmf": .object(["digit": .string(digit)]),
            ])
        }
        enqueue(
            FakeTelnyxWebhookJob(
                eventType: FakeTelnyxEvent.callDTMFReceived, payload: FakeTelnyxPayloads.dtmf(identity, clientState: clientState, digit: digit)))
    }

    private func sendError(code: String, title: String, detail: String) {
        guard let current = stream else { return }
        send([
            "event": .string("error"),
            "stream_id": .string(current.id),
            "error": .object(["code": .string(code), "title": .string(title), "detail": .string(detail)]),
        ])
        record(.errorFrameSent(code: code))
    }

    private func echo(_ name: String, cleared: Bool) {
        guard options.echoesMarks, let current = stream, !current.stopped else { return }
        send([
            "event": .string("mark"),
            "stream_id": .string(current.id),
            "mark": .object(["name": .string(name)]),
        ])
        echoedMarks.append(name)
        record(.markEchoed(name: name, cleared: cleared))
    }

    /// Sends a counted frame (`sequence_number` + 1) on the open stream.
    private func send(_ object: [String: FakeTelnyxJSON]) {
        guard var current = stream, let out = current.out, !current.stopped else { return }
        current.sequence += 1
        var object = object
        object["sequence_number"] = .string(String(current.sequence))
        stream = current
        out.yield(.text(FakeTelnyxJSON.object(object).text))
    }

    private func registryStreamEnded() async {
        await registry.streamEnded(callControlId: identity.callControlId)
    }
}
