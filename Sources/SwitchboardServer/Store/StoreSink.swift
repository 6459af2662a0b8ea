import CallCore
import CallRuntime
import CallStore

/// Sends a call's records through the shared `StoreWriter` (group commits, bounded queue); each
/// acknowledgement goes back to the call's inbox.
struct StoreSink: CallRecordSink {
    let writer: StoreWriter

    func submit(callID: String, record: StoreRecord, acknowledged: @escaping @Sendable (Bool) -> Void) async {
        await writer.submit(Self.write(callID: callID, record), onAcknowledged: acknowledged)
    }

    static func write(callID: String, _ record: StoreRecord) -> StoreWrite {
        switch record {
        case .callStarted(let info, let at):
            return .started(CallStarted(
                callID: callID, carrier: info.carrier == .twilio ? .twilio : .telnyx, carrierCallID: info.carrierCallID,
                agentKind: info.agentKind, from: info.from, to: info.to, startedAt: at))
        case .callAnswered(let at):
            return .update(CallUpdate(callID: callID, answeredAt: at))
        case .callEnded(let at, let reason, let hungUpBy):
            return .update(CallUpdate(callID: callID, endedAt: at, endReason: reason, hungUpBy: hungUpBy))
        case .message(let sequence, let role, let text, let interrupted, let heard, let at):
            return .message(MessageRecord(
                callID: callID, sequence: sequence, role: role == .caller ? .caller : .agent, text: text,
                interrupted: interrupted, heardText: heard, at: at))
        case .timeline(let sequence, let at, let kind, let detail):
            return .timeline(TimelineRecord(callID: callID, sequence: sequence, at: at, kind: kind, detail: detail))
        case .finalized(let at, let failedWrites):
            return .finalized(CallFinalized(callID: callID, at: at, failedWrites: failedWrites))
        }
    }
}
