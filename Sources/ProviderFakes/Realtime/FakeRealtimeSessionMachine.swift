import Foundation

/// Inputs of one fake Realtime session, applied one at a time by the connection loop.
enum FakeRealtimeInput: Sendable {
    /// A text frame from the client.
    case client(String)
    /// A binary frame from the client (not part of the protocol).
    case binary
    /// The pacing timer of generation `UInt64` fired.
    case tick(UInt64)
    /// The configured session lifetime passed.
    case expire
    /// The client closed the socket.
    case clientClosed
}

/// What the connection loop must do for the session.
enum FakeRealtimeAction: Equatable {
    case send(String)
    /// Send a close frame with `code` and stop.
    case close(code: UInt16, reason: String)
    /// Drop the TCP connection without a close frame and stop.
    case abort
    /// Deliver `.tick(generation)` after `after`.
    case tick(after: Duration, generation: UInt64)
}

/// Pre-rendered audio for the deltas: one full chunk per format plus its base64 text.
struct RealtimeAudioChunks: Sendable {
    struct Chunk: Sendable {
        let raw: [UInt8]
        let base64: String
    }
    let chunks: [RealtimeAudioFormat: Chunk]

    init(deltaMilliseconds: Int) {
        var chunks: [RealtimeAudioFormat: Chunk] = [:]
        for format in [RealtimeAudioFormat.pcmu, .pcma, .pcm] {
            let raw = format.tone(milliseconds: deltaMilliseconds)
            chunks[format] = Chunk(raw: raw, base64: Data(raw).base64EncodedString())
        }
        self.chunks = chunks
    }

    /// Base64 of `bytes` of audio (≤ one chunk).
    func base64(_ format: RealtimeAudioFormat, bytes: Int) -> String {
        guard let chunk = chunks[format] else { return "" }
        if bytes >= chunk.raw.count { return chunk.base64 }
        return Data(chunk.raw[0..<max(0, bytes)]).base64EncodedString()
    }
}

/// The protocol logic of one fake OpenAI Realtime GA session: client events and timer ticks in,
/// server events and socket actions out. Owned by exactly one connection loop.
struct FakeRealtimeSessionMachine {
    let script: FakeAgentScript
    let audio: RealtimeAudioChunks
    let recorder: FakeRealtimeRecorder
    let recordIndex: Int
    let recordServerEvents: Bool

    var config: RealtimeSessionConfig
    var vad = RealtimeVAD()
    var ids: RealtimeIDs
    let conversationId: String

    /// Conversation items in order.
    var items: [ConversationEntry] = []
    var callerTurns = 0
    var answeredTurns = 0
    var greetingDone = false
    var assistantAudioPresent = false
    /// Item id announced by `speech_started` for the turn being spoken.
    var speakingItemId: String?
    var active: ActiveResponse?
    /// User transcripts held back until the current response's `response.done`.
    var heldTranscripts: [(itemId: String, text: String)] = []
    var tickGeneration: UInt64 = 0
    var finished = false
    var actions: [FakeRealtimeAction] = []
    private var serverEventsRecorded = 0

    init(
        script: FakeAgentScript, audio: RealtimeAudioChunks, recorder: FakeRealtimeRecorder, model: String,
        recordServerEvents: Bool, nowUnix: Int, transcriptionOnly: Bool = false
    ) {
        self.script = script
        self.audio = audio
        self.recorder = recorder
        self.recordServerEvents = recordServerEvents
        var ids = RealtimeIDs()
        let sessionId = ids.make("sess_")
        self.conversationId = ids.make("conv_")
        self.ids = ids
        self.config = RealtimeSessionConfig(id: sessionId, model: model, expiresAt: nowUnix + 3600)
        if transcriptionOnly {
            config.sessionType = "transcription"
            config.turnDetection?.createResponse = false
            config.turnDetection?.interruptResponse = false
        }
        self.recordIndex = recorder.open(sessionId: sessionId, model: model)
        applyVADConfig()
    }

    /// Drains the pending actions.
    mutating func takeActions() -> [FakeRealtimeAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    // MARK: Lifecycle

    /// The first server event.
    mutating func start() {
        emit("session.created", ["session": config.json])
    }

    /// The beta handshake answer: error, then close 4000.
    mutating func rejectBeta() {
        emitError(
            RealtimeErrorInfo(
                code: "beta_api_shape_disabled",
                message: "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API."),
            clientEventId: nil)
        close(code: 4000, reason: "beta_api_shape_disabled")
    }

    mutating func handle(_ input: FakeRealtimeInput) {
        guard !finished else { return }
        switch input {
        case .client(let text): handleClientText(text)
        case .binary:
            emitError(RealtimeErrorInfo(code: "invalid_value", message: "Binary frames are not supported; send JSON text frames."), clientEventId: nil)
        case .tick(let generation):
            if generation == tickGeneration { tick() }
        case .expire: expireSession()
        case .clientClosed:
            finished = true
            recorder.record(recordIndex) { $0.closed = true }
        }
    }

    mutating func expireSession() {
        emitError(
            RealtimeErrorInfo(code: "session_expired", message: "Your session hit the maximum duration of 60 minutes."),
            clientEventId: nil)
        close(code: 1000, reason: "session_expired")
    }

    mutating func close(code: UInt16, reason: String) {
        actions.append(.close(code: code, reason: reason))
        finished = true
        recorder.record(recordIndex) { $0.closed = true }
    }

    mutating func abort() {
        actions.append(.abort)
        finished = true
        recorder.record(recordIndex) { $0.closed = true }
    }

    mutating func applyVADConfig() {
        vad.format = config.inputFormat
        vad.startMs = script.timing.speechStartMilliseconds
        if let td = config.turnDetection {
            vad.enabled = true
            vad.silenceMs = td.effectiveSilenceMs
            vad.prefixPaddingMs = td.type == "server_vad" ? td.prefixPaddingMs : 300
            let scale = td.type == "server_vad" ? td.threshold / 0.5 : 1
            vad.amplitudeThreshold = Int(Double(script.timing.speechAmplitudeThreshold) * scale)
        } else {
            vad.enabled = false
        }
    }

    // MARK: Emission

    /// Emits one server event: `type`, a fresh `event_id`, then `fields`.
    mutating func emit(_ type: String, _ fields: KeyValuePairs<String, RealtimeJSON>) {
        var pairs = [RealtimePair("type", .string(type)), RealtimePair("event_id", .string(ids.make("event_")))]
        pairs.reserveCapacity(fields.count + 2)
        for field in fields { pairs.append(RealtimePair(field.key, field.value)) }
        actions.append(.send(RealtimeJSON.object(pairs).serialized))
        if recordServerEvents && serverEventsRecorded < 10_000 {
            serverEventsRecorded += 1
            recorder.record(recordIndex) { $0.serverEventTypes.append(type) }
        }
    }

    mutating func emitError(_ info: RealtimeErrorInfo, clientEventId: String?) {
        emit(
            "error",
            [
                "error": .obj([
                    "type": .string(info.type), "code": .optional(info.code), "message": .string(info.message),
                    "param": .optional(info.param), "event_id": .optional(clientEventId),
                ])
            ])
        recorder.record(recordIndex) { $0.errorCodes.append(info.code ?? info.type) }
    }

    // MARK: Client events

    mutating func handleClientText(_ text: String) {
        let event: RealtimeJSON
        do {
            event = try RealtimeJSON.parse(text)
        } catch {
            recorder.record(recordIndex) { $0.clientEventTypes.append("<invalid json>") }
            emitError(RealtimeErrorInfo(code: "invalid_json", message: "The server could not parse the event: \(error)."), clientEventId: nil)
            return
        }
        let eventId = event["event_id"]?.stringValue
        guard event.objectPairs != nil, let type = event["type"]?.stringValue else {
            recorder.record(recordIndex) { $0.clientEventTypes.append("<missing type>") }
            emitError(.missing("type"), clientEventId: eventId)
            return
        }
        record(clientType: type)
        switch type {
        case "session.update":
            guard let session = event["session"] else { return emitError(.missing("session"), clientEventId: eventId) }
            do {
                try config.apply(update: session, assistantAudioPresent: assistantAudioPresent)
                applyVADConfig()
                emit("session.updated", ["session": config.json])
            } catch {
                emitError(error, clientEventId: eventId)
            }
        case "input_audio_buffer.append": append(event, eventId: eventId)
        case "input_audio_buffer.commit": manualCommit(eventId: eventId)
        case "input_audio_buffer.clear":
            vad.resetBuffer()
            speakingItemId = nil
            emit("input_audio_buffer.cleared", [:])
        case "conversation.item.create": createItem(event, eventId: eventId)
        case "conversation.item.truncate": truncate(event, eventId: eventId)
        case "conversation.item.delete": deleteItem(event, eventId: eventId)
        case "conversation.item.retrieve": retrieveItem(event, eventId: eventId)
        case "response.create" where config.isTranscription, "response.cancel" where config.isTranscription,
            "conversation.item.create" where config.isTranscription:
            emitError(
                RealtimeErrorInfo(code: "invalid_value", message: "'\(type)' is not supported in transcription sessions.", param: "type"),
                clientEventId: eventId)
        case "response.create": responseCreate(event, eventId: eventId)
        case "response.cancel":
            recorder.record(recordIndex) { $0.cancels += 1 }
            let requested = event["response_id"]?.stringValue
            guard let active, requested == nil || requested == active.id else {
                return emitError(
                    RealtimeErrorInfo(code: "response_cancel_not_active", message: "Cancellation failed: no active response found"),
                    clientEventId: eventId)
            }
            cancelActive(reason: "client_cancelled")
        case "output_audio_buffer.clear":
            emitError(
                RealtimeErrorInfo(code: "invalid_value", message: "output_audio_buffer.clear is only supported for WebRTC and SIP connections.", param: "type"),
                clientEventId: eventId)
        default:
            emitError(
                RealtimeErrorInfo(code: "invalid_value", message: "Invalid value: '\(type)'. Supported values are: 'session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', 'conversation.item.retrieve', 'response.create', and 'response.cancel'.", param: "type"),
                clientEventId: eventId)
        }
    }

    private mutating func record(clientType type: String) {
        let isAppend = type == "input_audio_buffer.append"
        recorder.record(recordIndex) { record in
            if isAppend {
                record.appendCount += 1
                if record.clientEventTypes.last == type { return }
            }
            record.clientEventTypes.append(type)
        }
    }

    // MARK: Input audio and turns

    mutating func append(_ event: RealtimeJSON, eventId: String?) {
        guard let audioText = event["audio"]?.stringValue else { return emitError(.missing("audio"), clientEventId: eventId) }
        guard audioText.utf8.count <= 15 * 1024 * 1024 * 4 / 3 + 4 else {
            return emitError(.invalidValue("audio", "Audio chunk exceeds the maximum of 15 MiB."), clientEventId: eventId)
        }
        var detector = vad
        var transitions: [RealtimeVAD.Event] = []
        let before = detector.totalBytes
        let valid = RealtimeBase64.decode(audioText) { byte in
            if let transition = detector.feed(byte) { transitions.append(transition) }
        }
        vad = detector
        let decoded = vad.totalBytes - before
        recorder.record(recordIndex) { $0.appendedBytes += decoded }
        guard valid else {
            return emitError(.invalidValue("audio", "Invalid 'audio'. Expected base64-encoded audio bytes."), clientEventId: eventId)
        }
        for transition in transitions {
            switch transition {
            case .started(let audioStartMs): speechStarted(audioStartMs: audioStartMs)
            case .stopped(let audioEndMs): speechStopped(audioEndMs: audioEndMs)
            }
            if finished { return }
        }
    }

    mutating func speechStarted(audioStartMs: Int) {
        let itemId = ids.make("item_")
        speakingItemId = itemId
        emit("input_audio_buffer.speech_started", ["audio_start_ms": .int(audioStartMs), "item_id": .string(itemId)])
        if config.turnDetection?.interruptResponse == true, active != nil {
            cancelActive(reason: "turn_detected")
        }
    }

    mutating func speechStopped(audioEndMs: Int) {
        let itemId = speakingItemId ?? ids.make("item_")
        speakingItemId = nil
        emit("input_audio_buffer.speech_stopped", ["audio_end_ms": .int(audioEndMs), "item_id": .string(itemId)])
        commitUserAudio(itemId: itemId, automatic: true)
    }

    mutating func manualCommit(eventId: String?) {
        let buffered = vad.bufferedMs
        guard buffered >= 100 else {
            return emitError(
                RealtimeErrorInfo(
                    code: "input_audio_buffer_commit_empty",
                    message: "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has \(buffered).00ms of audio."),
                clientEventId: eventId)
        }
        let itemId = speakingItemId ?? ids.make("item_")
        speakingItemId = nil
        commitUserAudio(itemId: itemId, automatic: false)
    }

    mutating func commitUserAudio(itemId: String, automatic: Bool) {
        vad.resetBuffer()
        let previous = items.last?.id
        emit("input_audio_buffer.committed", ["previous_item_id": .optional(previous), "item_id": .string(itemId)])
        let entry = ConversationEntry(id: itemId, type: "message", role: "user", contentType: "input_audio")
        items.append(entry)
        emit("conversation.item.added", ["previous_item_id": .optional(previous), "item": entry.json(status: "completed")])
        emit("conversation.item.done", ["previous_item_id": .optional(previous), "item": entry.json(status: "completed")])
        callerTurns += 1
        let turn = callerTurns
        if script.faults.sessionExpiresOnTurn == turn {
            return expireSession()
        }
        let willRespond = automatic && !config.isTranscription && config.turnDetection?.createResponse == true && active == nil
        let transcript = script.callerTranscript(forTurn: turn)
        if !config.transcription.isNull {
            if willRespond && script.faults.userTranscriptAfterResponseDone {
                heldTranscripts.append((itemId, transcript))
            } else {
                emitUserTranscript(itemId: itemId, text: transcript)
            }
        }
        if willRespond {
            answeredTurns = turn
            startResponse(reply: script.reply(forTurn: turn), turn: turn, parameters: nil)
        }
    }

    mutating func emitUserTranscript(itemId: String, text: String) {
        if let index = items.firstIndex(where: { $0.id == itemId }) { items[index].transcript = text }
        if config.transcription["model"]?.stringValue != "whisper-1" && !text.isEmpty {
            emit(
                "conversation.item.input_audio_transcription.delta",
                ["item_id": .string(itemId), "content_index": 0, "delta": .string(text)])
        }
        emit(
            "conversation.item.input_audio_transcription.completed",
            [
                "item_id": .string(itemId), "content_index": 0, "transcript": .string(text),
                "usage": .obj(["type": "duration", "seconds": .int(max(1, text.count / 15))]),
            ])
    }
}

/// Ids of the form `<prefix><session token><counter>`: unique across sessions, cheap to make.
struct RealtimeIDs {
    private let token: String
    private var counter = 0

    init() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        token = String((0..<12).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    mutating func make(_ prefix: String) -> String {
        counter += 1
        return prefix + token + String(counter, radix: 36)
    }
}
