import Foundation

/// What the fake phone takes from the voice webhook's TwiML answer.
public struct FakeTwiMLStream: Sendable, Equatable {
    /// The `<Stream url>` exactly as written (a `wss://` URL with no query string).
    public var url: String
    /// `<Parameter name value>` pairs in document order.
    public var parameters: [(name: String, value: String)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.url == rhs.url && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }
}

/// Why a TwiML answer was refused (Twilio error codes in the messages where one applies).
public struct FakeTwiMLError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Human-readable reason.
    public var description: String
}

/// A minimal, strict TwiML reader: finds `<Response><Connect><Stream url>` and its `<Parameter>`s.
public enum FakeTwiMLParser {
    struct Tag {
        var name: String
        var attributes: [String: String]
        var isClosing: Bool
        var isSelfClosing: Bool
    }

    /// Parses `xml` and validates the stream URL as Twilio does (absolute `wss`, no query string).
    public static func parseConnectStream(_ xml: String) throws(FakeTwiMLError) -> FakeTwiMLStream {
        let tags = try tokenize(xml)
        var stack: [String] = []
        var stream: FakeTwiMLStream?
        var inStream = false
        for tag in tags {
            if tag.isClosing {
                guard stack.last == tag.name else {
                    throw FakeTwiMLError(description: "TwiML: unbalanced </\(tag.name)>")
                }
                stack.removeLast()
                if tag.name == "Stream" { inStream = false }
                continue
            }
            if stack.isEmpty && tag.name != "Response" {
                throw FakeTwiMLError(description: "TwiML: root element must be <Response>, got <\(tag.name)>")
            }
            if tag.name == "Stream" && stack.last == "Connect" && stack.count == 2 {
                guard stream == nil else { throw FakeTwiMLError(description: "TwiML: more than one <Connect><Stream>") }
                guard let url = tag.attributes["url"], !url.isEmpty else {
                    throw FakeTwiMLError(description: "TwiML: <Stream> has no url attribute (31920)")
                }
                stream = FakeTwiMLStream(url: url, parameters: [])
                inStream = !tag.isSelfClosing
            } else if tag.name == "Parameter" && inStream && stack.last == "Stream" {
                guard let name = tag.attributes["name"], let value = tag.attributes["value"] else {
                    throw FakeTwiMLError(description: "TwiML: <Parameter> needs name and value")
                }
                stream?.parameters.append((name, value))
            }
            if !tag.isSelfClosing { stack.append(tag.name) }
        }
        guard stack.isEmpty else { throw FakeTwiMLError(description: "TwiML: unclosed <\(stack.last ?? "")>") }
        guard let stream else {
            throw FakeTwiMLError(description: "TwiML: no <Connect><Stream url> (a bidirectional stream is required)")
        }
        try validateStreamURL(stream.url)
        return stream
    }

    /// Twilio's rules for `<Stream url>`: absolute, `wss` scheme, a host, no query string (31920/31922).
    public static func validateStreamURL(_ url: String) throws(FakeTwiMLError) {
        guard url.lowercased().hasPrefix("wss://") else {
            throw FakeTwiMLError(description: "Stream url must be an absolute wss:// URL, got \(url) (31922)")
        }
        guard !url.contains("?") else {
            throw FakeTwiMLError(description: "Stream url must not carry a query string: \(url) (31920)")
        }
        let rest = url.dropFirst("wss://".count)
        guard let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first, !host.isEmpty else {
            throw FakeTwiMLError(description: "Stream url has no host: \(url)")
        }
    }

    static func tokenize(_ xml: String) throws(FakeTwiMLError) -> [Tag] {
        var tags: [Tag] = []
        var index = xml.startIndex
        while let open = xml[index...].firstIndex(of: "<") {
            let after = xml.index(after: open)
            if xml[after...].hasPrefix("?") || xml[after...].hasPrefix("!--") || xml[after...].hasPrefix("!") {
                let terminator = xml[after...].hasPrefix("!--") ? "-->" : ">"
                guard let end = xml[after...].range(of: terminator) else {
                    throw FakeTwiMLError(description: "TwiML: unterminated declaration or comment")
                }
                index = end.upperBound
                continue
            }
            guard let close = findTagEnd(xml, from: after) else {
                throw FakeTwiMLError(description: "TwiML: unterminated tag")
            }
            tags.append(try parseTag(String(xml[after..<close])))
            index = xml.index(after: close)
        }
        return tags
    }

    private static func findTagEnd(_ xml: String, from start: String.Index) -> String.Index? {
        var quote: Character?
        var index = start
        while index < xml.endIndex {
            let char = xml[index]
            if let q = quote {
                if char == q { quote = nil }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == ">" {
                return index
            }
            index = xml.index(after: index)
        }
        return nil
    }

    private static func parseTag(_ body: String) throws(FakeTwiMLError) -> Tag {
        var text = Substring(body).trimmingCharacters(in: .whitespacesAndNewlines)[...]
        var isClosing = false
        var isSelfClosing = false
        if text.hasPrefix("/") { isClosing = true; text = text.dropFirst() }
        if text.hasSuffix("/") { isSelfClosing = true; text = text.dropLast() }
        let nameEnd = text.firstIndex(where: { $0.isWhitespace }) ?? text.endIndex
        let name = String(text[..<nameEnd])
        guard !name.isEmpty else { throw FakeTwiMLError(description: "TwiML: empty tag name") }
        var attributes: [String: String] = [:]
        var rest = text[nameEnd...]
        while true {
            rest = rest.drop(while: { $0.isWhitespace })
            if rest.isEmpty { break }
            guard let eq = rest.firstIndex(of: "=") else {
                throw FakeTwiMLError(description: "TwiML: malformed attribute in <\(name)>")
            }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces)
            var valuePart = rest[rest.index(after: eq)...].drop(while: { $0.isWhitespace })
            guard let quote = valuePart.first, quote == "\"" || quote == "'" else {
                throw FakeTwiMLError(description: "TwiML: unquoted attribute \(key) in <\(name)>")
            }
            valuePart = valuePart.dropFirst()
            guard let end = valuePart.firstIndex(of: quote) else {
                throw FakeTwiMLError(description: "TwiML: unterminated attribute \(key) in <\(name)>")
            }
            attributes[key] = try unescape(String(valuePart[..<end]))
            rest = valuePart[valuePart.index(after: end)...]
        }
        return Tag(name: name, attributes: attributes, isClosing: isClosing, isSelfClosing: isSelfClosing)
    }

    private static func unescape(_ value: String) throws(FakeTwiMLError) -> String {
        guard value.contains("&") else { return value }
        var out = ""
        var rest = value[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else {
                throw FakeTwiMLError(description: "TwiML: bare & in attribute value")
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x"), let code = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                } else {
                    throw FakeTwiMLError(description: "TwiML: unknown entity &\(entity);")
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }
}
