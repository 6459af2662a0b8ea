/// One conversation item as the fake server remembers it (no audio bytes, only their length).
struct ConversationEntry {
    var id: String
    var type: String
    var role: String?
    /// `input_audio`, `input_text`, `output_audio`, `output_text` (messages only).
    var contentType: String?
    var transcript: String?
    /// Assistant audio generated for this item, in bytes, and the format's bytes per ms.
    var audioBytes = 0
    var bytesPerMs = 8
    /// Client-created items keep their content as sent.
    var content: RealtimeJSON?
    var callId: String?
    var name: String?
    var arguments: String?
    var output: String?

    init(id: String, type: String, role: String? = nil, contentType: String? = nil) {
        self.id = id
        self.type = type
        self.role = role
        self.contentType = contentType
    }

    var generatedMs: Int { audioBytes / max(1, bytesPerMs) }

    func json(status: String) -> RealtimeJSON {
        switch type {
        case "function_call":
            return .obj([
                "id": .string(id), "object": "realtime.item", "type": "function_call", "status": .string(status),
                "name": .optional(name), "call_id": .optional(callId), "arguments": .string(arguments ?? ""),
            ])
        case "function_call_output":
            return .obj([
                "id": .string(id), "object": "realtime.item", "type": "function_call_output", "status": .string(status),
                "call_id": .optional(callId), "output": .optional(output),
            ])
        default:
            let contentJSON: RealtimeJSON
            if let content {
                contentJSON = content
            } else {
                switch contentType {
                case "input_audio": contentJSON = [.obj(["type": "input_audio", "transcript": .optional(transcript)])]
                case "output_text": contentJSON = [.obj(["type": "output_text", "text": .string(transcript ?? "")])]
                case "output_audio": contentJSON = [.obj(["type": "output_audio", "transcript": .string(transcript ?? "")])]
                default: contentJSON = []
                }
            }
            return .obj([
                "id": .string(id), "object": "realtime.item", "type": "message", "status": .string(status),
                "role": .optional(role), "content": contentJSON,
            ])
        }
    }
}

extension FakeRealtimeSessionMachine {
    mutating func createItem(_ event: RealtimeJSON, eventId: String?) {
        guard let item = event["item"], item.objectPairs != nil else { return emitError(.missing("item"), clientEventId: eventId) }
        guard let type = item["type"]?.stringValue else { return emitError(.missing("item.type"), clientEventId: eventId) }
        let id = item["id"]?.stringValue ?? ids.make("item_")
        if items.contains(where: { $0.id == id }) {
            return emitError(.invalidValue("item.id", "Item with id '\(id)' already exists."), clientEventId: eventId)
        }
        var entry = ConversationEntry(id: id, type: type)
        switch type {
        case "message":
            guard let role = item["role"]?.stringValue else { return emitError(.missing("item.role"), clientEventId: eventId) }
            let allowed: [String]
            switch role {
            case "user": allowed = ["input_text", "input_audio", "input_image"]
            case "system": allowed = ["input_text"]
            case "assistant": allowed = ["output_text"]
            default:
                return emitError(.invalidValue("item.role", "Invalid value: '\(role)'. Supported values are: 'user', 'assistant', and 'system'."), clientEventId: eventId)
            }
            guard let content = item["content"]?.arrayValue else { return emitError(.missing("item.content"), clientEventId: eventId) }
            for (index, part) in content.enumerated() {
                let partType = part["type"]?.stringValue ?? ""
                guard allowed.contains(partType) else {
                    return emitError(
                        .invalidValue("item.content[\(index)].type", "Invalid value: '\(partType)'. Supported values for role '\(role)' are: \(allowed.map { "'\($0)'" }.joined(separator: ", "))."),
                        clientEventId: eventId)
                }
            }
            entry.role = role
            entry.content = .array(content)
        case "function_call_output":
            guard let callId = item["call_id"]?.stringValue else { return emitError(.missing("item.call_id"), clientEventId: eventId) }
            guard let output = item["output"]?.stringValue else { return emitError(.missing("item.output"), clientEventId: eventId) }
            entry.callId = callId
            entry.output = output
        case "function_call":
            guard let callId = item["call_id"]?.stringValue else { return emitError(.missing("item.call_id"), clientEventId: eventId) }
            guard let name = item["name"]?.stringValue else { return emitError(.missing("item.name"), clientEventId: eventId) }
            entry.callId = callId
            entry.name = name
            entry.arguments = item["arguments"]?.stringValue ?? ""
        default:
            return emitError(
                .invalidValue("item.type", "Invalid value: '\(type)'. Supported values are: 'message', 'function_call', and 'function_call_output'."),
                clientEventId: eventId)
        }
        var insertAt = items.count
        if let previous = event["previous_item_id"]?.stringValue {
            if previous == "root" {
                insertAt = 0
            } else if let index = items.firstIndex(where: { $0.id == previous }) {
                insertAt = index + 1
            } else {
                return emitError(.invalidValue("previous_item_id", "Item with id '\(previous)' not found."), clientEventId: eventId)
            }
        }
        let previousId = insertAt > 0 ? items[insertAt - 1].id : nil
        items.insert(entry, at: insertAt)
        emit("conversation.item.added", ["previous_item_id": .optional(previousId), "item": entry.json(status: "completed")])
        emit("conversation.item.done", ["previous_item_id": .optional(previousId), "item": entry.json(status: "completed")])
    }

    mutating func truncate(_ event: RealtimeJSON, eventId: String?) {
        guard let itemId = event["item_id"]?.stringValue else { return emitError(.missing("item_id"), clientEventId: eventId) }
        guard let contentIndex = event["content_index"]?.intValue else { return emitError(.missing("content_index"), clientEventId: eventId) }
        guard let audioEndMs = event["audio_end_ms"]?.intValue else { return emitError(.missing("audio_end_ms"), clientEventId: eventId) }
        var accepted = false
        defer {
            let record = FakeRealtimeSessionRecord.Truncate(itemId: itemId, contentIndex: contentIndex, audioEndMs: audioEndMs, accepted: accepted)
            recorder.record(recordIndex) { $0.truncates.append(record) }
        }
        guard let index = items.firstIndex(where: { $0.id == itemId }) else {
            return emitError(.invalidValue("item_id", "Conversation item with id '\(itemId)' not found."), clientEventId: eventId)
        }
        guard items[index].role == "assistant", items[index].contentType == "output_audio" else {
            return emitError(.invalidValue("item_id", "Only assistant messages with audio content can be truncated."), clientEventId: eventId)
        }
        guard contentIndex == 0 else {
            return emitError(.invalidValue("content_index", "Invalid 'content_index': \(contentIndex). The item has 1 content part."), clientEventId: eventId)
        }
        guard audioEndMs >= 0 else {
            return emitError(.invalidValue("audio_end_ms", "Invalid 'audio_end_ms': must be non-negative."), clientEventId: eventId)
        }
        let generated = items[index].generatedMs
        guard audioEndMs <= generated else {
            return emitError(
                RealtimeErrorInfo(code: "invalid_value", message: "Audio content of \(generated)ms is already shorter than \(audioEndMs)ms", param: "audio_end_ms"),
                clientEventId: eventId)
        }
        accepted = true
        items[index].audioBytes = audioEndMs * items[index].bytesPerMs
        items[index].transcript = ""
        emit("conversation.item.truncated", ["item_id": .string(itemId), "content_index": .int(contentIndex), "audio_end_ms": .int(audioEndMs)])
    }

    mutating func deleteItem(_ event: RealtimeJSON, eventId: String?) {
        guard let itemId = event["item_id"]?.stringValue else { return emitError(.missing("item_id"), clientEventId: eventId) }
        guard let index = items.firstIndex(where: { $0.id == itemId }) else {
            return emitError(.invalidValue("item_id", "Conversation item with id '\(itemId)' not found."), clientEventId: eventId)
        }
        items.remove(at: index)
        emit("conversation.item.deleted", ["item_id": .string(itemId)])
    }

    mutating func retrieveItem(_ event: RealtimeJSON, eventId: String?) {
        guard let itemId = event["item_id"]?.stringValue else { return emitError(.missing("item_id"), clientEventId: eventId) }
        guard let entry = items.first(where: { $0.id == itemId }) else {
            return emitError(.invalidValue("item_id", "Conversation item with id '\(itemId)' not found."), clientEventId: eventId)
        }
        emit("conversation.item.retrieved", ["item": entry.json(status: "completed")])
    }
}
