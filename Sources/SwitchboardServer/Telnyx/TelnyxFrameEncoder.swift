import CallRuntime
import Telnyx

/// Telnyx bidirectional (RTP mode) frames: raw μ-law payloads, no stream id.
struct TelnyxFrameEncoder: MediaFrameEncoder {
    func frame(for command: PhoneCommand) -> String {
        switch command {
        case .audio(let audio): TelnyxOutboundMessage.mediaJSON(payload: audio.base64)
        case .mark(let name): TelnyxOutboundMessage.markJSON(name: name)
        case .clear: TelnyxOutboundMessage.clearJSON
        }
    }
}

typealias TelnyxPhoneLeg = DirectPhoneLeg<TelnyxFrameEncoder>
