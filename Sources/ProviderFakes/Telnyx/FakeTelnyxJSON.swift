import Foundation

/// A JSON value for the Telnyx fakes: what they send is built from it and what they receive is decoded
/// into it (`Sendable`, unlike `[String: Any]`). Encoded with sorted keys and unescaped slashes.
public enum FakeTelnyxJSON: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// An integral number.
    case int(Int)
    /// A non-integral number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([FakeTelnyxJSON])
    /// An object.
    case object([String: FakeTelnyxJSON])

    /// Decodes any JSON value (booleans before numbers, integers before doubles).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([FakeTelnyxJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: FakeTelnyxJSON].self))
        }
    }

    /// Encodes the value as it is.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses UTF-8 JSON text; nil when it is not JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> FakeTelnyxJSON? {
        try? JSONDecoder().decode(FakeTelnyxJSON.self, from: Data(bytes))
    }

    /// Parses JSON text; nil when it is not JSON.
    public static func parse(_ text: String) -> FakeTelnyxJSON? { parse(Array(text.utf8)) }

    /// Compact text with sorted keys (the exact bytes the fakes send).
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The compact text.
    public var description: String { text }

    /// The members of an object (nil for anything else).
    public var objectValue: [String: FakeTelnyxJSON]? {
        if case .object(let value) = self { value } else { nil }
    }

    /// The string (nil for anything else).
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The integer (also an integral double; nil for anything else).
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 1e15: Int(value)
        default: nil
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> FakeTelnyxJSON? { objectValue?[key] }

    /// A short text for a recorded field: strings as they are, everything else as JSON.
    var fieldText: String { stringValue ?? text }
}
