import CallCore
import CallRuntime
import HummingbirdWebSocket
import Logging
import NIOCore
import Telnyx

/// One Telnyx media streaming WebSocket (telephony.md §5): the reader puts caller audio back in
/// `sequence_number` order and turns frames into events in the call's inbox; the call's frames go
/// straight to the socket (``DirectPhoneLeg``). The call is found from the `start` frame's `call_control_id` and the socket
/// must present that call's `stream_auth_token`. Closing this socket does not end a Telnyx call — only
/// `call.hangup` or our own `hangup` command does. Bad frames are logged with the call id and dropped.
struct TelnyxMediaStream {
    let registry: CallRegistry
    let streams: TelnyxStreamAuthority
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, upgradeToken: String?) async {
        var logger = self.logger
        var token = upgradeToken
        var session: CallSession?
        var leg: TelnyxPhoneLeg?
        var reorder = TelnyxMediaReorderBuffer<AudioPayload>()
        var loggedEarlyMedia = false
        await withTaskGroup(of: Void.self) { group in
            do {
                reading: for try await message in inbound.messages(maxSize: TwilioMediaStream.maxMessageSize) {
                    guard case .text(let text) = message else {
                        logger.error("telnyx media: binary frame rejected (Telnyx sends JSON text only)")
                        continue
                    }
                    let decoded: TelnyxInboundMessage
                    do {
                        decoded = try TelnyxInboundMessage(decoding: text)
                    } catch {
                        logger.error("telnyx media: malformed frame rejected: \(error)")
                        continue
                    }
                    switch decoded {
                    case .connected(let connected):
                        if token == nil { token = connected.authToken }
                    case .start(let start):
                        guard session == nil else {
                            logger.error("telnyx media: second start frame ignored")
                            continue
                        }
                        guard let found = registry.session(carrierCallID: start.callControlId) else {
                            logger.error("telnyx media: start for a call that is not live (\(start.callControlId)); closing the stream")
                            break reading
                        }
                        logger[metadataKey: "call_id"] = "\(found.info.callID)"
                        guard streams.isValid(token, forCall: found.info.callID) else {
                            logger.error("telnyx media: stream refused: missing or wrong stream auth token")
                            break reading
                        }
                        guard start.mediaFormat.codec == .pcmu, start.mediaFormat.sampleRate == 8000 else {
                            logger.error("telnyx media: unsupported media format \(start.mediaFormat.encoding)/\(start.mediaFormat.sampleRate); closing the stream")
                            found.deliver(.streamFailed(reason: "unsupported media format \(start.mediaFormat.encoding)"))
                            break reading
                        }
                        let phone = TelnyxPhoneLeg(encoder: TelnyxFrameEncoder(), channel: channel) { [weak found] event in found?.deliver(event) }
                        group.addTask { await phone.runCloser(outbound: outbound) }
                        found.attachPhone(phone)
                        found.deliver(.streamStarted(streamID: start.streamId))
                        if let sequence = start.sequenceNumber { reorder = TelnyxMediaReorderBuffer(nextSequence: sequence + 1) }
                        session = found
                        leg = phone
                    case .media(let media):
                        guard let session else {
                            if !loggedEarlyMedia { logger.error("telnyx media: media before start dropped") }
                            loggedEarlyMedia = true
                            continue
                        }
                        guard media.track == "inbound" else { continue }
                        for audio in reorder.push(AudioPayload(base64: media.payload), sequence: media.sequenceNumber) {
                            session.deliver(.callerAudio(audio))
                        }
                    case .mark(let mark):
                        guard let session else { continue }
                        if let sequence = mark.sequenceNumber { Self.deliver(reorder.skip(sequence: sequence), to: session) }
                        session.deliver(.markPlayed(name: mark.name))
                    case .dtmf(let dtmf):
                        // The digit also arrives as the `call.dtmf.received` webhook, which is what the call hears.
                        if let session, let sequence = dtmf.sequenceNumber { Self.deliver(reorder.skip(sequence: sequence), to: session) }
                    case .stop:
                        if let session { Self.deliver(reorder.flush(), to: session) }
                        break reading
                    case .error(let error):
                        logger.error("telnyx media: Telnyx reported error \(error.code ?? "-") \(error.title ?? "") \(error.detail ?? "")")
                    case .unknown(let event):
                        logger.warning("telnyx media: unknown event '\(event)' ignored")
                    }
                }
            } catch {
                logger.error("telnyx media: stream read failed: \(error)")
            }
            session?.deliver(.streamStopped)
            leg?.finish()
            group.cancelAll()
        }
    }

    static func deliver(_ frames: [AudioPayload], to session: CallSession) {
        for audio in frames { session.deliver(.callerAudio(audio)) }
    }
}
