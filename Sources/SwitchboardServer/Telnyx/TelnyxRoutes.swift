import CallCore
import CallRuntime
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Telnyx

/// Telnyx's HTTP surface: Call Control webhooks (`POST /telnyx/webhook`) and the media streaming
/// WebSocket (`/telnyx/media`). With `TELNYX_PUBLIC_KEY` set, every webhook must carry a valid Ed25519
/// signature over `timestamp|body` within the tolerance window; otherwise 403 and nothing else happens.
/// Webhooks are unordered and retried by Telnyx: each `data.id` is acted on once, and late webhooks of
/// a finished call are acknowledged and ignored.
struct TelnyxRoutes: Sendable {
    let factory: CallFactory
    let registry: CallRegistry
    /// Nil without `TELNYX_API_KEY`: calls cannot be answered, so `call.initiated` is refused with a log line.
    let carrier: TelnyxCarrier?
    let validator: TelnyxSignatureValidator?
    let streams: TelnyxStreamAuthority
    let deduplicator = TelnyxSharedWebhookDeduplicator()
    let logger: Logger
    /// Largest webhook body accepted (Telnyx's are a few KiB).
    static let maxBodySize = 256 * 1024

    func register(on router: Router<SwitchboardRequestContext>) {
        router.post("/telnyx/webhook") { request, _ in try await webhook(request) }
    }

    /// The media streaming WebSocket; its token (upgrade header, else the `connected` frame) is checked
    /// against the call named by `start`.
    var mediaRoute: MediaStreamRoute {
        let registry = registry
        let streams = streams
        let logger = logger
        return .carrier(path: "/telnyx/media") { head, channel in
            let token = head.headers.first(name: Self.streamTokenHeader.rawName)
                ?? head.headers.first(name: "Authorization").map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : $0 }
            return TelnyxMediaReader(registry: registry, streams: streams, channel: channel, upgradeToken: token, logger: logger)
        }
    }

    static let streamTokenHeader = HTTPField.Name("x-telnyx-streaming-auth-token")!
    static let signatureHeader = HTTPField.Name(TelnyxSignatureValidator.signatureHeader)!
    static let timestampHeader = HTTPField.Name(TelnyxSignatureValidator.timestampHeader)!

    func webhook(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.maxBodySize)
        if let validator {
            do {
                try validator.validate(
                    signature: request.headers[Self.signatureHeader], timestamp: request.headers[Self.timestampHeader],
                    body: body.readableBytesView, now: Date())
            } catch {
                logger.error("telnyx webhook refused: \(error)")
                throw HTTPError(.forbidden, message: "invalid signature")
            }
        }
        let webhook: TelnyxWebhook
        do {
            webhook = try TelnyxWebhook(decoding: body.readableBytesView)
        } catch {
            logger.error("telnyx webhook rejected: \(error)")
            throw HTTPError(.badRequest, message: "\(error)")
        }
        var logger = self.logger
        logger[metadataKey: "telnyx_event"] = "\(webhook.eventType)"
        if deduplicator.isDuplicate(webhook.id) {
            logger.debug("telnyx webhook \(webhook.id) is a repeat (attempt \(webhook.attempt ?? 0)); acknowledged")
            return Response(status: .ok)
        }
        guard let call = webhook.call else { return Response(status: .ok) }
        if case .callInitiated(let initiated) = webhook.event {
            await callInitiated(call, initiated, logger: logger)
            return Response(status: .ok)
        }
        guard let session = registry.session(carrierCallID: call.callControlId) else {
            // A late webhook of a finished call, or one for a call we never took: acknowledge, ignore.
            logger.debug("telnyx webhook for a call that is not live (\(call.callControlId)); acknowledged")
            return Response(status: .ok)
        }
        logger[metadataKey: "call_id"] = "\(session.info.callID)"
        switch webhook.event {
        case .callInitiated:
            break
        case .callAnswered:
            session.deliver(.callAnswered)
        case .callHangup(let hangup):
            logger.info("telnyx call.hangup cause=\(hangup.hangupCause ?? "-") source=\(hangup.hangupSource ?? "-")")
            session.deliver(.carrierReportedCallEnded)
        case .streamingStarted:
            break  // the socket's `start` frame is what opens the stream for the call
        case .streamingStopped:
            session.deliver(.streamStopped)
        case .streamingFailed(let failed):
            session.deliver(.streamFailed(reason: "streaming.failed: \(failed.failureReason ?? "no reason given")"))
        case .dtmfReceived(let dtmf):
            session.deliver(.callerDTMF(digit: dtmf.digit))
        case .other:
            break
        }
        return Response(status: .ok)
    }

    func callInitiated(_ call: TelnyxCallReference, _ initiated: TelnyxCallInitiated, logger: Logger) async {
        guard initiated.isIncoming else {
            logger.debug("telnyx call.initiated for an outgoing leg (\(call.callControlId)) ignored")
            return
        }
        guard let carrier else {
            logger.error("telnyx call \(call.callControlId) not answered: TELNYX_API_KEY is not set")
            return
        }
        let admission = factory.admit(
            carrier: .telnyx, carrierCallID: call.callControlId, from: initiated.from ?? "", to: initiated.to ?? "",
            control: carrier
        ) { configuration in
            configuration.answersCall = true
            configuration.startsStreamOnAnswer = true
            configuration.streamStopEndsCall = false
        }
        switch admission {
        case .started(let session):
            session.deliver(.callStarted(session.info))
        case .existing, .ended:
            break
        case .draining:
            logger.notice("draining: telnyx call \(call.callControlId) refused")
            let result = await carrier.client.hangUp(callControlId: call.callControlId)
            if case .failed(let status, let code, let detail) = result {
                logger.error("telnyx: refusing call \(call.callControlId) failed: HTTP \(status.map(String.init) ?? "-") \(code ?? "-") \(detail)")
            }
        }
    }
}
