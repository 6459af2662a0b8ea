/// Incremental parser of a `text/event-stream` body: feed bytes as they arrive (any boundaries), get
/// the `data` of each complete event. Lines starting with `:` are comments; `event:`, `id:` and `retry:`
/// fields are ignored; several `data:` lines of one event are joined with `\n`; `\n`, `\r\n` and `\r`
/// end lines. The pending line is bounded by `maxLineBytes`. Value type, no I/O.
public struct ServerSentEventParser: Sendable {
    /// Longest line accepted; a longer one is an error (a broken or hostile stream).
    public let maxLineBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false

    /// The stream broke the line bound.
    public struct LineTooLong: Error, Sendable, Equatable {
        /// The bound that was exceeded.
        public let limit: Int
    }

    public init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = max(64, maxLineBytes)
    }

    /// Adds bytes; returns the `data` of every event they completed, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(LineTooLong) -> [String] where Bytes.Element == UInt8 {
        var events: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && lastWasCR {
                lastWasCR = false
                continue  // the \n of \r\n
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                endLine(into: &events)
            } else {
                guard line.count < maxLineBytes else { throw LineTooLong(limit: maxLineBytes) }
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: an event whose blank line never came is returned if it has data.
    public mutating func finish() -> String? {
        if !line.isEmpty {
            var ignored: [String] = []
            endLine(into: &ignored)
        }
        defer { data = []; hasData = false }
        return hasData ? String(decoding: data, as: UTF8.self) : nil
    }

    private mutating func endLine(into events: inout [String]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if hasData { events.append(String(decoding: data, as: UTF8.self)) }
            data.removeAll(keepingCapacity: true)
            hasData = false
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return }
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex && line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: line[valueStart...])
        hasData = true
    }
}
