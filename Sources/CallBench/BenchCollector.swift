import Synchronization

/// Everything measured during a run, shared by the phones, the agent probe and the REST fake.
/// One lock; every update is a few array writes.
final class BenchCollector: Sendable {
    struct CallRecord {
        /// Bit per caller frame sequence number the agent received.
        var receivedBits: [UInt64] = []
        var firstReceived: UInt32?
        var callerSent = 0
        var agentReceived = 0
        /// Last sequence number that must have arrived (set when the call completes).
        var cutoff: UInt32?
        var lastMarkEchoAt: UInt64?
        var speechStartedAt: UInt64?
        var completed = false
        var failed = false
        var hangupAt: UInt64?
    }

    struct State {
        var calls: [CallRecord]
        var sessionCall: [Int: Int] = [:]
        var agentSentBySession: [Int: Int] = [:]
        /// Sessions whose current response the caller interrupted (since `speech_started`).
        var interruptedSessions: Set<Int> = []
        var callerToAgent = LatencyHistogram()
        var agentToCaller = LatencyHistogram()
        var hangup = LatencyHistogram()
        var bargeIn = LatencyHistogram()
        var unknownHangups = 0
    }

    let clock: BenchClock
    private let state: Mutex<State>

    init(calls: Int, clock: BenchClock) {
        self.clock = clock
        state = Mutex(State(calls: Array(repeating: CallRecord(), count: calls)))
    }

    // MARK: agent side

    /// A stamped caller frame reached the agent.
    func callerFrameArrived(_ stamp: FrameStamp, session: Int, at now: UInt64) {
        let call = Int(stamp.call)
        state.withLock { s in
            guard call < s.calls.count else { return }
            if s.sessionCall[session] == nil { s.sessionCall[session] = call }
            s.callerToAgent.record(micros: Int64(now) - Int64(stamp.micros))
            let word = Int(stamp.sequence / 64)
            if s.calls[call].receivedBits.count <= word {
                s.calls[call].receivedBits.append(contentsOf: repeatElement(0, count: word + 1 - s.calls[call].receivedBits.count))
            }
            s.calls[call].receivedBits[word] |= 1 << UInt64(stamp.sequence % 64)
            if s.calls[call].firstReceived == nil { s.calls[call].firstReceived = stamp.sequence }
        }
    }

    /// The agent stamped an audio delta on `session`; returns its sequence number.
    func agentDeltaSent(session: Int) -> UInt32 {
        state.withLock { s in
            let count = s.agentSentBySession[session, default: 0]
            s.agentSentBySession[session] = count + 1
            return UInt32(truncatingIfNeeded: count)
        }
    }

    /// The agent sent `speech_started` on `session`.
    func speechStarted(session: Int, at now: UInt64) {
        state.withLock { s in
            s.interruptedSessions.insert(session)
            guard let call = s.sessionCall[session] else { return }
            s.calls[call].speechStartedAt = now
        }
    }

    /// The agent started a new response on `session`.
    func responseCreated(session: Int) {
        _ = state.withLock { $0.interruptedSessions.remove(session) }
    }

    /// Whether audio on `session` now belongs to a response the caller interrupted.
    func isInterrupted(session: Int) -> Bool {
        state.withLock { $0.interruptedSessions.contains(session) }
    }

    // MARK: phone side

    func callerFrameSent(call: Int) {
        state.withLock { $0.calls[call].callerSent += 1 }
    }

    /// A stamped agent delta reached the phone of `call`.
    func agentFrameArrived(_ stamp: FrameStamp, call: Int, at now: UInt64) {
        state.withLock { s in
            s.agentToCaller.record(micros: Int64(now) - Int64(stamp.micros))
            s.calls[call].agentReceived += 1
        }
    }

    /// The phone of `call` echoed a mark at `now`; `sequence` is its last caller frame so far.
    func markEchoed(call: Int, at now: UInt64) {
        state.withLock { $0.calls[call].lastMarkEchoAt = now }
    }

    /// The phone of `call` received `clear`.
    func clearReceived(call: Int, at now: UInt64) {
        state.withLock { s in
            guard let started = s.calls[call].speechStartedAt else { return }
            s.bargeIn.record(micros: Int64(now) - Int64(started))
            s.calls[call].speechStartedAt = nil
        }
    }

    /// The carrier REST fake received the hangup request of `call`.
    func hangupRequested(call: Int, at now: UInt64) {
        state.withLock { s in
            guard s.calls[call].hangupAt == nil else { return }
            s.calls[call].hangupAt = now
            if let echo = s.calls[call].lastMarkEchoAt {
                s.hangup.record(micros: Int64(now) - Int64(echo))
            }
        }
    }

    /// The call ended. `cutoff`: the last caller frame that must have reached the agent.
    func callEnded(call: Int, completed: Bool, cutoff: UInt32?) {
        state.withLock { s in
            s.calls[call].completed = completed
            s.calls[call].failed = !completed
            s.calls[call].cutoff = cutoff
        }
    }

    // MARK: report

    /// Fills the frame, latency and outcome fields of `report`.
    func summarize(into report: inout BenchReport) {
        state.withLock { s in
            var agentSentByCall = [Int](repeating: 0, count: s.calls.count)
            for (session, sent) in s.agentSentBySession {
                if let call = s.sessionCall[session] { agentSentByCall[call] += sent }
            }
            report.calls = s.calls.count
            for (index, call) in s.calls.enumerated() {
                if call.completed { report.completed += 1 } else { report.failed += 1 }
                report.callerFramesSent += call.callerSent
                report.agentFramesSent += agentSentByCall[index]
                guard call.completed else { continue }
                report.agentFramesLost += max(0, agentSentByCall[index] - call.agentReceived)
                if let first = call.firstReceived, let cutoff = call.cutoff, cutoff >= first {
                    var missing = 0
                    for sequence in first...cutoff {
                        let word = Int(sequence / 64)
                        let present = word < call.receivedBits.count && call.receivedBits[word] & (1 << UInt64(sequence % 64)) != 0
                        if !present { missing += 1 }
                    }
                    report.callerFramesLost += missing
                } else if call.callerSent > 0 && call.firstReceived == nil {
                    report.callerFramesLost += call.callerSent
                }
            }
            report.callerToAgent = LatencySummary(s.callerToAgent)
            report.agentToCaller = LatencySummary(s.agentToCaller)
            report.hangup = LatencySummary(s.hangup)
            report.bargeIn = LatencySummary(s.bargeIn)
        }
    }
}
