/// Why an outbound event was not queued.
public enum RealtimeSendError: Error, Sendable, Equatable {
    /// The bounded outbound queue is full (the socket is not draining); the event was dropped.
    case bufferFull
    /// The connection was closed (or ``RealtimeOutbound/close()`` was called).
    case closed
    /// The event could not be encoded.
    case encoding(RealtimeEncodingError)
}

/// Non-blocking writer for client events, safe to call from any task (e.g. the call's loop).
///
/// Events are encoded on the caller's task and queued (bounded, FIFO); the connection's writer task
/// puts them on the socket in order. Events sent before the socket is open are delivered once it is.
public struct RealtimeOutbound: Sendable {
    let continuation: AsyncStream<String>.Continuation

    /// Encodes and queues `event` without waiting for network I/O.
    /// - Throws: ``RealtimeSendError`` when the queue is full, the connection closed, or encoding failed.
    public func send(_ event: RealtimeClientEvent) throws(RealtimeSendError) {
        let text: String
        do {
            text = try event.encodeJSON()
        } catch {
            throw .encoding(error)
        }
        try sendText(text)
    }

    /// Queues an already-encoded JSON text frame.
    public func sendText(_ text: String) throws(RealtimeSendError) {
        switch continuation.yield(text) {
        case .enqueued: return
        case .dropped: throw .bufferFull
        case .terminated: throw .closed
        @unknown default: throw .closed
        }
    }

    /// Stops accepting events; queued events are still written, then the socket is closed with
    /// code 1000 and ``RealtimeConnection/run(_:)`` returns once the server acknowledges (bounded
    /// by the close timeout).
    public func close() {
        continuation.finish()
    }
}
