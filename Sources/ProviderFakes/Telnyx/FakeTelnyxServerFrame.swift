import Foundation
import WSClient

/// A frame the server sent on the Telnyx media socket, after validation against §5.3.
enum FakeTelnyxServerFrame: Equatable {
    case media([UInt8])
    case mark(String)
    case clear
}

/// A rejected frame: the violation category and, when real Telnyx answers with an `error` frame, its code.
struct FakeTelnyxFrameError: Error, Equatable {
    var kind: FakeProtocolViolation.Kind
    var detail: String
    /// `100003` malformed_frame or `100004` invalid_media; nil when Telnyx drops the frame silently.
    var errorCode: String?

    var errorTitle: String {
        switch errorCode {
        case "100004": "invalid_media"
        case "100005": "rate_limit_reached"
        default: "malformed_frame"
        }
    }
}

/// Validates what the server sends: `{"event":"media","media":{"payload":…}}`, `{"event":"mark","mark":{"name":…}}`,
/// `{"event":"clear"}`. `stream_id` is optional, but when present it must be this stream's. Other members
/// are tolerated (Telnyx documents no rejection of them).
enum FakeTelnyxServerFrameValidator {
    /// Longest audio one message may hold (30 s of 8 kHz μ-law).
    static let maxPayloadBytes = 30 * 8000

    static func validate(_ message: WebSocketMessage, streamId: String) -> Result<FakeTelnyxServerFrame, FakeTelnyxFrameError> {
        switch message {
        case .binary(let buffer):
            return .failure(.init(kind: .binaryFrame, detail: "binary frame of \(buffer.readableBytes) bytes", errorCode: "100003"))
        case .text(let text):
            return validate(text, streamId: streamId)
        }
    }

    static func validate(_ text: String, streamId: String) -> Result<FakeTelnyxServerFrame, FakeTelnyxFrameError> {
        guard let object = FakeTelnyxJSON.parse(text)?.objectValue else {
            return .failure(.init(kind: .malformedMessage, detail: "not a JSON object", errorCode: "100003"))
        }
        guard let event = object["event"]?.stringValue else {
            return .failure(.init(kind: .unknownEvent, detail: "missing or non-string event", errorCode: "100003"))
        }
        guard ["media", "mark", "clear"].contains(event) else {
            return .failure(.init(kind: .unknownEvent, detail: "unknown event \"\(event)\"", errorCode: "100003"))
        }
        if let sid = object["stream_id"], sid != .null {
            guard sid.stringValue == streamId else {
                return .failure(.init(kind: .wrongStreamSid, detail: "\(event): stream_id \(sid.fieldText) is not \(streamId)", errorCode: nil))
            }
        }
        switch event {
        case "media":
            guard let payload = object["media"]?["payload"]?.stringValue else {
                return .failure(.init(kind: .invalidShape, detail: "media: needs {\"media\":{\"payload\": string}}", errorCode: "100003"))
            }
            guard let bytes = Data(base64Encoded: payload), !bytes.isEmpty else {
                return .failure(.init(kind: .invalidMedia, detail: "media: payload is not non-empty base64", errorCode: "100004"))
            }
            guard bytes.count <= maxPayloadBytes else {
                return .failure(.init(kind: .invalidMedia, detail: "media: \(bytes.count) bytes is more than 30 s", errorCode: "100004"))
            }
            return .success(.media([UInt8](bytes)))
        case "mark":
            guard let name = object["mark"]?["name"]?.stringValue else {
                return .failure(.init(kind: .invalidShape, detail: "mark: needs {\"mark\":{\"name\": string}}", errorCode: "100003"))
            }
            return .success(.mark(name))
        default:
            return .success(.clear)
        }
    }
}
