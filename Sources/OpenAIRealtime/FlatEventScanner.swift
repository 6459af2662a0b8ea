/// Hot-path decoder for `response.output_audio.delta` (and its `output_audio_transcript.delta`): one pass over the frame's bytes, slicing the
/// base64 `delta` out without building a JSON tree. Returns `nil` (caller falls back to the full
/// decoder, which reports errors precisely) for anything it does not fully understand.
enum FlatEventScanner {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    static func audioDelta(_ bytes: UnsafeBufferPointer<UInt8>) -> RealtimeServerEvent? {
        var scanner = Scanner(bytes: bytes)
        var type: String?
        var responseID: String?
        var itemID: String?
        var delta: String?
        var outputIndex = 0
        var contentIndex = 0

        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        if scanner.consume(UInt8(ascii: "}")) { return nil }
        while true {
            guard let key = scanner.rawString(), scanner.consume(UInt8(ascii: ":")) else { return nil }
            scanner.skipWhitespace()
            guard let first = scanner.peek() else { return nil }
            if first == quote {
                guard let value = scanner.string() else { return nil }
                switch key {
                case "type":
                    // Bail out early on any other event: the full decoder handles it.
                    guard value == "response.output_audio.delta" || value == "response.output_audio_transcript.delta" else { return nil }
                    type = value
                case "response_id": responseID = value
                case "item_id": itemID = value
                case "delta": delta = value
                default: break
                }
            } else if first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
                guard let value = scanner.integer() else { return nil }
                switch key {
                case "output_index": outputIndex = value
                case "content_index": contentIndex = value
                default: break
                }
            } else if !scanner.literal() {
                return nil  // nested object/array or invalid: not a flat delta event
            }
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            guard scanner.consume(UInt8(ascii: "}")) else { return nil }
            scanner.skipWhitespace()
            guard scanner.atEnd else { return nil }
            break
        }
        guard let type, let responseID, let itemID, let delta else { return nil }
        let ref = RealtimeContentRef(responseID: responseID, itemID: itemID, outputIndex: outputIndex, contentIndex: contentIndex)
        // The transcript delta has the same flat shape (one per audio delta): no JSONDecoder for it either.
        return type == "response.output_audio.delta" ? .outputAudioDelta(ref, delta: delta) : .outputAudioTranscriptDelta(ref, delta: delta)
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string without escapes (keys); `nil` if escaped or unterminated.
        mutating func rawString() -> String? {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == quote else { return nil }
            let start = index + 1
            var i = start
            while i < bytes.count {
                let b = bytes[i]
                if b == quote {
                    index = i + 1
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                }
                if b == backslash || b < 0x20 { return nil }
                i += 1
            }
            return nil
        }

        /// A string value; unescapes the simple escapes, bails out (`nil`) on `\u`.
        mutating func string() -> String? {
            let save = index
            if let raw = rawString() { return raw }
            index = save
            guard index < bytes.count, bytes[index] == quote else { return nil }
            var out: [UInt8] = []
            var i = index + 1
            while i < bytes.count {
                let b = bytes[i]
                if b == quote {
                    index = i + 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b < 0x20 { return nil }
                if b == backslash {
                    guard i + 1 < bytes.count else { return nil }
                    switch bytes[i + 1] {
                    case quote: out.append(quote)
                    case backslash: out.append(backslash)
                    case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    default: return nil  // \u escapes: leave to the full decoder
                    }
                    i += 2
                    continue
                }
                out.append(b)
                i += 1
            }
            return nil
        }

        /// A plain integer (no fraction or exponent); `nil` otherwise.
        mutating func integer() -> Int? {
            var i = index
            var negative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
            var value = 0
            var digits = 0
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                value = a
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                return nil
            }
            index = i
            return negative ? -value : value
        }

        /// `true`, `false` or `null`.
        mutating func literal() -> Bool {
            for word in ["true", "false", "null"] {
                let utf8 = Array(word.utf8)
                if index + utf8.count <= bytes.count, Array(bytes[index..<(index + utf8.count)]) == utf8 {
                    index += utf8.count
                    return true
                }
            }
            return false
        }
    }
}
