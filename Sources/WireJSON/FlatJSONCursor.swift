/// A byte cursor over one JSON text frame for hot-path scanners (Twilio and Telnyx `media` frames):
/// objects in any key order whose string values carry no escapes. Anything else makes a method return
/// nil/false, and the caller falls back to a full JSON decoder for the precise result or error.
public struct FlatJSONCursor {
    public let bytes: UnsafeRawBufferPointer
    public var index = 0

    @inlinable
    public init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    @inlinable public var atEnd: Bool { index == bytes.count }
    @inlinable public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    @inlinable public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Reads `"..."` at the cursor; nil on escapes, control characters or a missing quote.
    @inlinable public mutating func string() -> Range<Int>? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return start..<i
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// Parses `{ "key": value, ... }`; `member` reads the value at the cursor and returns false to abort.
    @inlinable public mutating func object(_ member: (Range<Int>, inout FlatJSONCursor) -> Bool) -> Bool {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { return false }
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            skipWhitespace()
            guard let key = string() else { return false }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            guard member(key, &self) else { return false }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return true
            default: return false
            }
        }
    }

    @inlinable public func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let base = literal.utf8Start
        var offset = 0
        for i in range {
            if bytes[i] != base[offset] { return false }
            offset += 1
        }
        return true
    }

    /// A non-negative decimal integer of at most 18 digits.
    @inlinable public func int(_ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for i in range {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    @inlinable public func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
