import AsyncHTTPClient
import Foundation

/// Reads a running server's call API (`/calls/{id}`) for end-to-end assertions, whatever the carrier.
struct StoredCallReader: Sendable {
    let serverURL: String
    let logs: LogCapture

    /// `GET <path>` on the server: status and JSON body.
    func getJSON(_ path: String) async throws -> (status: Int, json: Any?) {
        let request = HTTPClientRequest(url: serverURL + path)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        return (Int(response.status.code), json)
    }

    /// The stored call (`GET /calls/{id}`) as JSON: `call`, `messages`, `timeline`.
    func storedCall(_ callID: String) async throws -> StoredCall {
        let (status, json) = try await getJSON("/calls/\(callID)")
        guard status == 200, let object = json as? [String: Any], let call = object["call"] as? [String: Any] else {
            throw E2EError("GET /calls/\(callID) answered \(status)")
        }
        let messages = (object["messages"] as? [[String: Any]] ?? []).map {
            StoredMessage(role: $0["role"] as? String ?? "", text: $0["text"] as? String ?? "", interrupted: $0["interrupted"] as? Bool ?? false)
        }
        return StoredCall(
            endReason: call["end_reason"] as? String, finalized: call["finalized_at"] is NSNumber,
            failedWrites: (call["failed_writes"] as? NSNumber)?.intValue ?? -1, messages: messages)
    }

    /// Our call id of the call the carrier knows as `carrierCallID` (from `GET /calls`).
    func callID(carrierCallID: String) async throws -> String {
        let (status, json) = try await getJSON("/calls?state=all&limit=100")
        let calls = (json as? [String: Any])?["calls"] as? [[String: Any]] ?? []
        guard status == 200, let call = calls.first(where: { $0["carrier_call_id"] as? String == carrierCallID }), let id = call["id"] as? String else {
            throw E2EError("no stored call for carrier call \(carrierCallID) (GET /calls answered \(status))")
        }
        return id
    }

    /// Waits for `CALL_FINALIZED` of `callID`, then reads the store.
    func finalizedCall(_ callID: String) async throws -> StoredCall {
        guard await logs.wait(for: "CALL_FINALIZED", callID: callID, timeout: .seconds(15)) else {
            throw E2EError("call \(callID) was not finalized within 15 s")
        }
        // CALL_FINALIZED is logged when the machine issues the finalize write; the write itself reaches
        // SQLite through the store's queue a moment later, and no event tells a reader when. So the read
        // is retried, bounded (2 s), until the record shows it.
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            let stored = try await storedCall(callID)
            if stored.finalized || ContinuousClock.now >= deadline { return stored }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}
