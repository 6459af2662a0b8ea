import CallCore
import CallRuntime
import Synchronization

/// Counters for `GET /metrics` (Prometheus text format), fed by every call's loop.
final class ServerMetrics: CallObserver {
    let callsStarted = Atomic<Int>(0)
    let callsFinalized = Atomic<Int>(0)
    let hangups = Atomic<Int>(0)
    let transfers = Atomic<Int>(0)
    let bargeIns = Atomic<Int>(0)
    let stuckPlaybacks = Atomic<Int>(0)
    let audioSent = Atomic<Int>(0)
    let errors = Atomic<Int>(0)

    func actionExecuted(_ callID: String, _ action: CallAction) {
        switch action {
        case .sendAudio: audioSent.wrappingAdd(1, ordering: .relaxed)
        case .transfer: transfers.wrappingAdd(1, ordering: .relaxed)
        case .log(.callStarted): callsStarted.wrappingAdd(1, ordering: .relaxed)
        case .log(.bargeIn): bargeIns.wrappingAdd(1, ordering: .relaxed)
        case .log(.stuckPlayback): stuckPlaybacks.wrappingAdd(1, ordering: .relaxed)
        case .log(.error): errors.wrappingAdd(1, ordering: .relaxed)
        default: break
        }
    }

    func hangupRequested(_ callID: String, reason: HangupReason) {
        hangups.wrappingAdd(1, ordering: .relaxed)
    }

    func callFinished(_ callID: String) {
        callsFinalized.wrappingAdd(1, ordering: .relaxed)
    }

    func render(liveCalls: Int, draining: Bool) -> String {
        func line(_ name: String, _ help: String, _ type: String, _ value: Int) -> String {
            "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        return line("switchboard_calls_live", "Calls in progress.", "gauge", liveCalls)
            + line("switchboard_draining", "1 while the server drains.", "gauge", draining ? 1 : 0)
            + line("switchboard_calls_started_total", "Calls started.", "counter", callsStarted.load(ordering: .relaxed))
            + line("switchboard_calls_finalized_total", "Calls finalized.", "counter", callsFinalized.load(ordering: .relaxed))
            + line("switchboard_hangups_total", "Hangups issued by Switchboard.", "counter", hangups.load(ordering: .relaxed))
            + line("switchboard_transfers_total", "Transfers issued.", "counter", transfers.load(ordering: .relaxed))
            + line("switchboard_barge_ins_total", "Bot speech interrupted by the caller.", "counter", bargeIns.load(ordering: .relaxed))
            + line("switchboard_stuck_playbacks_total", "Ends that fell back because no mark echo came.", "counter", stuckPlaybacks.load(ordering: .relaxed))
            + line("switchboard_audio_chunks_sent_total", "Agent audio chunks sent to carriers.", "counter", audioSent.load(ordering: .relaxed))
            + line("switchboard_call_errors_total", "Errors logged by calls.", "counter", errors.load(ordering: .relaxed))
    }
}
