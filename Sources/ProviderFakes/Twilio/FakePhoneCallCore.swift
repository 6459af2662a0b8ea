import Foundation
import WSClient

/// A REST command for a live call, delivered from the fake REST API to the phone.
public enum FakeTwilioRemoteCommand: Sendable, Equatable {
    /// `Status=completed`: end the call.
    case hangUp
    /// `Twiml=`/`Url=`: replace the call's TwiML; the stream ends, the call goes on.
    case transfer(twiml: String)
}

/// The single owner of one fake call's mutable state: playback queue, timeline, violations and the
/// outbound message order. Every send goes through here, so sequence numbers and mark order follow
/// the order of decisions.
actor FakePhoneCallCore {
    let streamSid: String
    let callSid: String
    let accountSid: String
    private let started: ContinuousClock.Instant
    private let out: AsyncStream<FakeOutboundFrame>.Continuation
    private let echoesMarks: Bool

    private var playback = FakePhonePlayback()
    private var sequenceNumber = 0
    private var chunk = 0
    private var stopped = false
    private(set) var serverClosed = false
    private(set) var pendingCommand: FakeTwilioRemoteCommand?

    private(set) var events: [FakeCallEvent] = []
    private(set) var violations: [FakeProtocolViolation] = []
    private(set) var echoedMarks: [String] = []
    private(set) var receivedBytes = 0

    init(streamSid: String, callSid: String, accountSid: String, started: ContinuousClock.Instant, out: AsyncStream<FakeOutboundFrame>.Continuation,
        echoesMarks: Bool = true
    ) {
        self.echoesMarks = echoesMarks
        self.streamSid = streamSid
        self.callSid = callSid
        self.accountSid = accountSid
        self.started = started
        self.out = out
    }

    /// Milliseconds since dial.
    nonisolated func offset() -> Int {
        let elapsed = ContinuousClock.now - started
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    func record(_ kind: FakeCallEvent.Kind) {
        events.append(FakeCallEvent(atMilliseconds: offset(), kind: kind))
    }

    func record(_ kinds: [FakeCallEvent.Kind]) {
        for kind in kinds { record(kind) }
    }

    // MARK: inbound (server → phone)

    /// Validates and applies one message from the server.
    func receive(_ message: WebSocketMessage) {
        let text: String
        switch message {
        case .binary(let buffer):
            violate(.binaryFrame, "binary frame of \(buffer.readableBytes) bytes", "<binary>")
            return
        case .text(let string):
            text = string
        }
        if stopped {
            violate(.afterStop, "message after stop", text)
            return
        }
        switch FakeServerMessageValidator.validate(text, streamSid: streamSid) {
        case .failure(let error):
            violate(error.kind, error.detail, text)
        case .success(.media(let bytes)):
            receivedBytes += bytes.count
            playback.receiveAudio(bytes, at: offset())
        case .success(.mark(let name)):
            record(.markReceived(name: name))
            if playback.receiveMark(name, at: offset()) { echo(name, cleared: false) }
        case .success(.clear):
            let cleared = playback.clear()
            record(.clearReceived(droppedMilliseconds: cleared.droppedMilliseconds))
            recordBurstEnd(cleared.burstEndedMilliseconds)
            for name in cleared.marks { echo(name, cleared: true) }
        }
    }

    func markServerClosed() {
        serverClosed = true
    }

    func deliver(_ command: FakeTwilioRemoteCommand) {
        if pendingCommand == nil { pendingCommand = command }
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

    private func endBurst() {
        recordBurstEnd(playback.endBurst())
    }

    private func recordBurstEnd(_ playedMilliseconds: Int?) {
        if let playedMilliseconds { record(.botAudioEnded(playedMilliseconds: playedMilliseconds)) }
    }

    // MARK: outbound (phone → server)

    /// Sends `connected` and `start`.
    func sendStart(customParameters: [String: String], junkBeforeStart: [FakeJunkFrame] = [], junkAfterStart: [FakeJunkFrame] = []) {
        send(["event": "connected", "protocol": "Call", "version": "1.0.0"], counted: false)
        for frame in junkBeforeStart { sendJunk(frame) }
        send(
            [
                "event": "start",
                "start": [
                    "accountSid": accountSid,
                    "streamSid": streamSid,
                    "callSid": callSid,
                    "tracks": ["inbound"],
                    "mediaFormat": ["encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1],
                    "customParameters": customParameters,
                ] as [String: Any],
                "streamSid": streamSid,
            ],
            counted: true
        )
        record(.startSent)
        for frame in junkAfterStart { sendJunk(frame) }
    }

    /// Sends one frame real Twilio never would (see `FakeJunkFrame`).
    private func sendJunk(_ frame: FakeJunkFrame) {
        guard !stopped else { return }
        switch frame {
        case .text(let text): out.yield(.text(text))
        case .binary(let bytes): out.yield(.binary(bytes))
        case .media, .mediaForOtherStream:
            let sid = frame == .media ? streamSid : FakeTwilioIDs.streamSid()
            let media: [String: Any] = [
                "event": "media", "streamSid": sid,
                "media": [
                    "track": "inbound", "chunk": "0", "timestamp": "0",
                    "payload": Data(MuLaw.silence(milliseconds: 20)).base64EncodedString(),
                ],
            ]
            send(media, counted: true)
        }
    }

    /// Sends one 20 ms inbound media frame (chunk +1, timestamp +20 ms).
    func sendMedia(_ bytes: [UInt8]) {
        chunk += 1
        send(
            [
                "event": "media",
                "media": [
                    "track": "inbound",
                    "chunk": String(chunk),
                    "timestamp": String((chunk - 1) * 20),
                    "payload": Data(bytes).base64EncodedString(),
                ],
                "streamSid": streamSid,
            ],
            counted: true
        )
    }

    func sendDTMF(_ digit: String) {
        send(["event": "dtmf", "streamSid": streamSid, "dtmf": ["track": "inbound_track", "digit": digit]], counted: true)
    }

    /// Sends `stop` (once) and ends the outbound stream, which closes the socket. Pending marks are
    /// never echoed after this.
    func stopAndClose() {
        guard !stopped else { return }
        send(["event": "stop", "stop": ["accountSid": accountSid, "callSid": callSid], "streamSid": streamSid], counted: true)
        stopped = true
        record(.stopSent)
        endBurst()
        out.finish()
    }

    /// Ends the outbound stream without `stop` (the server already closed the socket).
    func closeWithoutStop() {
        stopped = true
        endBurst()
        out.finish()
    }

    func result(streamURL: String, customParameters: [String: String], endReason: FakeCallEndReason) -> FakeCallResult {
        FakeCallResult(
            callSid: callSid,
            streamSid: streamSid,
            accountSid: accountSid,
            streamURL: streamURL,
            customParameters: customParameters,
            endReason: endReason,
            events: events,
            violations: violations,
            botAudioMillisecondsPlayed: playback.playedMilliseconds,
            botAudioBytesReceived: receivedBytes,
            echoedMarks: echoedMarks,
            durationMilliseconds: offset()
        )
    }

    private func echo(_ name: String, cleared: Bool) {
        guard !stopped, echoesMarks else { return }
        send(["event": "mark", "streamSid": streamSid, "mark": ["name": name]], counted: true)
        echoedMarks.append(name)
        record(.markEchoed(name: name, cleared: cleared))
    }

    private func send(_ object: [String: Any], counted: Bool) {
        guard !stopped else { return }
        var object = object
        if counted {
            sequenceNumber += 1
            object["sequenceNumber"] = String(sequenceNumber)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8)
        else { return }
        out.yield(.text(text))
    }

    private func violate(_ kind: FakeProtocolViolation.Kind, _ detail: String, _ message: String) {
        let at = offset()
        violations.append(FakeProtocolViolation(atMilliseconds: at, kind: kind, detail: detail, message: String(message.prefix(200))))
        events.append(FakeCallEvent(atMilliseconds: at, kind: .violation("\(kind.rawValue): \(detail)")))
    }
}
