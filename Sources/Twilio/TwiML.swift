/// Why TwiML could not be built.
public enum TwiMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `<Stream url>` must be an absolute `wss://` URL (Twilio error 31922).
    case streamURLNotWSS(String)
    /// `<Stream url>` must not carry a query string or fragment; use `<Parameter>` (31920/31922).
    case streamURLHasQuery(String)
    /// A URL used inside TwiML (e.g. `action`, `statusCallback`) must be absolute http(s) (15004).
    case urlNotAbsoluteHTTP(String)
    /// Inline TwiML for a call update is limited to 4000 characters (32018).
    case tooLong(count: Int, limit: Int)
    /// Text that XML cannot carry (control characters) or is empty where a value is required.
    case invalidValue(field: String, value: String)

    public var description: String {
        switch self {
        case .streamURLNotWSS(let url): "<Stream url> must be an absolute wss:// URL, got '\(url)'"
        case .streamURLHasQuery(let url): "<Stream url> must not have a query string (use <Parameter>), got '\(url)'"
        case .urlNotAbsoluteHTTP(let url): "TwiML URL must be absolute http(s), got '\(url)'"
        case .tooLong(let count, let limit): "TwiML is \(count) characters, limit is \(limit)"
        case .invalidValue(let field, let value): "TwiML \(field) is invalid: '\(value)'"
        }
    }
}

/// Builders for the TwiML documents we return or send (telephony.md §1.1, §2.4).
public enum TwiML {
    /// Twilio's limit on inline `Twiml=` in a call update.
    public static let maxInlineLength = 4000

    /// The voice webhook answer that opens the bidirectional media stream:
    /// `<Response><Connect><Stream url="wss://…"><Parameter name="…" value="…"/>…</Stream></Connect></Response>`.
    /// - Parameters:
    ///   - url: absolute `wss://` URL without query string or fragment.
    ///   - parameters: delivered as `start.customParameters` on the socket.
    ///   - connectAction: optional absolute http(s) URL Twilio requests when the stream ends.
    public static func connectStream(
        url: String,
        parameters: [FormField] = [],
        name: String? = nil,
        statusCallback: String? = nil,
        connectAction: String? = nil
    ) throws(TwiMLError) -> String {
        try validateStreamURL(url)
        if let statusCallback { try validateHTTPURL(statusCallback) }
        if let connectAction { try validateHTTPURL(connectAction) }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?><Response><Connect"#
        if let connectAction { xml += try attribute("action", connectAction) }
        xml += "><Stream" + (try attribute("url", url))
        if let name { xml += try attribute("name", name) }
        if let statusCallback { xml += try attribute("statusCallback", statusCallback) }
        if parameters.isEmpty {
            xml += "/>"
        } else {
            xml += ">"
            for parameter in parameters {
                guard !parameter.name.isEmpty else { throw .invalidValue(field: "Parameter name", value: "") }
                xml += "<Parameter" + (try attribute("name", parameter.name)) + (try attribute("value", parameter.value)) + "/>"
            }
            xml += "</Stream>"
        }
        xml += "</Connect></Response>"
        return xml
    }

    /// Transfer TwiML for a live call update (`Twiml=`): `<Response><Dial …>+1555…</Dial></Response>`.
    /// No XML declaration, to save characters; throws if longer than `maxInlineLength`.
    /// - Parameters:
    ///   - number: the number (or SIP/client address) to dial.
    ///   - action: absolute http(s) URL requested when the dial ends.
    public static func dial(
        number: String,
        callerId: String? = nil,
        timeoutSeconds: Int? = nil,
        action: String? = nil
    ) throws(TwiMLError) -> String {
        let trimmed = number.trimmingWhitespace
        guard !trimmed.isEmpty else { throw .invalidValue(field: "Dial number", value: number) }
        if let action { try validateHTTPURL(action) }
        var xml = "<Response><Dial"
        if let callerId { xml += try attribute("callerId", callerId) }
        if let timeoutSeconds {
            guard (5...600).contains(timeoutSeconds) else {
                throw .invalidValue(field: "Dial timeout", value: String(timeoutSeconds))
            }
            xml += " timeout=\"\(timeoutSeconds)\""
        }
        if let action { xml += try attribute("action", action) }
        xml += ">" + (try escapeText(trimmed, field: "Dial number")) + "</Dial></Response>"
        let count = xml.utf16.count
        guard count <= maxInlineLength else { throw .tooLong(count: count, limit: maxInlineLength) }
        return xml
    }

    /// Checks a `<Stream url>`: absolute `wss://host…`, no query string, no fragment.
    public static func validateStreamURL(_ url: String) throws(TwiMLError) {
        guard url.utf8.count > 6, url.lowercased().hasPrefix("wss://") else { throw .streamURLNotWSS(url) }
        let afterScheme = url.dropFirst(6)
        guard let first = afterScheme.first, first != "/", first != "?", first != "#" else { throw .streamURLNotWSS(url) }
        guard !url.contains("?"), !url.contains("#") else { throw .streamURLHasQuery(url) }
        guard !url.contains(where: { $0.isWhitespace }) else { throw .invalidValue(field: "Stream url", value: url) }
    }

    private static func validateHTTPURL(_ url: String) throws(TwiMLError) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else {
            throw .urlNotAbsoluteHTTP(url)
        }
        guard let first = rest.first, first != "/", !url.contains(where: { $0.isWhitespace }) else {
            throw .urlNotAbsoluteHTTP(url)
        }
    }

    /// ` name="escaped"` for an attribute.
    private static func attribute(_ name: String, _ value: String) throws(TwiMLError) -> String {
        " \(name)=\"\(try escapeAttribute(value, field: name))\""
    }

    /// Escapes `& < > " '` for an attribute value; rejects characters XML 1.0 cannot carry.
    static func escapeAttribute(_ value: String, field: String) throws(TwiMLError) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                guard isXMLChar(scalar) else { throw .invalidValue(field: field, value: value) }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes `& < >` for element text; rejects characters XML 1.0 cannot carry.
    static func escapeText(_ value: String, field: String) throws(TwiMLError) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default:
                guard isXMLChar(scalar) || scalar == "\t" || scalar == "\n" || scalar == "\r" else {
                    throw .invalidValue(field: field, value: value)
                }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
