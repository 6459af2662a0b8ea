import CallCore
import CallRuntime
import Logging
import NIOCore
import Telnyx

/// One Telnyx media streaming WebSocket (telephony.md §5), on its event loop (``MediaStreamHandler``): puts
/// caller audio back in `sequence_number` order and turns frames into the call's inputs; the call's
/// frames go straight to the socket (``DirectPhoneLeg``). The call is found from the `start` frame's
/// `call_control_id` and the socket must present that call's `stream_auth_token`. Closing this socket
/// does not end a Telnyx call — only `call.hangup` or our own `hangup` command does. Bad frames are logged
/// with the call id and dropped.
final class TelnyxMediaReader: MediaStreamReader {
    private let registry: CallRegistry
    private let streams: TelnyxStreamAuthority
    private let channel: any Channel
    private var logger: Logger
    /// From the upgrade's headers, else from the `connected` frame.
    private var token: String?
    private var session: CallSession?
    private var leg: TelnyxPhoneLeg?
    private var reorder = TelnyxMediaReorderBuffer<AudioPayload>()
    private var loggedEarlyMedia = false

    init(
        registry: CallRegistry, streams: TelnyxStreamAuthority, channel: any Channel, upgradeToken: String?, logger: Logger
    ) {
        self.registry = registry
        self.streams = streams
        self.channel = channel
        self.token = upgradeToken
        self.logger = logger
    }

    func receive(_ text: String) -> Bool {
        let decoded: TelnyxInboundMessage
        do {
            decoded = try TelnyxInboundMessage(decoding: text)
        } catch {
            logger.error("telnyx media: malformed frame rejected: \(error)")
            return true
        }
        switch decoded {
        case .connected(let connected):
            if token == nil { token = connected.authToken }
        case .start(let start):
            return started(start)
        case .media(let media):
            guard let session else {
                if !loggedEarlyMedia { logger.error("telnyx media: media before start dropped") }
                loggedEarlyMedia = true
                return true
            }
            guard media.track == "inbound" else { return true }
            reorder.push(AudioPayload(base64: media.payload), sequence: media.sequenceNumber) { session.deliver(.callerAudio($0)) }
        case .mark(let mark):
            guard let session else { return true }
            if let sequence = mark.sequenceNumber { reorder.skip(sequence: sequence) { session.deliver(.callerAudio($0)) } }
            session.deliver(.markPlayed(name: mark.name))
        case .dtmf(let dtmf):
            // The digit also arrives as the `call.dtmf.received` webhook, which is what the call hears.
            if let session, let sequence = dtmf.sequenceNumber { reorder.skip(sequence: sequence) { session.deliver(.callerAudio($0)) } }
        case .stop:
            if let session { reorder.flush { session.deliver(.callerAudio($0)) } }
            return false
        case .error(let error):
            logger.error("telnyx media: Telnyx reported error \(error.code ?? "-") \(error.title ?? "") \(error.detail ?? "")")
        case .unknown(let event):
            logger.warning("telnyx media: unknown event '\(event)' ignored")
        }
        return true
    }

    /// `start`: finds the call, checks the token and the format, attaches the leg; false closes the stream.
    private func started(_ start: TelnyxStart) -> Bool {
        guard session == nil else {
            logger.error("telnyx media: second start frame ignored")
            return true
        }
        guard let found = registry.session(carrierCallID: start.callControlId) else {
            logger.error("telnyx media: start for a call that is not live (\(start.callControlId)); closing the stream")
            return false
        }
        logger[metadataKey: "call_id"] = "\(found.info.callID)"
        guard streams.isValid(token, forCall: found.info.callID) else {
            logger.error("telnyx media: stream refused: missing or wrong stream auth token")
            return false
        }
        guard start.mediaFormat.codec == .pcmu, start.mediaFormat.sampleRate == 8000 else {
            logger.error("telnyx media: unsupported media format \(start.mediaFormat.encoding)/\(start.mediaFormat.sampleRate); closing the stream")
            found.deliver(.streamFailed(reason: "unsupported media format \(start.mediaFormat.encoding)"))
            return false
        }
        let phone = TelnyxPhoneLeg(encoder: TelnyxFrameEncoder(), channel: channel) { [weak found] event in found?.deliver(event) }
        found.attachPhone(phone)
        found.deliver(.streamStarted(streamID: start.streamId))
        if let sequence = start.sequenceNumber { reorder = TelnyxMediaReorderBuffer(nextSequence: sequence + 1) }
        session = found
        leg = phone
        return true
    }

    func rejectBinaryFrame() {
        logger.error("telnyx media: binary frame rejected (Telnyx sends JSON text only)")
    }

    func streamReadFailed(_ error: any Error) {
        logger.error("telnyx media: stream read failed: \(error)")
    }

    /// The socket closed (after `stop`, or without one): audio still held behind a gap reaches the call first.
    func streamEnded() {
        if let session {
            reorder.flush { session.deliver(.callerAudio($0)) }
            session.deliver(.streamStopped)
        }
        leg?.finish()
    }
}
