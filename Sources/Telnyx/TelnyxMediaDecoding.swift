import Foundation
import NIOCore

extension TelnyxInboundMessage {
    /// Decodes one WebSocket text frame.
    public init(decoding text: String) throws(TelnyxMessageError) {
        var text = text
        let result = text.withUTF8 { Self.decodeResult(UnsafeRawBufferPointer($0)) }
        self = try result.get()
    }

    /// Decodes one WebSocket frame's bytes (UTF-8 JSON).
    public init(decoding buffer: ByteBuffer) throws(TelnyxMessageError) {
        let result = buffer.withUnsafeReadableBytes { Self.decodeResult($0) }
        self = try result.get()
    }

    /// Decodes UTF-8 JSON bytes.
    public init(decoding bytes: some Collection<UInt8>) throws(TelnyxMessageError) {
        if let fast = bytes.withContiguousStorageIfAvailable({ Self.decodeResult(UnsafeRawBufferPointer($0)) }) {
            self = try fast.get()
        } else {
            let array = Array(bytes)
            self = try array.withUnsafeBytes { Self.decodeResult($0) }.get()
        }
    }

    /// `media` frames and `mark` echoes take hand-written scanners (no `JSONDecoder`); anything they do
    /// not handle (other events, escapes, numbers, errors) goes through `JSONDecoder` for the precise result.
    static func decodeResult(_ bytes: UnsafeRawBufferPointer) -> Result<TelnyxInboundMessage, TelnyxMessageError> {
        if let media = TelnyxFastMediaScanner.scan(bytes) {
            return .success(.media(media))
        }
        if let mark = TelnyxFastMarkScanner.scan(bytes) {
            return .success(.mark(mark))
        }
        return TelnyxMediaJSON.decode(Data(bytes))
    }
}

/// The general path: `JSONDecoder` with minimal structs, then explicit checks of required fields.
enum TelnyxMediaJSON {
    /// A counter Telnyx sends as a string holding an integer; numbers are accepted too.
    enum StringOrInt: Decodable {
        case string(String)
        case int(Int)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                self = .int(int)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
        var intValue: Int? {
            switch self {
            case .int(let value): value
            case .string(let text): Int(text)
            }
        }
        var text: String {
            switch self {
            case .int(let value): String(value)
            case .string(let text): text
            }
        }
    }

    /// A scalar custom parameter value, kept as text.
    struct Scalar: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else if let int = try? container.decode(Int.self) {
                text = String(int)
            } else if let double = try? container.decode(Double.self) {
                text = String(double)
            } else {
                text = String(try container.decode(Bool.self))
            }
        }
    }

    struct EventOnly: Decodable { var event: String }

    struct Connected: Decodable {
        var version: String?
        var token: String?
        enum CodingKeys: String, CodingKey {
            case version
            case token = "x-telnyx-streaming-auth-token"
        }
    }

    struct Common<Body: Decodable>: Decodable {
        var sequence_number: StringOrInt?
        var stream_id: String?
        var occurred_at: String?
        var start: Body?
        var media: Body?
        var mark: Body?
        var dtmf: Body?
        var stop: Body?
        var error: Body?
    }

    struct StartBody: Decodable {
        struct Format: Decodable {
            var encoding: String?
            var sample_rate: StringOrInt?
            var channels: StringOrInt?
        }
        var user_id: String?
        var call_control_id: String?
        var call_session_id: String?
        var from: String?
        var to: String?
        var tags: [String]?
        var client_state: String?
        var custom_parameters: [String: Scalar]?
        var media_format: Format?
    }

    struct MediaBody: Decodable {
        var track: String?
        var chunk: StringOrInt?
        var timestamp: StringOrInt?
        var payload: String?
    }

    struct MarkBody: Decodable { var name: String? }
    struct DTMFBody: Decodable { var digit: String? }
    struct StopBody: Decodable { var user_id: String?; var call_control_id: String? }
    struct ErrorBody: Decodable { var code: StringOrInt?; var title: String?; var detail: String? }

    static func decode(_ data: Data) -> Result<TelnyxInboundMessage, TelnyxMessageError> {
        let decoder = JSONDecoder()
        let event: String
        do {
            event = try decoder.decode(EventOnly.self, from: data).event
        } catch {
            return .failure(map(error, event: nil))
        }
        do {
            switch event {
            case "connected":
                let body = try decoder.decode(Connected.self, from: data)
                return .success(.connected(TelnyxConnected(version: body.version, authToken: body.token)))
            case "start":
                return .success(.start(try start(decoder.decode(Common<StartBody>.self, from: data))))
            case "media":
                return .success(.media(try media(decoder.decode(Common<MediaBody>.self, from: data))))
            case "mark":
                return .success(.mark(try mark(decoder.decode(Common<MarkBody>.self, from: data))))
            case "dtmf":
                return .success(.dtmf(try dtmf(decoder.decode(Common<DTMFBody>.self, from: data))))
            case "stop":
                return .success(.stop(try stop(decoder.decode(Common<StopBody>.self, from: data))))
            case "error":
                return .success(.error(try error(decoder.decode(Common<ErrorBody>.self, from: data))))
            default:
                return .success(.unknown(event: event))
            }
        } catch let error as TelnyxMessageError {
            return .failure(error)
        } catch {
            return .failure(map(error, event: event))
        }
    }

    private static func map(_ error: any Error, event: String?) -> TelnyxMessageError {
        let name = event ?? "?"
        guard let decodingError = error as? DecodingError else { return .malformedJSON(String(describing: error)) }
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            (context.codingPath + (last.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            if event == nil { return .malformedJSON("no string 'event' field") }
            return .missingField(event: name, field: path(context, key))
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            if event == nil {
                return .malformedJSON(context.codingPath.isEmpty ? "not a JSON object" : "'event' is not a string")
            }
            return .invalidField(event: name, field: path(context), value: context.debugDescription)
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return .malformedJSON(context.debugDescription + underlying)
        @unknown default:
            return .malformedJSON(String(describing: decodingError))
        }
    }

    private static func required<T>(_ value: T?, _ event: String, _ field: String) throws(TelnyxMessageError) -> T {
        guard let value else { throw .missingField(event: event, field: field) }
        return value
    }

    private static func optionalInt(_ value: StringOrInt?, _ event: String, _ field: String) throws(TelnyxMessageError) -> Int? {
        guard let value else { return nil }
        guard let int = value.intValue else { throw .invalidField(event: event, field: field, value: value.text) }
        return int
    }

    private static func start(_ m: Common<StartBody>) throws(TelnyxMessageError) -> TelnyxStart {
        let body = try required(m.start, "start", "start")
        let format = body.media_format
        return TelnyxStart(
            sequenceNumber: try optionalInt(m.sequence_number, "start", "sequence_number"),
            streamId: try required(m.stream_id, "start", "stream_id"),
            callControlId: try required(body.call_control_id, "start", "start.call_control_id"),
            callSessionId: body.call_session_id,
            userId: body.user_id,
            from: body.from,
            to: body.to,
            tags: body.tags ?? [],
            clientState: body.client_state.flatMap { $0.isEmpty ? nil : $0 },
            customParameters: (body.custom_parameters ?? [:]).mapValues(\.text),
            mediaFormat: TelnyxMediaFormat(
                encoding: format?.encoding ?? "PCMU",
                sampleRate: try optionalInt(format?.sample_rate, "start", "start.media_format.sample_rate") ?? 8000,
                channels: try optionalInt(format?.channels, "start", "start.media_format.channels") ?? 1)
        )
    }

    private static func media(_ m: Common<MediaBody>) throws(TelnyxMessageError) -> TelnyxMedia {
        let body = try required(m.media, "media", "media")
        return TelnyxMedia(
            sequenceNumber: try required(optionalInt(m.sequence_number, "media", "sequence_number"), "media", "sequence_number"),
            streamId: m.stream_id,
            track: body.track ?? "inbound",
            chunk: try optionalInt(body.chunk, "media", "media.chunk"),
            timestamp: try optionalInt(body.timestamp, "media", "media.timestamp"),
            payload: try required(body.payload, "media", "media.payload")
        )
    }

    private static func mark(_ m: Common<MarkBody>) throws(TelnyxMessageError) -> TelnyxMark {
        let body = try required(m.mark, "mark", "mark")
        return TelnyxMark(
            sequenceNumber: try optionalInt(m.sequence_number, "mark", "sequence_number"),
            streamId: m.stream_id,
            name: try required(body.name, "mark", "mark.name"))
    }

    private static func dtmf(_ m: Common<DTMFBody>) throws(TelnyxMessageError) -> TelnyxDTMF {
        let body = try required(m.dtmf, "dtmf", "dtmf")
        return TelnyxDTMF(
            sequenceNumber: try optionalInt(m.sequence_number, "dtmf", "sequence_number"),
            streamId: m.stream_id, occurredAt: m.occurred_at,
            digit: try required(body.digit, "dtmf", "dtmf.digit"))
    }

    private static func stop(_ m: Common<StopBody>) throws(TelnyxMessageError) -> TelnyxStop {
        TelnyxStop(
            sequenceNumber: try optionalInt(m.sequence_number, "stop", "sequence_number"),
            streamId: m.stream_id, callControlId: m.stop?.call_control_id, userId: m.stop?.user_id)
    }

    private static func error(_ m: Common<ErrorBody>) throws(TelnyxMessageError) -> TelnyxStreamError {
        TelnyxStreamError(
            sequenceNumber: try optionalInt(m.sequence_number, "error", "sequence_number"),
            streamId: m.stream_id, code: m.error?.code?.text, title: m.error?.title, detail: m.error?.detail)
    }
}
