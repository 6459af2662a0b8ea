import CallRuntime
import Twilio

/// Twilio Media Streams frames: every message names the stream (`streamSid`).
struct TwilioFrameEncoder: MediaFrameEncoder {
    let streamSid: String

    func frame(for command: PhoneCommand) -> String {
        switch command {
        case .audio(let audio): TwilioOutboundMessage.mediaJSON(streamSid: streamSid, payload: audio.base64)
        case .mark(let name): TwilioOutboundMessage.markJSON(streamSid: streamSid, name: name)
        case .clear: TwilioOutboundMessage.clearJSON(streamSid: streamSid)
        }
    }
}

typealias TwilioPhoneLeg = DirectPhoneLeg<TwilioFrameEncoder>
