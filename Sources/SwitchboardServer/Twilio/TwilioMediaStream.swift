import CallCore
import CallRuntime
import HummingbirdWebSocket
import Logging
import NIOCore
import Twilio

/// One Twilio Media Streams WebSocket: the reader turns Twilio's frames into events in the call's inbox;
/// the call's frames go straight to the socket (``DirectPhoneLeg``). Bad frames are logged with the
/// call id and dropped; the call, and every other call, goes on.
struct TwilioMediaStream {
    let registry: CallRegistry
    let logger: Logger
    /// Largest text frame accepted (Twilio's frames are well under 1 KiB).
    static let maxMessageSize = 64 * 1024

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel) async {
        var logger = self.logger
        var session: CallSession?
        var leg: TwilioPhoneLeg?
        var loggedEarlyMedia = false
        await withTaskGroup(of: Void.self) { group in
            do {
                reading: for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                    guard case .text(let text) = message else {
                        logger.error("twilio media: binary frame rejected (Twilio sends JSON text only)")
                        continue
                    }
                    let decoded: TwilioInboundMessage
                    do {
                        decoded = try TwilioInboundMessage(decoding: text)
                    } catch {
                        logger.error("twilio media: malformed frame rejected: \(error)")
                        continue
                    }
                    switch decoded {
                    case .connected:
                        continue
                    case .start(let start):
                        guard session == nil else {
                            logger.error("twilio media: second start frame ignored")
                            continue
                        }
                        guard let found = registry.session(carrierCallID: start.callSid) else {
                            logger.error("twilio media: start for unknown call \(start.callSid); closing the stream")
                            break reading
                        }
                        if let expected = start.customParameters["switchboard_call_id"], expected != found.info.callID {
                            logger.error("twilio media: start parameters do not match call \(start.callSid); closing the stream")
                            break reading
                        }
                        logger[metadataKey: "call_id"] = "\(found.info.callID)"
                        let phone = TwilioPhoneLeg(encoder: TwilioFrameEncoder(streamSid: start.streamSid), channel: channel) { [weak found] event in
                            found?.deliver(event)
                        }
                        group.addTask { await phone.runCloser(outbound: outbound) }
                        found.attachPhone(phone)
                        found.deliver(.streamStarted(streamID: start.streamSid))
                        session = found
                        leg = phone
                    case .media(let media):
                        guard let session, let leg else {
                            if !loggedEarlyMedia { logger.error("twilio media: media before start dropped") }
                            loggedEarlyMedia = true
                            continue
                        }
                        guard media.streamSid == leg.encoder.streamSid else {
                            logger.error("twilio media: media for stream \(media.streamSid) on stream \(leg.encoder.streamSid) dropped")
                            continue
                        }
                        session.deliver(.callerAudio(AudioPayload(base64: media.payload)))
                    case .mark(let mark):
                        guard let session, mark.streamSid == leg?.encoder.streamSid else { continue }
                        session.deliver(.markPlayed(name: mark.name))
                    case .dtmf(let dtmf):
                        session?.deliver(.callerDTMF(digit: dtmf.digit))
                    case .stop:
                        break reading
                    case .unknown(let event):
                        logger.warning("twilio media: unknown event '\(event)' ignored")
                    }
                }
            } catch {
                logger.error("twilio media: stream read failed: \(error)")
            }
            session?.deliver(.streamStopped)
            leg?.finish()
            group.cancelAll()
        }
    }
}
