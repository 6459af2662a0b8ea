import CallCore
import CallRuntime
import Twilio

/// Twilio's REST API as the call core's carrier control. Without credentials (the offline demo) a hangup
/// closes the media stream instead: with `<Connect><Stream>` and no next verb, that ends the call.
struct TwilioCarrier: CarrierControl {
    let client: TwilioRESTClient?
    let registry: CallRegistry
    let transferCallerID: String?

    func hangUp(_ call: CallInfo) async -> CommandOutcome {
        guard let client else {
            registry.session(carrierCallID: call.carrierCallID)?.closeMediaStream()
            return .succeeded
        }
        return Self.outcome(await client.hangUp(callSid: call.carrierCallID))
    }

    func transfer(_ call: CallInfo, to target: String) async -> CommandOutcome {
        guard let client else { return .failed("transfer needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN") }
        let twiml: String
        do {
            twiml = try TwiML.dial(number: target, callerId: transferCallerID)
        } catch {
            return .failed("bad transfer target: \(error)")
        }
        return Self.outcome(await client.transfer(callSid: call.carrierCallID, twiml: twiml))
    }

    func startStream(_ call: CallInfo) async -> CommandOutcome {
        .succeeded  // Twilio starts the stream from the TwiML answer.
    }

    static func outcome(_ result: TwilioCallUpdateResult) -> CommandOutcome {
        switch result {
        case .done: .succeeded
        case .alreadyEnded: .alreadyEnded
        case .failed(let status, let code, let message): .failed("HTTP \(status.map(String.init) ?? "-") code \(code.map(String.init) ?? "-"): \(message)")
        }
    }
}
