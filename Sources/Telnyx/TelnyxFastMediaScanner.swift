/// Hot-path scanner for Telnyx `media` frames.
///
/// Accepts a JSON object in any key order whose values are escape-free strings, plus the nested
/// `media` object. Returns nil for anything else (other events, escapes, numbers, malformed
/// input); the caller then falls back to `JSONDecoder`, which gives the precise error.
enum TelnyxFastMediaScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> TelnyxMedia? {
        var scanner = Cursor(bytes: bytes)
        var event: Range<Int>?
        var sequence: Range<Int>?
        var streamId: Range<Int>?
        var track: Range<Int>?
        var chunk: Range<Int>?
        var timestamp: Range<Int>?
        var payload: Range<Int>?

        let outerOK = scanner.object { key, cursor in
            if cursor.peek == UInt8(ascii: "{") {
                guard cursor.matches(key, "media") else { return false }
                return cursor.object { innerKey, inner in
                    guard let value = inner.string() else { return false }
                    if inner.matches(innerKey, "payload") {
                        payload = value
                    } else if inner.matches(innerKey, "track") {
                        track = value
                    } else if inner.matches(innerKey, "chunk") {
                        chunk = value
                    } else if inner.matches(innerKey, "timestamp") {
                        timestamp = value
                    }
                    return true
                }
            }
            guard let value = cursor.string() else { return false }
            if cursor.matches(key, "event") {
                event = value
            } else if cursor.matches(key, "sequence_number") {
                sequence = value
            } else if cursor.matches(key, "stream_id") {
                streamId = value
            }
            return true
        }
        scanner.skipWhitespace()
        guard outerOK, scanner.atEnd,
            let event, scanner.matches(event, "media"),
            let sequence, let seq = scanner.int(sequence),
            let payload
        else { return nil }
        // Present-but-unparseable counters go to the slow path, which reports them.
        var chunkValue: Int?
        if let chunk {
            guard let value = scanner.int(chunk) else { return nil }
            chunkValue = value
        }
        var timestampValue: Int?
        if let timestamp {
            guard let value = scanner.int(timestamp) else { return nil }
            timestampValue = value
        }
        return TelnyxMedia(
            sequenceNumber: seq,
            streamId: streamId.map { scanner.text($0) },
            track: track.map { scanner.matches($0, "inbound") ? "inbound" : scanner.text($0) } ?? "inbound",
            chunk: chunkValue,
            timestamp: timestampValue,
            payload: scanner.text(payload)
        )
    }

    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// Reads `"..."` at the cursor; nil on escapes, control characters or a missing quote.
        mutating func string() -> Range<Int>? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            var i = start
            while i < bytes.count {
                let byte = bytes[i]
                if byte == UInt8(ascii: "\"") {
                    index = i + 1
                    return start..<i
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                i += 1
            }
            return nil
        }

        /// Parses `{ "key": value, ... }`; `member` reads the value at the cursor and returns false to abort.
        mutating func object(_ member: (Range<Int>, inout Cursor) -> Bool) -> Bool {
            skipWhitespace()
            guard peek == UInt8(ascii: "{") else { return false }
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return true
            }
            while true {
                skipWhitespace()
                guard let key = string() else { return false }
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                guard member(key, &self) else { return false }
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return true
                default: return false
                }
            }
        }

        func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
            guard range.count == literal.utf8CodeUnitCount else { return false }
            let base = literal.utf8Start
            var offset = 0
            for i in range {
                if bytes[i] != base[offset] { return false }
                offset += 1
            }
            return true
        }

        /// A non-negative decimal integer of at most 18 digits.
        func int(_ range: Range<Int>) -> Int? {
            guard !range.isEmpty, range.count <= 18 else { return nil }
            var value = 0
            for i in range {
                let digit = bytes[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }

        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }
}
