import Foundation

/// A message the server sent to the fake phone, after validation against Twilio's rules (§1.3).
enum FakeServerMessage: Equatable {
    case media([UInt8])
    case mark(String)
    case clear
}

/// A validation failure: the category and a reason.
struct FakeServerMessageError: Error, Equatable {
    var kind: FakeProtocolViolation.Kind
    var detail: String
}

/// Validates one text frame from the server. Twilio accepts exactly three shapes:
/// `{"event":"media","streamSid":…,"media":{"payload":…}}`, `{"event":"mark","streamSid":…,"mark":{"name":…}}`
/// and `{"event":"clear","streamSid":…}`; anything else is dropped (31951).
enum FakeServerMessageValidator {
    static func validate(_ text: String, streamSid: String) -> Result<FakeServerMessage, FakeServerMessageError> {
        guard let data = text.data(using: .utf8),
            let any = try? JSONSerialization.jsonObject(with: data),
            let object = any as? [String: Any]
        else {
            return .failure(.init(kind: .malformedMessage, detail: "not a JSON object"))
        }
        guard let event = object["event"] as? String else {
            return .failure(.init(kind: .unknownEvent, detail: "missing or non-string event"))
        }
        let expectedKeys: Set<String>
        switch event {
        case "media": expectedKeys = ["event", "streamSid", "media"]
        case "mark": expectedKeys = ["event", "streamSid", "mark"]
        case "clear": expectedKeys = ["event", "streamSid"]
        default: return .failure(.init(kind: .unknownEvent, detail: "unknown event \"\(event)\""))
        }
        let keys = Set(object.keys)
        if keys != expectedKeys {
            let missing = expectedKeys.subtracting(keys).sorted()
            let extra = keys.subtracting(expectedKeys).sorted()
            return .failure(.init(kind: .invalidShape, detail: "\(event): missing \(missing), extra \(extra)"))
        }
        guard let sid = object["streamSid"] as? String else {
            return .failure(.init(kind: .invalidShape, detail: "\(event): streamSid is not a string"))
        }
        guard sid == streamSid else {
            return .failure(.init(kind: .wrongStreamSid, detail: "\(event): streamSid \(sid) is not \(streamSid)"))
        }
        switch event {
        case "media":
            guard let media = object["media"] as? [String: Any], Set(media.keys) == ["payload"],
                let payload = media["payload"] as? String
            else {
                return .failure(.init(kind: .invalidShape, detail: "media: needs exactly {\"payload\": string}"))
            }
            guard let bytes = Data(base64Encoded: payload), !bytes.isEmpty else {
                return .failure(.init(kind: .invalidShape, detail: "media: payload is not non-empty base64"))
            }
            return .success(.media([UInt8](bytes)))
        case "mark":
            guard let mark = object["mark"] as? [String: Any], Set(mark.keys) == ["name"],
                let name = mark["name"] as? String
            else {
                return .failure(.init(kind: .invalidShape, detail: "mark: needs exactly {\"name\": string}"))
            }
            return .success(.mark(name))
        default:
            return .success(.clear)
        }
    }
}
