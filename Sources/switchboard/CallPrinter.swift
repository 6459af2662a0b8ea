import Foundation

/// Prints a call record (`GET /calls/{id}` JSON) for a person.
enum CallPrinter {
    static func describe(json text: String) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let call = object["call"] as? [String: Any]
        else { return text }
        let started = (call["started_at"] as? Int64) ?? (call["started_at"] as? NSNumber)?.int64Value ?? 0
        func offset(_ value: Any?) -> String {
            guard let ms = (value as? NSNumber)?.int64Value else { return "-" }
            return "+\(ms - started) ms"
        }
        var lines: [String] = []
        lines.append("call \(call["id"] ?? "?") \(call["carrier"] ?? "") \(call["carrier_call_id"] ?? "") from \(call["from_number"] ?? call["from"] ?? "?") to \(call["to_number"] ?? call["to"] ?? "?")")
        lines.append("  ended \(offset(call["ended_at"])) reason=\(call["end_reason"] ?? "-") hung_up_by=\(call["hung_up_by"] ?? "-") finalized \(offset(call["finalized_at"]))")
        lines.append("transcript:")
        for message in (object["messages"] as? [[String: Any]]) ?? [] {
            let interrupted = (message["interrupted"] as? Bool) == true
            var line = "  \(offset(message["at"])) \(message["role"] ?? "?"): \(message["text"] ?? "")"
            if interrupted { line += "  [interrupted; heard: \"\(message["heard_text"] ?? "")\"]" }
            lines.append(line)
        }
        lines.append("timeline:")
        for entry in (object["timeline"] as? [[String: Any]]) ?? [] {
            let detail = (entry["detail"] as? String).map { $0.isEmpty ? "" : " \($0)" } ?? ""
            lines.append("  \(offset(entry["at"])) \(entry["kind"] ?? "?")\(detail)")
        }
        return lines.joined(separator: "\n")
    }
}
