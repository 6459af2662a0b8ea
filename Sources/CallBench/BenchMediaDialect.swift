/// The frames a load phone writes, in one carrier's media-stream dialect. `sequence` is the frame's
/// `sequenceNumber` / `sequence_number` (1 for the first counted frame); `frame` counts media frames from 0.
protocol BenchMediaDialect: Sendable {
    /// What the carrier sends first, in order (`connected`, then `start` with `sequence` 1).
    func opening() -> [String]
    func media(sequence: Int, frame: UInt32, payload: String) -> String
    func mark(sequence: Int, name: String) -> String
    func stop(sequence: Int) -> String
}

/// Twilio Media Streams frames (`streamSid`, camelCase; telephony.md §2).
struct BenchTwilioDialect: BenchMediaDialect {
    let accountSid: String
    let callSid: String
    let streamSid: String
    /// `<Parameter>`s of the TwiML, sent back in `start.customParameters`.
    let parameters: [String: String]

    func opening() -> [String] {
        let custom = parameters.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",")
        return [
            #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#,
            #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"\#(accountSid)","streamSid":"\#(streamSid)","callSid":"\#(callSid)","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{\#(custom)}},"streamSid":"\#(streamSid)"}"#,
        ]
    }

    func media(sequence: Int, frame: UInt32, payload: String) -> String {
        #"{"event":"media","sequenceNumber":"\#(sequence)","media":{"track":"inbound","chunk":"\#(frame + 1)","timestamp":"\#(frame * 20)","payload":"\#(payload)"},"streamSid":"\#(streamSid)"}"#
    }

    func mark(sequence: Int, name: String) -> String {
        #"{"event":"mark","sequenceNumber":"\#(sequence)","streamSid":"\#(streamSid)","mark":{"name":"\#(name)"}}"#
    }

    func stop(sequence: Int) -> String {
        #"{"event":"stop","sequenceNumber":"\#(sequence)","stop":{"accountSid":"\#(accountSid)","callSid":"\#(callSid)"},"streamSid":"\#(streamSid)"}"#
    }
}

/// Telnyx media-streaming frames (`stream_id`, snake_case, string counters; telephony.md §5).
struct BenchTelnyxDialect: BenchMediaDialect {
    let callControlId: String
    let callSessionId: String
    let streamId: String
    let userId: String
    let from: String
    let to: String
    let clientState: String?
    /// The `stream_auth_token` of `streaming_start`, echoed in `connected`.
    let authToken: String?
    /// `custom_parameters` of `streaming_start`, sent back in `start.custom_parameters`.
    let parameters: [String: String]

    func opening() -> [String] {
        let custom = parameters.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",")
        let token = authToken.map { #","x-telnyx-streaming-auth-token":"\#($0)""# } ?? ""
        let state = clientState.map { #""\#($0)""# } ?? "null"
        return [
            #"{"event":"connected","version":"1.0.0"\#(token)}"#,
            #"{"event":"start","sequence_number":"1","start":{"user_id":"\#(userId)","call_control_id":"\#(callControlId)","call_session_id":"\#(callSessionId)","from":"\#(from)","to":"\#(to)","tags":[],"client_state":\#(state),"custom_parameters":{\#(custom)},"media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}},"stream_id":"\#(streamId)"}"#,
        ]
    }

    func media(sequence: Int, frame: UInt32, payload: String) -> String {
        #"{"event":"media","sequence_number":"\#(sequence)","media":{"track":"inbound","chunk":"\#(frame + 1)","timestamp":"\#(frame * 20)","payload":"\#(payload)"},"stream_id":"\#(streamId)"}"#
    }

    func mark(sequence: Int, name: String) -> String {
        #"{"event":"mark","sequence_number":"\#(sequence)","stream_id":"\#(streamId)","mark":{"name":"\#(name)"}}"#
    }

    func stop(sequence: Int) -> String {
        #"{"event":"stop","sequence_number":"\#(sequence)","stop":{"user_id":"\#(userId)","call_control_id":"\#(callControlId)"},"stream_id":"\#(streamId)"}"#
    }
}
