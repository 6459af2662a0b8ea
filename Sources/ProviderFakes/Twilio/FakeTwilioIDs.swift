import Foundation

/// Twilio-shaped identifiers: a two-letter prefix and 32 lowercase hex digits.
public enum FakeTwilioIDs {
    /// A new call SID (`CA` + 32 hex).
    public static func callSid() -> String { make("CA") }
    /// A new stream SID (`MZ` + 32 hex).
    public static func streamSid() -> String { make("MZ") }
    /// A new account SID (`AC` + 32 hex).
    public static func accountSid() -> String { make("AC") }

    /// `prefix` followed by 32 random lowercase hex digits.
    public static func make(_ prefix: String) -> String {
        var out = prefix
        for _ in 0..<16 {
            let byte = UInt8.random(in: 0...255)
            out += String(format: "%02x", byte)
        }
        return out
    }

    /// True when `sid` is `prefix` followed by exactly 32 hex digits.
    public static func isValid(_ sid: String, prefix: String) -> Bool {
        guard sid.hasPrefix(prefix) else { return false }
        let rest = sid.dropFirst(prefix.count)
        return rest.count == 32 && rest.allSatisfy { $0.isHexDigit }
    }
}
