import Crypto
import Foundation

/// The fake's own implementation of Twilio's `X-Twilio-Signature` (HMAC-SHA1 over URL + sorted params).
///
/// Written independently of the production `Twilio` target so a bug in one is caught by the other.
public enum FakeTwilioSigning {
    /// Signature for a form POST to `url` with `parameters` (names sorted by byte order; repeated names
    /// contribute one `name+value` per value, values sorted), keyed by `authToken`, base64-encoded.
    public static func signature(url: String, parameters: [(String, String)], authToken: String) -> String {
        let sorted = parameters.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return Array(lhs.0.utf8).lexicographicallyPrecedes(Array(rhs.0.utf8)) }
            return Array(lhs.1.utf8).lexicographicallyPrecedes(Array(rhs.1.utf8))
        }
        var data = url
        for (name, value) in sorted { data += name + value }
        let key = SymmetricKey(data: Data(authToken.utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(data.utf8), using: key)
        return Data(mac).base64EncodedString()
    }
}

/// `application/x-www-form-urlencoded` encoding and decoding, as Twilio's servers do it.
public enum FakeTwilioForm {
    private static let unreserved: Set<UInt8> = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*".utf8))

    /// Encodes ordered pairs as a form body (space as `+`, everything else outside `A-Za-z0-9-._*` as `%XX`).
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// Percent-escapes one name or value.
    public static func escape(_ string: String) -> String {
        var out = ""
        for byte in string.utf8 {
            if unreserved.contains(byte) {
                out.append(Character(Unicode.Scalar(byte)))
            } else if byte == UInt8(ascii: " ") {
                out.append("+")
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Decodes a form body into ordered pairs; nil when a percent escape is malformed.
    public static func decode(_ body: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for field in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(String(parts[0])) else { return nil }
            let value = parts.count > 1 ? unescape(String(parts[1])) : ""
            guard let value else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    private static func unescape(_ string: String) -> String? {
        String(string.replacingOccurrences(of: "+", with: " ")).removingPercentEncoding
    }
}
