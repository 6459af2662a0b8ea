/// An `error` the fake server reports to the client (`error.type`, `code`, `message`, `param`).
struct RealtimeErrorInfo: Error, Equatable {
    var type = "invalid_request_error"
    var code: String?
    var message: String
    var param: String?

    static func unknownParameter(_ path: String) -> RealtimeErrorInfo {
        RealtimeErrorInfo(code: "unknown_parameter", message: "Unknown parameter: '\(path)'.", param: path)
    }

    static func missing(_ path: String) -> RealtimeErrorInfo {
        RealtimeErrorInfo(code: "missing_required_parameter", message: "Missing required parameter: '\(path)'.", param: path)
    }

    static func invalidValue(_ path: String, _ message: String) -> RealtimeErrorInfo {
        RealtimeErrorInfo(code: "invalid_value", message: message, param: path)
    }

    static func invalidType(_ path: String, expected: String) -> RealtimeErrorInfo {
        RealtimeErrorInfo(code: "invalid_type", message: "Invalid type for '\(path)': expected \(expected).", param: path)
    }
}

/// Server VAD settings (`audio.input.turn_detection`).
struct RealtimeTurnDetection: Equatable {
    var type = "server_vad"
    var threshold = 0.5
    var prefixPaddingMs = 300
    var silenceDurationMs = 500
    var idleTimeoutMs: Int?
    var eagerness = "auto"
    var createResponse = true
    var interruptResponse = true

    var json: RealtimeJSON {
        if type == "semantic_vad" {
            return .obj([
                "type": "semantic_vad", "eagerness": .string(eagerness),
                "create_response": .bool(createResponse), "interrupt_response": .bool(interruptResponse),
            ])
        }
        return .obj([
            "type": "server_vad", "threshold": .double(threshold), "prefix_padding_ms": .int(prefixPaddingMs),
            "silence_duration_ms": .int(silenceDurationMs), "idle_timeout_ms": idleTimeoutMs.map { .int($0) } ?? .null,
            "create_response": .bool(createResponse), "interrupt_response": .bool(interruptResponse),
        ])
    }

    /// The turn detection of a transcription session: no response is ever created.
    var transcriptionJSON: RealtimeJSON {
        .obj([
            "type": .string(type), "threshold": .double(threshold), "prefix_padding_ms": .int(prefixPaddingMs),
            "silence_duration_ms": .int(silenceDurationMs),
        ])
    }

    /// Silence that ends a turn (semantic VAD mapped to a fixed wait by eagerness).
    var effectiveSilenceMs: Int {
        guard type == "semantic_vad" else { return silenceDurationMs }
        switch eagerness {
        case "high": return 300
        case "low": return 1200
        default: return 700
        }
    }
}

/// The effective GA session configuration and its merge rules for `session.update`.
struct RealtimeSessionConfig: Equatable {
    var id: String
    var model: String
    /// `realtime`, or `transcription` for a session opened with `?intent=transcription`.
    var sessionType = "realtime"
    var isTranscription: Bool { sessionType == "transcription" }
    var outputModalities = ["audio"]
    var instructions = "You are a helpful, witty, and friendly AI."
    var inputFormat = RealtimeAudioFormat.pcm
    var outputFormat = RealtimeAudioFormat.pcm
    var transcription: RealtimeJSON = .null
    var noiseReduction: RealtimeJSON = .null
    var turnDetection: RealtimeTurnDetection? = RealtimeTurnDetection()
    var voice: RealtimeJSON = "marin"
    var speed = 1.0
    var tools: [RealtimeJSON] = []
    var toolChoice: RealtimeJSON = "auto"
    var maxOutputTokens: RealtimeJSON = "inf"
    var tracing: RealtimeJSON = .null
    var truncation: RealtimeJSON = "auto"
    var prompt: RealtimeJSON = .null
    var include: RealtimeJSON = .null
    var expiresAt: Int
    /// gpt-realtime-2 family extras, echoed when set.
    var extras: [RealtimePair] = []

    /// Names of the declared function tools.
    var functionNames: [String] { tools.compactMap { $0["type"]?.stringValue == "function" ? $0["name"]?.stringValue : nil } }

    /// The `session` object of `session.created` / `session.updated`.
    var json: RealtimeJSON {
        if isTranscription {
            return .obj([
                "type": "transcription", "object": "realtime.transcription_session", "id": .string(id),
                "expires_at": .int(expiresAt),
                "audio": .obj([
                    "input": .obj([
                        "format": inputFormat.json, "transcription": transcription, "noise_reduction": noiseReduction,
                        "turn_detection": turnDetection?.transcriptionJSON ?? .null,
                    ])
                ]),
                "include": include,
            ])
        }
        var pairs: [RealtimePair] = [
            RealtimePair("type", "realtime"),
            RealtimePair("object", "realtime.session"),
            RealtimePair("id", .string(id)),
            RealtimePair("model", .string(model)),
            RealtimePair("output_modalities", .array(outputModalities.map { .string($0) })),
            RealtimePair("instructions", .string(instructions)),
            RealtimePair("tools", .array(tools)),
            RealtimePair("tool_choice", toolChoice),
            RealtimePair("max_output_tokens", maxOutputTokens),
            RealtimePair("tracing", tracing),
            RealtimePair("truncation", truncation),
            RealtimePair("prompt", prompt),
            RealtimePair("expires_at", .int(expiresAt)),
            RealtimePair(
                "audio",
                .obj([
                    "input": .obj([
                        "format": inputFormat.json, "transcription": transcription, "noise_reduction": noiseReduction,
                        "turn_detection": turnDetection?.json ?? .null,
                    ]),
                    "output": .obj(["format": outputFormat.json, "voice": voice, "speed": .double(speed)]),
                ])
            ),
            RealtimePair("include", include),
        ]
        pairs.append(contentsOf: extras)
        return .object(pairs)
    }

    /// Applies a GA `session.update` payload; on error nothing changes.
    mutating func apply(update session: RealtimeJSON, assistantAudioPresent: Bool) throws(RealtimeErrorInfo) {
        guard let pairs = session.objectPairs else { throw .invalidType("session", expected: "an object") }
        guard let type = session["type"] else { throw .missing("session.type") }
        guard type.stringValue == sessionType else {
            throw .invalidValue("session.type", "Invalid value: '\(type.serialized)'. This session only supports '\(sessionType)'.")
        }
        if isTranscription {
            // A transcription session has no model output: only input audio settings and `include`.
            for pair in pairs where !["type", "audio", "include"].contains(pair.key) {
                throw .unknownParameter("session." + pair.key)
            }
            for pair in session["audio"]?.objectPairs ?? [] where pair.key != "input" {
                throw .unknownParameter("session.audio." + pair.key)
            }
        }
        var next = self
        for pair in pairs {
            let path = "session." + pair.key
            let value = pair.value
            switch pair.key {
            case "type": break
            case "model":
                guard let model = value.stringValue else { throw .invalidType(path, expected: "a string") }
                guard model == next.model else { throw .invalidValue(path, "Cannot update a session's model.") }
            case "output_modalities":
                guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count,
                    list == ["audio"] || list == ["text"]
                else {
                    throw .invalidValue(path, "Invalid value for '\(path)': supported values are [\"audio\"] or [\"text\"].")
                }
                next.outputModalities = list
            case "instructions":
                guard let text = value.stringValue else { throw .invalidType(path, expected: "a string") }
                next.instructions = text
            case "tools":
                guard let tools = value.arrayValue else { throw .invalidType(path, expected: "an array") }
                for (index, tool) in tools.enumerated() {
                    let toolPath = "\(path)[\(index)]"
                    guard tool.objectPairs != nil else { throw .invalidType(toolPath, expected: "an object") }
                    guard let kind = tool["type"]?.stringValue else { throw .missing(toolPath + ".type") }
                    if kind == "function" {
                        guard let name = tool["name"]?.stringValue, !name.isEmpty else { throw .missing(toolPath + ".name") }
                        for key in tool.objectPairs ?? [] where !["type", "name", "description", "parameters"].contains(key.key) {
                            throw .unknownParameter(toolPath + "." + key.key)
                        }
                    } else if kind != "mcp" {
                        throw .invalidValue(toolPath + ".type", "Invalid value: '\(kind)'. Supported values are: 'function' and 'mcp'.")
                    }
                }
                next.tools = tools
            case "tool_choice": next.toolChoice = value
            case "max_output_tokens":
                if let n = value.intValue {
                    guard (1...4096).contains(n) else { throw .invalidValue(path, "Invalid '\(path)': must be between 1 and 4096 or 'inf'.") }
                } else if value.stringValue != "inf" {
                    throw .invalidValue(path, "Invalid '\(path)': must be an integer or 'inf'.")
                }
                next.maxOutputTokens = value
            case "tracing": next.tracing = value
            case "truncation": next.truncation = value
            case "prompt": next.prompt = value
            case "include": next.include = value
            case "reasoning", "parallel_tool_calls":
                next.extras.removeAll { $0.key == pair.key }
                next.extras.append(pair)
            case "audio":
                try next.applyAudio(value, assistantAudioPresent: assistantAudioPresent)
            default:
                throw .unknownParameter(path)
            }
        }
        self = next
    }

    private mutating func applyAudio(_ audio: RealtimeJSON, assistantAudioPresent: Bool) throws(RealtimeErrorInfo) {
        guard let pairs = audio.objectPairs else { throw .invalidType("session.audio", expected: "an object") }
        for pair in pairs {
            switch pair.key {
            case "input":
                guard let input = pair.value.objectPairs else { throw .invalidType("session.audio.input", expected: "an object") }
                for field in input {
                    let path = "session.audio.input." + field.key
                    switch field.key {
                    case "format": inputFormat = try Self.format(field.value, path: path)
                    case "transcription": transcription = field.value
                    case "noise_reduction": noiseReduction = field.value
                    case "turn_detection": try applyTurnDetection(field.value)
                    default: throw .unknownParameter(path)
                    }
                }
            case "output":
                guard let output = pair.value.objectPairs else { throw .invalidType("session.audio.output", expected: "an object") }
                for field in output {
                    let path = "session.audio.output." + field.key
                    switch field.key {
                    case "format": outputFormat = try Self.format(field.value, path: path)
                    case "voice":
                        guard field.value.stringValue != nil || field.value["id"]?.stringValue != nil else {
                            throw .invalidType(path, expected: "a string or an object with 'id'")
                        }
                        if field.value != voice && assistantAudioPresent {
                            throw .invalidValue(path, "Cannot update a conversation's voice if assistant audio is present.")
                        }
                        voice = field.value
                    case "speed":
                        guard let speed = field.value.doubleValue, (0.25...1.5).contains(speed) else {
                            throw .invalidValue(path, "Invalid '\(path)': must be between 0.25 and 1.5.")
                        }
                        self.speed = speed
                    default: throw .unknownParameter(path)
                    }
                }
            default:
                throw .unknownParameter("session.audio." + pair.key)
            }
        }
    }

    private mutating func applyTurnDetection(_ value: RealtimeJSON) throws(RealtimeErrorInfo) {
        let path = "session.audio.input.turn_detection"
        if value.isNull {
            turnDetection = nil
            return
        }
        guard let pairs = value.objectPairs else { throw .invalidType(path, expected: "an object or null") }
        guard let type = value["type"]?.stringValue else { throw .missing(path + ".type") }
        guard type == "server_vad" || type == "semantic_vad" else {
            throw .invalidValue(path + ".type", "Invalid value: '\(type)'. Supported values are: 'server_vad' and 'semantic_vad'.")
        }
        var vad = (turnDetection?.type == type ? turnDetection : nil) ?? RealtimeTurnDetection(type: type)
        for pair in pairs {
            let fieldPath = path + "." + pair.key
            switch (type, pair.key) {
            case (_, "type"): break
            case (_, "create_response"):
                guard let b = pair.value.boolValue else { throw .invalidType(fieldPath, expected: "a boolean") }
                vad.createResponse = b
            case (_, "interrupt_response"):
                guard let b = pair.value.boolValue else { throw .invalidType(fieldPath, expected: "a boolean") }
                vad.interruptResponse = b
            case ("server_vad", "threshold"):
                guard let d = pair.value.doubleValue, (0...1).contains(d) else { throw .invalidValue(fieldPath, "Invalid '\(fieldPath)': must be between 0 and 1.") }
                vad.threshold = d
            case ("server_vad", "prefix_padding_ms"):
                guard let n = pair.value.intValue, n >= 0 else { throw .invalidType(fieldPath, expected: "a non-negative integer") }
                vad.prefixPaddingMs = n
            case ("server_vad", "silence_duration_ms"):
                guard let n = pair.value.intValue, n >= 0 else { throw .invalidType(fieldPath, expected: "a non-negative integer") }
                vad.silenceDurationMs = n
            case ("server_vad", "idle_timeout_ms"):
                if pair.value.isNull {
                    vad.idleTimeoutMs = nil
                } else {
                    guard let n = pair.value.intValue, n >= 5000 else {
                        throw .invalidValue(fieldPath, "Invalid '\(fieldPath)': must be at least 5000.")
                    }
                    vad.idleTimeoutMs = n
                }
            case ("semantic_vad", "eagerness"):
                guard let e = pair.value.stringValue, ["low", "medium", "high", "auto"].contains(e) else {
                    throw .invalidValue(fieldPath, "Invalid value for '\(fieldPath)'. Supported values are: 'low', 'medium', 'high', and 'auto'.")
                }
                vad.eagerness = e
            default:
                throw .unknownParameter(fieldPath)
            }
        }
        turnDetection = vad
    }

    static func format(_ value: RealtimeJSON, path: String) throws(RealtimeErrorInfo) -> RealtimeAudioFormat {
        guard let pairs = value.objectPairs else { throw .invalidType(path, expected: "an object") }
        guard let type = value["type"]?.stringValue else { throw .missing(path + ".type") }
        guard let format = RealtimeAudioFormat(rawValue: type) else {
            throw .invalidValue(path + ".type", "Invalid value: '\(type)'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.")
        }
        for pair in pairs where pair.key != "type" {
            guard format == .pcm, pair.key == "rate" else { throw .unknownParameter(path + "." + pair.key) }
            guard pair.value.intValue == 24000 else { throw .invalidValue(path + ".rate", "Invalid value for '\(path).rate': only 24000 is supported.") }
        }
        return format
    }
}
