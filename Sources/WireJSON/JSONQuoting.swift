/// JSON string quoting for hand-built hot-path frames (Twilio, Telnyx, OpenAI Realtime).
public enum JSONQuoting {
    /// Appends `value` as a quoted JSON string. Copies verbatim when nothing needs escaping (always the
    /// case for base64 and provider ids), otherwise escapes `"`, `\` and control characters.
    @inlinable
    public static func append(_ value: String, to out: inout String) {
        out += "\""
        if !needsEscaping(value) {
            out += value
        } else {
            appendEscaped(value, to: &out)
        }
        out += "\""
    }

    /// Whether `value` holds `"`, `\` or a control character. One branch-free pass over contiguous
    /// UTF-8 (the compiler vectorizes it): the frames' base64 payloads are kilobytes long.
    @inlinable
    public static func needsEscaping(_ value: String) -> Bool {
        let fast = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var found: UInt8 = 0
            for byte in bytes {
                found |= (byte == UInt8(ascii: "\"") ? 1 : 0) | (byte == UInt8(ascii: "\\") ? 1 : 0) | (byte < 0x20 ? 1 : 0)
            }
            return found != 0
        }
        return fast ?? value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 })
    }

    @usableFromInline
    static func appendEscaped(_ value: String, to out: inout String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
