import Foundation

/// Where a fake Telnyx call is in its life.
public enum FakeTelnyxCallState: String, Sendable, Equatable {
    /// Ringing: `call.initiated` sent, waiting for `answer`.
    case parked
    /// Answered; commands are accepted.
    case answered
    /// Ended: every command now answers 422/`90018`.
    case ended
}

/// What the fake Call Control API did with one command for a call: delivered to that call's phone.
public struct FakeTelnyxCommandDelivery: Sendable, Equatable {
    /// The action from the path.
    public var action: FakeTelnyxAction
    /// The HTTP status answered.
    public var httpStatus: Int
    /// Telnyx's error code of an error answer.
    public var errorCode: String?
    /// The `command_id` was already executed for this call (answered 200, not executed again).
    public var duplicate: Bool
    /// The command, when it was executed (nil for errors and duplicates).
    public var command: FakeTelnyxCommand?
    /// The command's `client_state`, when it was executed.
    public var clientState: String?
    /// The caller hung up as this command arrived (`FakeTelnyxPhoneOptions.hangsUpWhenCommandArrives`).
    public var callerHungUpFirst = false
}

/// The live calls shared by fake Telnyx phones and the fake Call Control API. It decides each command
/// atomically (unknown → 404, ended → 422/90018, repeated `command_id` → 200 not executed, invalid → 422,
/// not allowed in this state → 422, else executed and delivered to the phone).
public actor FakeTelnyxCallRegistry {
    private struct Entry {
        var state: FakeTelnyxCallState
        var streamActive = false
        var commandIds: Set<String> = []
        var clientState: String?
        var hangsUpOn: FakeTelnyxAction?
        var continuation: AsyncStream<FakeTelnyxCommandDelivery>.Continuation
    }

    private var calls: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// The call's state (nil for an unknown `call_control_id`).
    public func state(of callControlId: String) -> FakeTelnyxCallState? { calls[callControlId]?.state }

    /// The latest `client_state` set by an executed command.
    public func clientState(of callControlId: String) -> String? { calls[callControlId]?.clientState }

    /// Adds a parked call; the stream carries every command the API receives for it while it is live.
    func register(callControlId: String, hangsUpOn: FakeTelnyxAction? = nil) -> AsyncStream<FakeTelnyxCommandDelivery> {
        let (stream, continuation) = AsyncStream.makeStream(of: FakeTelnyxCommandDelivery.self, bufferingPolicy: .unbounded)
        calls[callControlId]?.continuation.finish()
        calls[callControlId] = Entry(state: .parked, hangsUpOn: hangsUpOn, continuation: continuation)
        return stream
    }

    /// Decides one command (see the type's summary); returns the delivery, which is also yielded to the phone.
    func apply(
        callControlId: String, action: FakeTelnyxAction, validated: Result<FakeTelnyxCommand, FakeTelnyxAPIError>,
        commandId: String?, clientState: String?
    ) -> (delivery: FakeTelnyxCommandDelivery, error: FakeTelnyxAPIError?) {
        guard var entry = calls[callControlId] else {
            let delivery = FakeTelnyxCommandDelivery(action: action, httpStatus: 404, errorCode: FakeTelnyxAPIError.notFound.code, duplicate: false)
            return (delivery, .notFound)
        }
        func refuse(_ error: FakeTelnyxAPIError) -> (FakeTelnyxCommandDelivery, FakeTelnyxAPIError?) {
            let delivery = FakeTelnyxCommandDelivery(action: action, httpStatus: error.status, errorCode: error.code, duplicate: false)
            entry.continuation.yield(delivery)
            return (delivery, error)
        }
        if entry.hangsUpOn == action, entry.state != .ended {
            // The caller's hang-up wins the race against this command.
            entry.state = .ended
            entry.streamActive = false
            var delivery = FakeTelnyxCommandDelivery(
                action: action, httpStatus: FakeTelnyxAPIError.callEnded.status, errorCode: FakeTelnyxAPIError.callEnded.code, duplicate: false)
            delivery.callerHungUpFirst = true
            entry.continuation.yield(delivery)
            entry.continuation.finish()
            calls[callControlId] = entry
            return (delivery, .callEnded)
        }
        if entry.state == .ended { return refuse(.callEnded) }
        if let commandId, entry.commandIds.contains(commandId) {
            let delivery = FakeTelnyxCommandDelivery(action: action, httpStatus: 200, errorCode: nil, duplicate: true)
            entry.continuation.yield(delivery)
            return (delivery, nil)
        }
        let command: FakeTelnyxCommand
        switch validated {
        case .failure(let error): return refuse(error)
        case .success(let value): command = value
        }
        switch command {
        case .answer(let stream):
            guard entry.state == .parked else { return refuse(.invalidState("Call has already been answered.")) }
            entry.state = .answered
            if stream != nil { entry.streamActive = true }
        case .streamingStart:
            guard entry.state == .answered else { return refuse(.invalidState("Call must be answered before streaming_start.")) }
            guard !entry.streamActive else { return refuse(.invalidState("A media stream is already active on this call.")) }
            entry.streamActive = true
        case .streamingStop:
            guard entry.state == .answered else { return refuse(.invalidState("Call is not answered.")) }
            guard entry.streamActive else { return refuse(.invalidState("There is no active media stream on this call.")) }
            entry.streamActive = false
        case .hangup:
            entry.state = .ended
            entry.streamActive = false
        case .transfer:
            guard entry.state == .answered else { return refuse(.invalidState("Call must be answered before transfer.")) }
        }
        if let commandId { entry.commandIds.insert(commandId) }
        if let clientState { entry.clientState = clientState }
        let delivery = FakeTelnyxCommandDelivery(
            action: action, httpStatus: 200, errorCode: nil, duplicate: false, command: command, clientState: clientState)
        entry.continuation.yield(delivery)
        if entry.state == .ended { entry.continuation.finish() }
        calls[callControlId] = entry
        return (delivery, nil)
    }

    /// The phone ended the call itself (caller hang-up, max duration, not answered): later commands get 422/90018.
    func callEnded(callControlId: String) {
        guard var entry = calls[callControlId] else { return }
        entry.state = .ended
        entry.streamActive = false
        entry.continuation.finish()
        calls[callControlId] = entry
    }

    /// The phone's stream ended without `streaming_stop` (server closed the socket, connect failed).
    func streamEnded(callControlId: String) {
        calls[callControlId]?.streamActive = false
    }
}
