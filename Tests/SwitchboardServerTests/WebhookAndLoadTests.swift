import CallCore
import ProviderFakes
import Testing

extension EndToEnd {
@Suite("Webhooks, bad input and load")
struct WebhookAndLoadTests {
    @Test func unsignedWebhookRefused() async throws {
        try await withE2E { context in
            var unsigned = context.phoneConfiguration(script: E2EScripts.oneTurn)
            unsigned.authToken = nil
            await #expect {
                try await context.dial(unsigned)
            } throws: { error in
                guard case FakeTwilioPhoneError.webhookStatus(403, _) = error else { return false }
                return true
            }
            var wrong = context.phoneConfiguration(script: E2EScripts.oneTurn)
            wrong.authToken = "not-the-token"
            await #expect {
                try await context.dial(wrong)
            } throws: { error in
                guard case FakeTwilioPhoneError.webhookStatus(403, _) = error else { return false }
                return true
            }
            let (_, before) = try await context.getJSON("/calls?state=all")
            #expect(((before as? [String: Any])?["calls"] as? [Any])?.count == 0)

            let result = try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn))
            #expect(result.endReason == .hangupByREST, "\(result)")
            _ = try await context.finalizedCall(result.callID)
            let (_, after) = try await context.getJSON("/calls?state=all")
            #expect(((after as? [String: Any])?["calls"] as? [Any])?.count == 1)
        }
    }

    @Test func badFramesAreLoggedAndTheCallGoesOn() async throws {
        try await withE2E { context in
            var configuration = context.phoneConfiguration(script: E2EScripts.oneTurn)
            configuration.junkBeforeStart = [.media]
            configuration.junkAfterStart = [
                .text("{not json"), .binary([0x01, 0x02, 0x03]), .mediaForOtherStream, .text(#"{"event":"media"}"#),
            ]
            let result = try await context.dial(configuration)
            #expect(result.endReason == .hangupByREST, "\(result)")
            #expect(result.serverViolations == [], "\(result)")
            let callID = result.callID
            let stored = try await context.finalizedCall(callID)
            #expect(stored.endReason == "bot_goodbye")

            let lines = context.logs.lines.filter { $0.message.contains("twilio media:") }
            #expect(lines.contains { $0.message.contains("media before start") })
            // Frames after start carry the call id.
            let afterStart = context.logs.lines(callID: callID).filter { $0.message.contains("twilio media:") }
            #expect(afterStart.contains { $0.message.contains("malformed") }, "\(lines)")
            #expect(afterStart.contains { $0.message.contains("binary") }, "\(lines)")
            #expect(afterStart.contains { $0.message.contains("dropped") && $0.message.contains("for stream") }, "\(lines)")
            #expect(afterStart.count >= 4, "\(lines)")
        }
    }

    @Test func twentyCallsAtOnce() async throws {
        var options = E2EOptions()
        options.timeout = .seconds(90)
        try await withE2E(options) { context in
            let results = try await withThrowingTaskGroup(of: FakeCallResult.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await context.dial(context.phoneConfiguration(script: E2EScripts.oneTurn, maxDuration: .seconds(40))) }
                }
                var all: [FakeCallResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 20)
            #expect(Set(results.map(\.callID)).count == 20)
            let requests = await context.rest.requests()
            for result in results {
                #expect(result.endReason == .hangupByREST, "\(result)")
                #expect(result.serverViolations == [], "\(result)")
                #expect(requests.filter { $0.kind == .hangUp && $0.callSid == result.callSid }.count == 1)
                let stored = try await context.finalizedCall(result.callID)
                #expect(stored.finalized)
                #expect(stored.endReason == "bot_goodbye")
                #expect(context.logs.count("CALL_FINALIZED", callID: result.callID) == 1)
            }
            #expect(context.logs.errors.isEmpty, "\(context.logs.errors)")
        }
    }
}}

