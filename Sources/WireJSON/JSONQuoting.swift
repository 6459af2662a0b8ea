/// JSON string quoting for hand-built hot-path frames (Twilio, Telnyx, OpenAI Realtime).
public enum JSONQuoting {
    /// Appends `value` as a quoted JSON string. Copies verbatim when nothing needs escaping (always the
    /// case for base64 and provider ids), otherwise escapes `"`, `\` and control characters.
    @inlinable
    public static func append(_ value: String, to out: inout String) {
        out += "\""
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            out += value
        } else {
            appendEscaped(value, to: &out)
        }
        out += "\""
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
