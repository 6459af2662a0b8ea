import CallCore
import CallRuntime
import Logging
import NIOCore
import Twilio

/// One Twilio Media Streams WebSocket, on its event loop (``MediaStreamHandler``): turns Twilio's frames into
/// the call's inputs; the call's frames go straight to the socket (``DirectPhoneLeg``). Bad frames are
/// logged with the call id and dropped; the call, and every other call, goes on.
final class TwilioMediaReader: MediaStreamReader {
    private let registry: CallRegistry
    private let channel: any Channel
    private var logger: Logger
    private var session: CallSession?
    private var leg: TwilioPhoneLeg?
    private var loggedEarlyMedia = false

    init(registry: CallRegistry, channel: any Channel, logger: Logger) {
        self.registry = registry
        self.channel = channel
        self.logger = logger
    }

    func receive(_ text: String) -> Bool {
        let decoded: TwilioInboundMessage
        do {
            decoded = try TwilioInboundMessage(decoding: text)
        } catch {
            logger.error("twilio media: malformed frame rejected: \(error)")
            return true
        }
        switch decoded {
        case .connected:
            return true
        case .start(let start):
            return started(start)
        case .media(let media):
            guard let session, let leg else {
                if !loggedEarlyMedia { logger.error("twilio media: media before start dropped") }
                loggedEarlyMedia = true
                return true
            }
            guard media.streamSid == leg.encoder.streamSid else {
                logger.error("twilio media: media for stream \(media.streamSid) on stream \(leg.encoder.streamSid) dropped")
                return true
            }
            session.deliver(.callerAudio(AudioPayload(base64: media.payload)))
        case .mark(let mark):
            guard let session, mark.streamSid == leg?.encoder.streamSid else { return true }
            session.deliver(.markPlayed(name: mark.name))
        case .dtmf(let dtmf):
            session?.deliver(.callerDTMF(digit: dtmf.digit))
        case .stop:
            return false
        case .unknown(let event):
            logger.warning("twilio media: unknown event '\(event)' ignored")
        }
        return true
    }

    /// `start`: finds the call and attaches the leg; false (close the stream) for an unknown call.
    private func started(_ start: TwilioStart) -> Bool {
        guard session == nil else {
            logger.error("twilio media: second start frame ignored")
            return true
        }
        guard let found = registry.session(carrierCallID: start.callSid) else {
            logger.error("twilio media: start for unknown call \(start.callSid); closing the stream")
            return false
        }
        if let expected = start.customParameters["switchboard_call_id"], expected != found.info.callID {
            logger.error("twilio media: start parameters do not match call \(start.callSid); closing the stream")
            return false
        }
        logger[metadataKey: "call_id"] = "\(found.info.callID)"
        let phone = TwilioPhoneLeg(encoder: TwilioFrameEncoder(streamSid: start.streamSid), channel: channel) { [weak found] event in
            found?.deliver(event)
        }
        found.attachPhone(phone)
        found.deliver(.streamStarted(streamID: start.streamSid))
        session = found
        leg = phone
        return true
    }

    func rejectBinaryFrame() {
        logger.error("twilio media: binary frame rejected (Twilio sends JSON text only)")
    }

    func streamReadFailed(_ error: any Error) {
        logger.error("twilio media: stream read failed: \(error)")
    }

    func streamEnded() {
        session?.deliver(.streamStopped)
        leg?.finish()
    }
}
