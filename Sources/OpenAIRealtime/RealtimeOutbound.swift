/// Why an outbound event was not queued.
public enum RealtimeSendError: Error, Sendable, Equatable {
    /// The socket is not draining (or the pre-open queue is full); the event was dropped.
    case bufferFull
    /// The connection was closed (or ``RealtimeOutbound/close()`` was called).
    case closed
    /// The event could not be encoded.
    case encoding(RealtimeEncodingError)
}

/// Non-blocking writer for client events, safe to call from any task (e.g. the call's loop).
///
/// Events are encoded on the caller's task and queued in order; the socket's event loop writes them,
/// all that are queued with one flush. Events sent before the socket is open are delivered once it is.
/// Audio appends are dropped (``RealtimeSendError/bufferFull``) while the server is not reading; other
/// events only when the bounded queue is full.
public struct RealtimeOutbound: Sendable {
    let writer: RealtimeSocketWriter

    /// Encodes and queues `event` without waiting for network I/O.
    /// - Throws: ``RealtimeSendError`` when the socket is not draining, the connection closed, or encoding failed.
    public func send(_ event: RealtimeClientEvent) throws(RealtimeSendError) {
        let text: String
        do {
            text = try event.encodeJSON()
        } catch {
            throw .encoding(error)
        }
        if case .inputAudioAppend = event {
            try writer.send(text, droppable: true)
        } else {
            try writer.send(text, droppable: false)
        }
    }

    /// Queues an already-encoded JSON text frame.
    public func sendText(_ text: String) throws(RealtimeSendError) {
        try writer.send(text, droppable: false)
    }

    /// Stops accepting events; queued events are still written, then the socket is closed with
    /// code 1000 and ``RealtimeConnection/run(_:)`` returns once the server acknowledges (bounded
    /// by the close timeout).
    public func close() {
        writer.close()
    }
}
