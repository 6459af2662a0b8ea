import Foundation
import NIOCore

extension TwilioInboundMessage {
    /// Decodes one WebSocket text frame.
    ///
    /// `media` and `mark` frames take hand-written scanners (no `JSONDecoder`, two small allocations);
    /// everything else, and any frame the scanner does not handle (escapes, numbers), uses `JSONDecoder`.
    public init(decoding text: String) throws(TwilioMessageError) {
        var text = text
        let result = text.withUTF8 { Self.decodeResult(UnsafeRawBufferPointer($0)) }
        self = try result.get()
    }

    /// Decodes one WebSocket frame's bytes (UTF-8 JSON).
    public init(decoding buffer: ByteBuffer) throws(TwilioMessageError) {
        let result = buffer.withUnsafeReadableBytes { Self.decodeResult($0) }
        self = try result.get()
    }

    /// Decodes UTF-8 JSON bytes.
    public init(decoding bytes: some Collection<UInt8>) throws(TwilioMessageError) {
        let fast = bytes.withContiguousStorageIfAvailable { Self.decodeResult(UnsafeRawBufferPointer($0)) }
        if let fast {
            self = try fast.get()
        } else {
            let array = Array(bytes)
            self = try array.withUnsafeBytes { Self.decodeResult($0) }.get()
        }
    }

    static func decodeResult(_ bytes: UnsafeRawBufferPointer) -> Result<TwilioInboundMessage, TwilioMessageError> {
        if let media = TwilioFastMediaScanner.scan(bytes) {
            return .success(.media(media))
        }
        if let mark = TwilioFastMarkScanner.scan(bytes) {
            return .success(.mark(mark))
        }
        return TwilioJSONFallback.decode(Data(bytes))
    }
}

/// The slow path: `JSONDecoder` with minimal structs, then explicit checks of required fields.
enum TwilioJSONFallback {
    /// A JSON value Twilio sends as a string holding an integer; numbers are accepted too.
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

    struct EventOnly: Decodable { var event: String }

    struct Connected: Decodable {
        var `protocol`: String?
        var version: String?
    }

    struct Common<Body: Decodable>: Decodable {
        var sequenceNumber: StringOrInt?
        var streamSid: String?
        var start: Body?
        var media: Body?
        var mark: Body?
        var dtmf: Body?
        var stop: Body?
    }

    struct StartBody: Decodable {
        struct Format: Decodable {
            var encoding: String?
            var sampleRate: StringOrInt?
            var channels: StringOrInt?
        }
        var accountSid: String?
        var streamSid: String?
        var callSid: String?
        var tracks: [String]?
        var mediaFormat: Format?
        var customParameters: [String: String]?
    }

    struct MediaBody: Decodable {
        var track: String?
        var chunk: StringOrInt?
        var timestamp: StringOrInt?
        var payload: String?
    }

    struct MarkBody: Decodable { var name: String? }
    struct DTMFBody: Decodable { var track: String?; var digit: String? }
    struct StopBody: Decodable { var accountSid: String?; var callSid: String? }

    static func decode(_ data: Data) -> Result<TwilioInboundMessage, TwilioMessageError> {
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
                return .success(.connected(TwilioConnected(protocol: body.protocol, version: body.version)))
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
            default:
                return .success(.unknown(event: event))
            }
        } catch let error as TwilioMessageError {
            return .failure(error)
        } catch {
            return .failure(map(error, event: event))
        }
    }

    private static func map(_ error: any Error, event: String?) -> TwilioMessageError {
        let name = event ?? "?"
        guard let decodingError = error as? DecodingError else {
            return .malformedJSON(String(describing: error))
        }
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

    private static func required<T>(_ value: T?, _ event: String, _ field: String) throws(TwilioMessageError) -> T {
        guard let value else { throw .missingField(event: event, field: field) }
        return value
    }

    private static func int(_ value: StringOrInt?, _ event: String, _ field: String) throws(TwilioMessageError) -> Int {
        let raw = try required(value, event, field)
        guard let int = raw.intValue else { throw .invalidField(event: event, field: field, value: raw.text) }
        return int
    }

    private static func start(_ m: Common<StartBody>) throws(TwilioMessageError) -> TwilioStart {
        let body = try required(m.start, "start", "start")
        let format = body.mediaFormat
        return TwilioStart(
            sequenceNumber: try int(m.sequenceNumber, "start", "sequenceNumber"),
            streamSid: try required(m.streamSid ?? body.streamSid, "start", "streamSid"),
            accountSid: try required(body.accountSid, "start", "start.accountSid"),
            callSid: try required(body.callSid, "start", "start.callSid"),
            tracks: (body.tracks ?? ["inbound"]).map(TwilioTrack.init(rawValue:)),
            mediaFormat: TwilioMediaFormat(
                encoding: format?.encoding ?? "audio/x-mulaw",
                sampleRate: try format?.sampleRate.map { v throws(TwilioMessageError) in
                    try int(v, "start", "start.mediaFormat.sampleRate")
                } ?? 8000,
                channels: try format?.channels.map { v throws(TwilioMessageError) in
                    try int(v, "start", "start.mediaFormat.channels")
                } ?? 1
            ),
            customParameters: body.customParameters ?? [:]
        )
    }

    private static func media(_ m: Common<MediaBody>) throws(TwilioMessageError) -> TwilioMedia {
        let body = try required(m.media, "media", "media")
        return TwilioMedia(
            sequenceNumber: try int(m.sequenceNumber, "media", "sequenceNumber"),
            streamSid: try required(m.streamSid, "media", "streamSid"),
            track: TwilioTrack(rawValue: body.track ?? "inbound"),
            chunk: try int(body.chunk, "media", "media.chunk"),
            timestamp: try int(body.timestamp, "media", "media.timestamp"),
            payload: try required(body.payload, "media", "media.payload")
        )
    }

    private static func mark(_ m: Common<MarkBody>) throws(TwilioMessageError) -> TwilioMark {
        let body = try required(m.mark, "mark", "mark")
        return TwilioMark(
            sequenceNumber: try int(m.sequenceNumber, "mark", "sequenceNumber"),
            streamSid: try required(m.streamSid, "mark", "streamSid"),
            name: try required(body.name, "mark", "mark.name")
        )
    }

    private static func dtmf(_ m: Common<DTMFBody>) throws(TwilioMessageError) -> TwilioDTMF {
        let body = try required(m.dtmf, "dtmf", "dtmf")
        return TwilioDTMF(
            sequenceNumber: try int(m.sequenceNumber, "dtmf", "sequenceNumber"),
            streamSid: try required(m.streamSid, "dtmf", "streamSid"),
            track: body.track,
            digit: try required(body.digit, "dtmf", "dtmf.digit")
        )
    }

    private static func stop(_ m: Common<StopBody>) throws(TwilioMessageError) -> TwilioStop {
        let body = try required(m.stop, "stop", "stop")
        return TwilioStop(
            sequenceNumber: try int(m.sequenceNumber, "stop", "sequenceNumber"),
            streamSid: try required(m.streamSid, "stop", "streamSid"),
            accountSid: body.accountSid,
            callSid: try required(body.callSid, "stop", "stop.callSid")
        )
    }
}
