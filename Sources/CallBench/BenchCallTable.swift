import Synchronization

/// Live bench calls by CallSid, so the carrier REST fake can hand a hangup to the right phone.
final class BenchCallTable: Sendable {
    private let calls = Mutex<[String: (call: Int, inbox: AsyncStream<BenchPhoneInput>.Continuation)]>([:])

    func register(callSid: String, call: Int, inbox: AsyncStream<BenchPhoneInput>.Continuation) {
        calls.withLock { $0[callSid] = (call, inbox) }
    }

    func remove(callSid: String) {
        _ = calls.withLock { $0.removeValue(forKey: callSid) }
    }

    /// The call index of a live call, and its inbox.
    func lookup(callSid: String) -> (call: Int, inbox: AsyncStream<BenchPhoneInput>.Continuation)? {
        calls.withLock { $0[callSid] }
    }
}
