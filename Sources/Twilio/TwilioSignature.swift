import Crypto
import Foundation

/// Computes and checks `X-Twilio-Signature` (HMAC-SHA1, telephony.md §3).
public struct TwilioSignatureValidator: Sendable {
    /// The Auth Token bytes (`SymmetricKey` is not `Sendable`, so the key is made per use).
    private let token: [UInt8]

    /// - Parameter authToken: the account's Auth Token (the HMAC key).
    public init(authToken: String) {
        self.token = Array(authToken.utf8)
    }

    /// The signature of `url` plus the form `parameters` (names sorted by bytes, each `name+value`,
    /// repeated names once per value with values sorted), base64 HMAC-SHA1.
    public func sign(url: String, parameters: [FormField] = []) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Array(Self.canonical(url: url, parameters: parameters).utf8), using: SymmetricKey(data: token)))
            .base64EncodedString()
    }

    /// Convenience: `TwilioSignatureValidator(authToken:).sign(url:parameters:)`.
    public static func sign(authToken: String, url: String, parameters: [FormField] = []) -> String {
        TwilioSignatureValidator(authToken: authToken).sign(url: url, parameters: parameters)
    }

    /// Checks a form-encoded request (voice webhook, status callback) or a GET (no parameters).
    ///
    /// `url` is the full public URL Twilio requested (scheme, host, port, path, query). Accepted with
    /// or without the scheme's default port (`:443`/`:80`), as Twilio's own libraries do. Comparison
    /// is constant-time. A missing signature is invalid.
    public func isValid(signature: String?, url: String, parameters: [FormField] = []) -> Bool {
        guard let signature, !signature.isEmpty else { return false }
        var parameterSets = [parameters]
        let deduplicated = Self.deduplicated(parameters)
        if deduplicated.count != parameters.count { parameterSets.append(deduplicated) }
        var valid = false
        for candidateURL in Self.portVariants(of: url) {
            for set in parameterSets {
                // Evaluate every candidate (no early exit) so timing does not reveal which one matched.
                valid = Self.constantTimeEquals(sign(url: candidateURL, parameters: set), signature) || valid
            }
        }
        return valid
    }

    /// Checks a form-encoded request given its parsed body.
    public func isValid(signature: String?, url: String, form: FormBody) -> Bool {
        isValid(signature: signature, url: url, parameters: form.fields)
    }

    /// Checks a JSON-bodied request (§3.2): the URL (which carries `bodySHA256`) is signed with no
    /// parameters, and `bodySHA256` must equal the lowercase hex SHA-256 of the raw body. Both must pass.
    public func isValidJSONRequest(signature: String?, url: String, body: some Sequence<UInt8>) -> Bool {
        guard let expectedHash = Self.queryValue(named: "bodySHA256", in: url) else { return false }
        let actualHash = SHA256.hash(data: Array(body)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
        let hashOK = Self.constantTimeEquals(actualHash, expectedHash)
        let signatureOK = isValid(signature: signature, url: url, parameters: [])
        return hashOK && signatureOK
    }

    /// Checks a Media Streams WebSocket upgrade (§3.3): the `wss://` URL from `<Stream url>`, no parameters.
    public func isValidWebSocketUpgrade(signature: String?, url: String) -> Bool {
        isValid(signature: signature, url: url, parameters: [])
    }

    // MARK: - Internals

    static func canonical(url: String, parameters: [FormField]) -> String {
        let sorted = parameters.sorted { a, b in
            if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
            return a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
        }
        var text = url
        for field in sorted {
            text += field.name
            text += field.value
        }
        return text
    }

    /// Drops exact duplicate pairs (twilio-python signs `sorted(set(values))`).
    static func deduplicated(_ parameters: [FormField]) -> [FormField] {
        var seen = Set<FormField>()
        return parameters.filter { seen.insert($0).inserted }
    }

    /// `url` itself, plus the variant with the default port added (if absent) or removed (if present).
    static func portVariants(of url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let defaultPort: String
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "https", "wss": defaultPort = "443"
        case "http", "ws": defaultPort = "80"
        default: return [url]
        }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPort = authority[hostStart...]
        guard !hostPort.isEmpty else { return [url] }
        // The port colon: after an IPv6 literal's "]", or the last ":" of a plain host.
        let searchFrom = hostPort.lastIndex(of: "]").map { hostPort.index(after: $0) } ?? hostPort.startIndex
        if let colon = hostPort[searchFrom...].lastIndex(of: ":") {
            let port = hostPort[hostPort.index(after: colon)...]
            guard port == defaultPort else { return [url] }
            return [url, String(url[..<colon]) + String(url[authorityEnd...])]
        }
        return [url, String(url[..<authorityEnd]) + ":" + defaultPort + String(url[authorityEnd...])]
    }

    /// The raw value of the first query parameter `name` in `url`, if present.
    static func queryValue(named name: String, in url: String) -> String? {
        guard let question = url.firstIndex(of: "?") else { return nil }
        let queryEnd = url[question...].firstIndex(of: "#") ?? url.endIndex
        for pair in url[url.index(after: question)..<queryEnd].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name {
                return parts.count > 1 ? String(parts[1]) : ""
            }
        }
        return nil
    }

    /// Compares in time that depends only on the lengths (which are not secret).
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }
}
