import Foundation

/// A server frame could not be turned into a ``RealtimeServerEvent``.
public enum RealtimeDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame is not valid JSON, or not a JSON object.
    case malformedJSON(String)
    /// The object has no string `type`.
    case missingType
    /// A known event type lacks a required field or has a wrong field type.
    case invalidEvent(type: String, reason: String)
    /// A binary frame arrived; the Realtime API only sends text frames.
    case binaryFrame(byteCount: Int)

    public var description: String {
        switch self {
        case .malformedJSON(let reason): "malformed JSON: \(reason)"
        case .missingType: "event without a type"
        case .invalidEvent(let type, let reason): "invalid \(type) event: \(reason)"
        case .binaryFrame(let count): "unexpected binary frame of \(count) bytes"
        }
    }
}

extension RealtimeServerEvent {
    /// Decodes one text frame. Audio deltas take a fast path that slices the base64 string
    /// out of the frame without a full JSON decode; everything else uses `JSONDecoder`.
    /// Unknown types give ``unknown(type:)``.
    public static func decode(_ text: String) throws(RealtimeDecodingError) -> RealtimeServerEvent {
        var text = text
        if let fast = text.withUTF8({ FlatEventScanner.audioDelta($0) }) {
            return fast
        }
        return try decode(data: Data(text.utf8))
    }

    /// Decodes one frame given as UTF-8 bytes.
    public static func decode(data: Data) throws(RealtimeDecodingError) -> RealtimeServerEvent {
        let decoder = JSONDecoder()
        let wire: WireServerEvent
        do {
            wire = try decoder.decode(WireServerEvent.self, from: data)
        } catch let error as RealtimeDecodingError {
            throw error
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw .malformedJSON(context.debugDescription)
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw .malformedJSON("top level is not an object: \(context.debugDescription)")
        } catch {
            throw .malformedJSON("\(error)")
        }
        return wire.event
    }
}

// MARK: - Wire decoding

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private struct WireServerEvent: Decodable {
    let event: RealtimeServerEvent

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard let type = try? c.decodeIfPresent(String.self, forKey: AnyKey("type")) else {
            throw RealtimeDecodingError.missingType
        }
        do {
            self.event = try Self.decodeBody(type: type, c)
        } catch let error as RealtimeDecodingError {
            throw error
        } catch {
            throw RealtimeDecodingError.invalidEvent(type: type, reason: Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "missing \(path)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "wrong type at \(path)"
        default:
            return "\(error)"
        }
    }

    private static func decodeBody(type: String, _ c: KeyedDecodingContainer<AnyKey>) throws -> RealtimeServerEvent {
        func str(_ key: String) throws -> String { try c.decode(String.self, forKey: AnyKey(key)) }
        func optStr(_ key: String) throws -> String? { try c.decodeIfPresent(String.self, forKey: AnyKey(key)) }
        func int(_ key: String) throws -> Int { try c.decode(Int.self, forKey: AnyKey(key)) }
        func optInt(_ key: String) throws -> Int { try c.decodeIfPresent(Int.self, forKey: AnyKey(key)) ?? 0 }
        func ref() throws -> RealtimeContentRef {
            RealtimeContentRef(
                responseID: try str("response_id"), itemID: try str("item_id"),
                outputIndex: try optInt("output_index"), contentIndex: try optInt("content_index")
            )
        }
        func item() throws -> RealtimeItem { try c.decode(WireItem.self, forKey: AnyKey("item")).value }
        func session() throws -> RealtimeSessionInfo {
            try c.decodeIfPresent(WireSession.self, forKey: AnyKey("session"))?.value ?? RealtimeSessionInfo()
        }
        func response() throws -> RealtimeResponse { try c.decode(WireResponse.self, forKey: AnyKey("response")).value }
        func part() throws -> RealtimeContentPart { try c.decode(WirePart.self, forKey: AnyKey("part")).value }

        switch type {
        // A transcription session may answer with the `transcription_session.*` names (still in the SDKs).
        case "session.created", "transcription_session.created": return .sessionCreated(try session())
        case "session.updated", "transcription_session.updated": return .sessionUpdated(try session())
        case "error":
            return .error(try c.decode(WireError.self, forKey: AnyKey("error")).value)
        case "input_audio_buffer.speech_started":
            return .speechStarted(audioStartMs: try int("audio_start_ms"), itemID: try str("item_id"))
        case "input_audio_buffer.speech_stopped":
            return .speechStopped(audioEndMs: try int("audio_end_ms"), itemID: try str("item_id"))
        case "input_audio_buffer.committed":
            return .inputAudioCommitted(itemID: try str("item_id"), previousItemID: try optStr("previous_item_id"))
        case "conversation.item.added":
            return .conversationItemAdded(try item(), previousItemID: try optStr("previous_item_id"))
        case "conversation.item.done":
            return .conversationItemDone(try item(), previousItemID: try optStr("previous_item_id"))
        case "conversation.item.created":
            return .conversationItemCreated(try item(), previousItemID: try optStr("previous_item_id"))
        case "conversation.item.input_audio_transcription.completed":
            return .inputTranscriptionCompleted(
                itemID: try str("item_id"), contentIndex: try optInt("content_index"), transcript: try str("transcript")
            )
        case "conversation.item.input_audio_transcription.failed":
            return .inputTranscriptionFailed(
                itemID: try str("item_id"), contentIndex: try optInt("content_index"),
                error: try c.decodeIfPresent(WireError.self, forKey: AnyKey("error"))?.value ?? RealtimeAPIError()
            )
        case "conversation.item.truncated":
            return .conversationItemTruncated(
                itemID: try str("item_id"), contentIndex: try optInt("content_index"), audioEndMs: try int("audio_end_ms")
            )
        case "response.created": return .responseCreated(try response())
        case "response.done": return .responseDone(try response())
        case "response.output_item.added":
            return .outputItemAdded(responseID: try str("response_id"), outputIndex: try optInt("output_index"), item: try item())
        case "response.output_item.done":
            return .outputItemDone(responseID: try str("response_id"), outputIndex: try optInt("output_index"), item: try item())
        case "response.content_part.added": return .contentPartAdded(try ref(), part: try part())
        case "response.content_part.done": return .contentPartDone(try ref(), part: try part())
        case "response.output_audio.delta": return .outputAudioDelta(try ref(), delta: try str("delta"))
        case "response.output_audio.done": return .outputAudioDone(try ref())
        case "response.output_audio_transcript.delta":
            return .outputAudioTranscriptDelta(try ref(), delta: try str("delta"))
        case "response.output_audio_transcript.done":
            return .outputAudioTranscriptDone(try ref(), transcript: try str("transcript"))
        case "response.output_text.delta": return .outputTextDelta(try ref(), delta: try str("delta"))
        case "response.output_text.done": return .outputTextDone(try ref(), text: try str("text"))
        case "response.function_call_arguments.done":
            return .functionCallArgumentsDone(
                RealtimeFunctionCallArguments(
                    responseID: try str("response_id"), itemID: try str("item_id"),
                    outputIndex: try optInt("output_index"), callID: try str("call_id"),
                    name: try optStr("name"), arguments: try str("arguments")
                )
            )
        case "rate_limits.updated":
            let limits = try c.decodeIfPresent([WireRateLimit].self, forKey: AnyKey("rate_limits")) ?? []
            return .rateLimitsUpdated(limits.map(\.value))
        default:
            return .unknown(type: type)
        }
    }
}

private struct WireError: Decodable {
    let type: String?
    let code: String?
    let message: String?
    let param: String?
    let eventID: String?
    enum CodingKeys: String, CodingKey {
        case type, code, message, param
        case eventID = "event_id"
    }
    var value: RealtimeAPIError { RealtimeAPIError(type: type, code: code, message: message, param: param, eventID: eventID) }
}

private struct WirePart: Decodable {
    let type: String
    let text: String?
    let transcript: String?
    var value: RealtimeContentPart { RealtimeContentPart(type: RealtimeContentType(wire: type), text: text, transcript: transcript) }
}

private struct WireItem: Decodable {
    let id: String
    let type: String
    let role: String?
    let status: String?
    let name: String?
    let callID: String?
    let arguments: String?
    let output: String?
    let content: [WirePart]?
    enum CodingKeys: String, CodingKey {
        case id, type, role, status, name, arguments, output, content
        case callID = "call_id"
    }
    var value: RealtimeItem {
        RealtimeItem(
            id: id, kind: RealtimeItem.Kind(wire: type), role: role, status: status, name: name,
            callID: callID, arguments: arguments, output: output, content: (content ?? []).map(\.value)
        )
    }
}

private struct WireResponse: Decodable {
    struct Details: Decodable {
        let reason: String?
        let error: WireError?
    }
    let id: String
    let status: String
    let statusDetails: Details?
    let output: [WireItem]?
    enum CodingKeys: String, CodingKey {
        case id, status, output
        case statusDetails = "status_details"
    }
    var value: RealtimeResponse {
        RealtimeResponse(
            id: id, status: RealtimeResponse.Status(wire: status), statusReason: statusDetails?.reason,
            statusError: statusDetails?.error?.value, output: (output ?? []).map(\.value)
        )
    }
}

private struct WireRateLimit: Decodable {
    let name: String
    let limit: Double?
    let remaining: Double?
    let resetSeconds: Double?
    enum CodingKeys: String, CodingKey {
        case name, limit, remaining
        case resetSeconds = "reset_seconds"
    }
    var value: RealtimeRateLimit { RealtimeRateLimit(name: name, limit: limit, remaining: remaining, resetSeconds: resetSeconds) }
}

private struct WireSession: Decodable {
    struct Format: Decodable { let type: String? }
    /// Voice is a string or `{"id": "voice_…"}`.
    struct Voice: Decodable {
        let value: String?
        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let string = try? single.decode(String.self) {
                value = string
            } else {
                value = try? decoder.container(keyedBy: AnyKey.self).decodeIfPresent(String.self, forKey: AnyKey("id"))
            }
        }
    }
    struct Input: Decodable { let format: Format? }
    struct Output: Decodable {
        let format: Format?
        let voice: Voice?
    }
    struct Audio: Decodable {
        let input: Input?
        let output: Output?
    }
    struct Tool: Decodable { let name: String? }

    let id: String?
    let model: String?
    let audio: Audio?
    let tools: [Tool]?

    var value: RealtimeSessionInfo {
        RealtimeSessionInfo(
            id: id, model: model, inputFormat: audio?.input?.format?.type, outputFormat: audio?.output?.format?.type,
            voice: audio?.output?.voice?.value, toolNames: (tools ?? []).compactMap(\.name)
        )
    }
}
