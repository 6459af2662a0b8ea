/// Where a Realtime socket (or any WebSocket client, such as the bench's phones) connects: parsed from
/// `ws://host[:port]/path?query` or `wss://…`.
public struct RealtimeEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var usesTLS: Bool
    /// Path and query, as sent in the request line (`/v1/realtime?model=gpt-realtime`).
    public var target: String

    /// IPv4 or IPv6 literal (not sent as TLS SNI).
    var isIPAddress: Bool {
        host.contains(":") || host.allSatisfy { $0 == "." || $0.isNumber }
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    public var hostHeader: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port == (usesTLS ? 443 : 80) ? bracketed : "\(bracketed):\(port)"
    }

    init(host: String, port: Int, usesTLS: Bool, target: String) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
        self.target = target
    }

    /// - Throws: ``RealtimeConnectionError/invalidURL(_:)`` for any other scheme, a missing host or a bad port.
    public init(parsing url: String) throws(RealtimeConnectionError) {
        let usesTLS: Bool
        var rest: Substring
        if url.hasPrefix("wss://") {
            usesTLS = true
            rest = url.dropFirst(6)
        } else if url.hasPrefix("ws://") {
            usesTLS = false
            rest = url.dropFirst(5)
        } else {
            throw .invalidURL(url)
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        var target = String(rest)
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.contains("@") else { throw .invalidURL(url) }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .invalidURL(url) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .invalidURL(url) }
        var port = usesTLS ? 443 : 80
        if let portText {
            guard let parsed = Int(portText), (1...65_535).contains(parsed) else { throw .invalidURL(url) }
            port = parsed
        }
        self.init(host: String(host), port: port, usesTLS: usesTLS, target: target)
    }
}
