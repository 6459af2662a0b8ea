import Synchronization

/// A Telnyx Call Control command, handed by the bench's REST fake to the call's phone.
enum BenchTelnyxCommand: Sendable, Equatable {
    case answer(clientState: String?)
    case streamingStart(BenchTelnyxStreamRequest)
    case hangup
}

/// What `streaming_start` asked for.
struct BenchTelnyxStreamRequest: Sendable, Equatable {
    var streamURL: String
    var authToken: String?
    var parameters: [String: String]
    var clientState: String?
}

/// Live bench calls by carrier call id (Twilio `CallSid`, Telnyx `call_control_id`), so the carrier REST
/// fake can hand a hangup to the right phone (and, on Telnyx, the call's other commands).
final class BenchCallTable: Sendable {
    struct Entry: Sendable {
        let call: Int
        let inbox: AsyncStream<BenchPhoneInput>.Continuation
        let commands: AsyncStream<BenchTelnyxCommand>.Continuation?
    }

    private let calls = Mutex<[String: Entry]>([:])

    func register(
        callSid: String, call: Int, inbox: AsyncStream<BenchPhoneInput>.Continuation,
        commands: AsyncStream<BenchTelnyxCommand>.Continuation? = nil
    ) {
        calls.withLock { $0[callSid] = Entry(call: call, inbox: inbox, commands: commands) }
    }

    func remove(callSid: String) {
        _ = calls.withLock { $0.removeValue(forKey: callSid) }
    }

    /// The call index of a live call, and its inboxes.
    func lookup(callSid: String) -> Entry? {
        calls.withLock { $0[callSid] }
    }
}
