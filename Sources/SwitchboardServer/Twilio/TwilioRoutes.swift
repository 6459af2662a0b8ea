import CallCore
import CallRuntime
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import Twilio

/// Twilio's HTTP surface: the voice webhook (answers with `<Connect><Stream>`), status callbacks, and the
/// Media Streams WebSocket. With `TWILIO_AUTH_TOKEN` set, every request must carry a valid
/// `X-Twilio-Signature` over `SWITCHBOARD_PUBLIC_URL`; otherwise 403 and nothing else happens.
struct TwilioRoutes: Sendable {
    let configuration: ServerConfiguration
    let factory: CallFactory
    let registry: CallRegistry
    let carrier: TwilioCarrier
    let logger: Logger

    var validator: TwilioSignatureValidator? {
        configuration.twilioAuthToken.map(TwilioSignatureValidator.init(authToken:))
    }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.post("/twilio/voice") { request, context in try await voice(request, context) }
        router.post("/twilio/status") { request, context in try await status(request, context) }
    }

    /// The Media Streams WebSocket: with an auth token, the upgrade must carry a valid `X-Twilio-Signature`.
    var mediaRoute: MediaStreamRoute {
        let validator = validator
        let mediaURL = configuration.twilioMediaURL
        let registry = registry
        let logger = logger
        return .carrier(path: "/twilio/media") { head in
            guard let validator else { return true }
            guard validator.isValidWebSocketUpgrade(signature: head.headers.first(name: Self.signatureHeader.rawName), url: mediaURL) else {
                logger.error("twilio media: upgrade refused: missing or invalid X-Twilio-Signature")
                return false
            }
            return true
        } makeReader: { _, channel in
            TwilioMediaReader(registry: registry, channel: channel, logger: logger)
        }
    }

    static let signatureHeader = HTTPField.Name("X-Twilio-Signature")!

    /// Reads and authenticates a form webhook.
    func form(_ request: Request) async throws -> FormBody {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form: FormBody
        do {
            form = try FormBody(parsing: body.readableBytesView)
        } catch {
            logger.error("twilio webhook \(request.uri.path): malformed form body: \(error)")
            throw HTTPError(.badRequest, message: "malformed form body")
        }
        if let validator {
            let url = configuration.publicURL(path: request.uri.string)
            guard validator.isValid(signature: request.headers[Self.signatureHeader], url: url, form: form) else {
                logger.error("twilio webhook \(request.uri.path): refused: missing or invalid X-Twilio-Signature", metadata: ["call_sid": "\(form["CallSid"] ?? "-")"])
                throw HTTPError(.forbidden, message: "invalid signature")
            }
        }
        return form
    }

    func voice(_ request: Request, _ context: SwitchboardRequestContext) async throws -> Response {
        let form = try await form(request)
        let webhook: TwilioCallWebhook
        do {
            webhook = try TwilioCallWebhook(form: form)
        } catch {
            logger.error("twilio voice webhook rejected: \(error)")
            throw HTTPError(.badRequest, message: "\(error)")
        }
        let session: CallSession
        switch factory.admit(carrier: .twilio, carrierCallID: webhook.callSid, from: webhook.from ?? "", to: webhook.to ?? "", control: carrier, configure: { $0.streamStopEndsCall = true }) {
        case .started(let started):
            started.deliver(.callStarted(started.info))
            started.deliver(.callAnswered)
            session = started
        case .existing(let existing):
            session = existing
        case .ended:
            return Self.xml(#"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>"#)
        case .draining:
            logger.notice("draining: call \(webhook.callSid) rejected")
            return Self.xml(#"<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>"#)
        }
        let twiml = try TwiML.connectStream(
            url: configuration.twilioMediaURL,
            parameters: [FormField("switchboard_call_id", session.info.callID)])
        return Self.xml(twiml)
    }

    func status(_ request: Request, _ context: SwitchboardRequestContext) async throws -> Response {
        let form = try await form(request)
        guard let callSid = form["CallSid"], let status = form["CallStatus"] else {
            logger.error("twilio status callback without CallSid/CallStatus rejected")
            throw HTTPError(.badRequest, message: "CallSid and CallStatus are required")
        }
        let final: Set<String> = ["completed", "busy", "failed", "no-answer", "canceled"]
        if final.contains(status) {
            // Late callbacks for finished calls are acknowledged and ignored.
            registry.session(carrierCallID: callSid)?.deliver(.carrierReportedCallEnded)
        }
        return Response(status: .noContent)
    }

    static func xml(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
