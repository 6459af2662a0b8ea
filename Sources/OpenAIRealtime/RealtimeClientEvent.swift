import Foundation
import WireJSON

/// An event the bridge sends to the Realtime API (GA shape). Every case may carry a client-chosen
/// `event_id`, which the server echoes only inside `error.event_id` when that event fails.
public enum RealtimeClientEvent: Sendable, Equatable {
    /// `session.update` with the GA nested session object.
    case sessionUpdate(RealtimeSessionConfig, eventID: String? = nil)
    /// `input_audio_buffer.append`; `audio` is base64 in the input format, passed through untouched.
    case inputAudioAppend(audio: String, eventID: String? = nil)
    /// `response.create`, optionally with per-response `instructions`.
    case responseCreate(instructions: String? = nil, eventID: String? = nil)
    /// `response.cancel`, optionally for a specific `response_id`.
    case responseCancel(responseID: String? = nil, eventID: String? = nil)
    /// `conversation.item.truncate`: the caller heard only `audioEndMs` of the assistant item.
    case itemTruncate(itemID: String, contentIndex: Int = 0, audioEndMs: Int, eventID: String? = nil)
    /// `conversation.item.create` with a `function_call_output` item answering `callID`.
    case functionCallOutput(callID: String, output: String, eventID: String? = nil)
    /// `conversation.item.create` with a user message holding one `input_text` part.
    case userText(String, eventID: String? = nil)
    /// `session.update` of a transcription-only session (`?intent=transcription`).
    case transcriptionSessionUpdate(RealtimeTranscriptionSessionConfig, eventID: String? = nil)

    /// The wire `type` of this event.
    public var type: String {
        switch self {
        case .sessionUpdate, .transcriptionSessionUpdate: "session.update"
        case .inputAudioAppend: "input_audio_buffer.append"
        case .responseCreate: "response.create"
        case .responseCancel: "response.cancel"
        case .itemTruncate: "conversation.item.truncate"
        case .functionCallOutput, .userText: "conversation.item.create"
        }
    }

    /// Encodes the event as one JSON text frame.
    ///
    /// `input_audio_buffer.append` is built by hand (no `JSONEncoder`), the audio copied verbatim
    /// unless it contains characters JSON must escape.
    /// - Throws: ``RealtimeEncodingError`` when a value cannot be represented (e.g. a NaN threshold).
    public func encodeJSON() throws(RealtimeEncodingError) -> String {
        switch self {
        case .inputAudioAppend(let audio, let eventID):
            var out = "{\"type\":\"input_audio_buffer.append\""
            out.reserveCapacity(audio.utf8.count + 64 + (eventID?.utf8.count ?? 0))
            if let eventID {
                out += ",\"event_id\":"
                JSONQuoting.append(eventID, to: &out)
            }
            out += ",\"audio\":"
            JSONQuoting.append(audio, to: &out)
            out += "}"
            return out
        case .sessionUpdate(let config, let eventID):
            if !config.turnDetection.threshold.isFinite {
                throw RealtimeEncodingError(message: "turn_detection.threshold is not a finite number")
            }
            return try Self.encode(WireSessionUpdate(eventID: eventID, session: WireSession(config)))
        case .transcriptionSessionUpdate(let config, let eventID):
            if !config.turnDetection.threshold.isFinite {
                throw RealtimeEncodingError(message: "turn_detection.threshold is not a finite number")
            }
            return try Self.encode(WireTranscriptionSessionUpdate(config, eventID: eventID))
        case .responseCreate(let instructions, let eventID):
            return try Self.encode(
                WireResponseCreate(eventID: eventID, response: instructions.map { WireResponseCreate.Response(instructions: $0) })
            )
        case .responseCancel(let responseID, let eventID):
            return try Self.encode(WireResponseCancel(eventID: eventID, responseID: responseID))
        case .itemTruncate(let itemID, let contentIndex, let audioEndMs, let eventID):
            return try Self.encode(
                WireTruncate(eventID: eventID, itemID: itemID, contentIndex: contentIndex, audioEndMs: audioEndMs)
            )
        case .functionCallOutput(let callID, let output, let eventID):
            return try Self.encode(
                WireItemCreate(eventID: eventID, item: .init(type: "function_call_output", callID: callID, output: output))
            )
        case .userText(let text, let eventID):
            return try Self.encode(
                WireItemCreate(
                    eventID: eventID,
                    item: .init(type: "message", role: "user", content: [.init(type: "input_text", text: text)])
                )
            )
        }
    }

    private static func encode(_ value: some Encodable) throws(RealtimeEncodingError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw RealtimeEncodingError(message: "\(error)")
        }
    }
}

/// A client event could not be encoded.
public struct RealtimeEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Creates the error.
    public init(message: String) { self.message = message }
    public var description: String { "RealtimeEncodingError: \(message)" }
}

// MARK: - Wire shapes (GA)

private struct WireSessionUpdate: Encodable {
    let type = "session.update"
    let eventID: String?
    let session: WireSession
    enum CodingKeys: String, CodingKey {
        case type, session
        case eventID = "event_id"
    }
}

private struct WireSession: Encodable {
    struct Format: Encodable { let type: String }
    struct Transcription: Encodable {
        let model: String
        let language: String?
    }
    struct TurnDetection: Encodable {
        let type = "server_vad"
        let threshold: Double
        let prefixPaddingMs: Int
        let silenceDurationMs: Int
        let createResponse: Bool
        let interruptResponse: Bool
        enum CodingKeys: String, CodingKey {
            case type, threshold
            case prefixPaddingMs = "prefix_padding_ms"
            case silenceDurationMs = "silence_duration_ms"
            case createResponse = "create_response"
            case interruptResponse = "interrupt_response"
        }
    }
    struct Input: Encodable {
        let format: Format
        let transcription: Transcription?
        let turnDetection: TurnDetection
        enum CodingKeys: String, CodingKey {
            case format, transcription
            case turnDetection = "turn_detection"
        }
    }
    struct Output: Encodable {
        let format: Format
        let voice: String
    }
    struct Audio: Encodable {
        let input: Input
        let output: Output
    }
    struct Tool: Encodable {
        let type = "function"
        let name: String
        let description: String
        let parameters: RealtimeJSONValue
    }

    let type = "realtime"
    let model: String
    let outputModalities = ["audio"]
    let instructions: String
    let audio: Audio
    let tools: [Tool]
    let toolChoice = "auto"
    let maxOutputTokens: Int?

    enum CodingKeys: String, CodingKey {
        case type, model, instructions, audio, tools
        case outputModalities = "output_modalities"
        case toolChoice = "tool_choice"
        case maxOutputTokens = "max_output_tokens"
    }

    init(_ config: RealtimeSessionConfig) {
        let vad = config.turnDetection
        self.model = config.model
        self.instructions = config.instructions
        self.audio = Audio(
            input: Input(
                format: Format(type: config.inputFormat.rawValue),
                transcription: config.transcription.map { Transcription(model: $0.model, language: $0.language) },
                turnDetection: TurnDetection(
                    threshold: vad.threshold,
                    prefixPaddingMs: vad.prefixPaddingMs,
                    silenceDurationMs: vad.silenceDurationMs,
                    createResponse: vad.createResponse,
                    interruptResponse: vad.interruptResponse
                )
            ),
            output: Output(format: Format(type: config.outputFormat.rawValue), voice: config.voice)
        )
        self.tools = config.tools.map { Tool(name: $0.name, description: $0.description, parameters: $0.parameters) }
        self.maxOutputTokens = config.maxOutputTokens
    }
}

private struct WireResponseCreate: Encodable {
    struct Response: Encodable { let instructions: String }
    let type = "response.create"
    let eventID: String?
    let response: Response?
    enum CodingKeys: String, CodingKey {
        case type, response
        case eventID = "event_id"
    }
}

private struct WireResponseCancel: Encodable {
    let type = "response.cancel"
    let eventID: String?
    let responseID: String?
    enum CodingKeys: String, CodingKey {
        case type
        case eventID = "event_id"
        case responseID = "response_id"
    }
}

private struct WireTruncate: Encodable {
    let type = "conversation.item.truncate"
    let eventID: String?
    let itemID: String
    let contentIndex: Int
    let audioEndMs: Int
    enum CodingKeys: String, CodingKey {
        case type
        case eventID = "event_id"
        case itemID = "item_id"
        case contentIndex = "content_index"
        case audioEndMs = "audio_end_ms"
    }
}

private struct WireItemCreate: Encodable {
    struct Part: Encodable {
        let type: String
        let text: String
    }
    struct Item: Encodable {
        let type: String
        var role: String? = nil
        var content: [Part]? = nil
        var callID: String? = nil
        var output: String? = nil
        enum CodingKeys: String, CodingKey {
            case type, role, content, output
            case callID = "call_id"
        }
    }
    let type = "conversation.item.create"
    let eventID: String?
    let item: Item
    enum CodingKeys: String, CodingKey {
        case type, item
        case eventID = "event_id"
    }
}
