import CallCore
import CallRuntime
import Crypto
import Foundation
import Telnyx

/// Telnyx Call Control as the call core's carrier control. Each method is issued at most once per call
/// by the machine; the client reuses one `command_id` across its own retries, so Telnyx executes it once.
/// 422 / 90018 ("Call has already ended") is the end of the call, never an error (seed 000 §2).
struct TelnyxCarrier: CarrierControl {
    let client: TelnyxCallControlClient
    let streams: TelnyxStreamAuthority

    func answer(_ call: CallInfo) async -> CommandOutcome {
        Self.outcome(await client.answer(callControlId: call.carrierCallID, clientState: call.callID))
    }

    func startStream(_ call: CallInfo) async -> CommandOutcome {
        let stream = TelnyxStreamOptions(
            streamURL: streams.mediaURL, track: "inbound_track", bidirectionalMode: "rtp", bidirectionalCodec: "PCMU",
            authToken: streams.token(forCall: call.callID),
            customParameters: [TelnyxCustomParameter(name: "switchboard_call_id", value: call.callID)])
        return Self.outcome(await client.startStreaming(callControlId: call.carrierCallID, stream: stream, clientState: call.callID))
    }

    func hangUp(_ call: CallInfo) async -> CommandOutcome {
        Self.outcome(await client.hangUp(callControlId: call.carrierCallID, clientState: call.callID))
    }

    func transfer(_ call: CallInfo, to target: String) async -> CommandOutcome {
        let outcome = Self.outcome(await client.transfer(callControlId: call.carrierCallID, to: target, clientState: call.callID))
        if outcome == .succeeded {
            // A transfer does not stop the stream on the original leg; our side is done with it.
            _ = await client.stopStreaming(callControlId: call.carrierCallID, clientState: call.callID)
        }
        return outcome
    }

    static func outcome(_ result: TelnyxCommandResult) -> CommandOutcome {
        switch result {
        case .done: .succeeded
        case .callEnded: .alreadyEnded
        case .failed(let status, let code, let detail): .failed("HTTP \(status.map(String.init) ?? "-") code \(code ?? "-"): \(detail)")
        }
    }
}

/// Where Telnyx streams a call's media, and the per-call `stream_auth_token` that the media socket must
/// present (the socket is not signed, §6): an HMAC of the call id under a key made at start-up, so no
/// table is kept and a token for one call never opens another.
struct TelnyxStreamAuthority: Sendable {
    let mediaURL: String
    /// The HMAC key's bytes (`SymmetricKey` itself is not `Sendable`).
    private let keyBytes: [UInt8]

    init(mediaURL: String, keyBytes: [UInt8]? = nil) {
        self.mediaURL = mediaURL
        self.keyBytes = keyBytes ?? SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    func token(forCall callID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(callID.utf8), using: SymmetricKey(data: keyBytes))
        return Data(mac).base64EncodedString()
    }

    /// Constant-time check of a presented token.
    func isValid(_ presented: String?, forCall callID: String) -> Bool {
        guard let presented, let data = Data(base64Encoded: presented) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(data, authenticating: Data(callID.utf8), using: SymmetricKey(data: keyBytes))
    }
}
