/// One `name=value` pair of an `application/x-www-form-urlencoded` body.
public struct FormField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Why a form body could not be parsed.
public enum FormBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `%` not followed by two hex digits, at this byte offset.
    case invalidPercentEscape(offset: Int)
    /// A name or value is not valid UTF-8 after percent-decoding.
    case invalidUTF8(offset: Int)

    public var description: String {
        switch self {
        case .invalidPercentEscape(let offset): "form body: bad percent escape at byte \(offset)"
        case .invalidUTF8(let offset): "form body: field at byte \(offset) is not valid UTF-8"
        }
    }
}

/// An `application/x-www-form-urlencoded` body: ordered pairs, repeated names kept.
public struct FormBody: Sendable, Hashable {
    /// The fields in body order.
    public var fields: [FormField]

    public init(_ fields: [FormField] = []) { self.fields = fields }

    /// Parses a body: `&`-separated pairs, `+` is a space, `%XX` is a byte; a pair without `=` has an empty value.
    public init(parsing text: String) throws(FormBodyError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses raw body bytes (see `init(parsing:)`).
    public init(parsing bytes: some Collection<UInt8>) throws(FormBodyError) {
        let bytes = Array(bytes)
        var fields: [FormField] = []
        var start = 0
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {
                let pair = bytes[start..<end]
                let equals = pair.firstIndex(of: UInt8(ascii: "="))
                let nameBytes = pair[..<(equals ?? end)]
                let valueBytes = equals.map { pair[($0 + 1)...] } ?? []
                fields.append(FormField(try Self.decode(nameBytes), try Self.decode(valueBytes)))
            }
            start = end + 1
        }
        self.fields = fields
    }

    /// The first value for `name`, if any.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// All values for `name`, in body order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// The encoded body (`application/x-www-form-urlencoded`, space as `+`).
    public var encoded: String {
        fields.map { Self.encode($0.name) + "=" + Self.encode($0.value) }.joined(separator: "&")
    }

    /// Form-encodes one component: `A-Z a-z 0-9 * - . _` are kept, space becomes `+`, all else `%XX`.
    public static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) throws(FormBodyError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                i += 1
            } else if byte == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) else {
                    throw .invalidPercentEscape(offset: i)
                }
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(byte)
                i += 1
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw .invalidUTF8(offset: bytes.startIndex)
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
