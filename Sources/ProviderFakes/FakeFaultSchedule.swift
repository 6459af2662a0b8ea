import Synchronization

/// Which fault the next request of a fake server answers: queued ones first, one per request, then the
/// standing one (nil: behave normally). Shared by the fake Chat Completions and ElevenLabs servers.
final class FakeFaultSchedule<Fault: Sendable>: Sendable {
    private let state = Mutex<(next: [Fault], always: Fault?)>(([], nil))

    func failNext(_ faults: [Fault]) {
        state.withLock { $0.next += faults }
    }

    func failAlways(_ fault: Fault?) {
        state.withLock { $0.always = fault }
    }

    /// The fault for the request arriving now.
    func take() -> Fault? {
        state.withLock { state in
            if !state.next.isEmpty { return state.next.removeFirst() }
            return state.always
        }
    }
}
