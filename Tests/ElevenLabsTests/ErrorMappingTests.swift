import Foundation
import NIOCore
import Testing
@testable import ElevenLabs

@Suite struct ErrorMappingTests {
    struct Case: Sendable, CustomStringConvertible {
        var status: Int
        var body: String
        var expected: ElevenLabsError
        var description: String { "\(status) \(body.prefix(60))" }
    }

    static let quotaMessage = "This request exceeds your quota of 10000. You have 0 credits remaining, while 43 credits are required for this request."

    static let cases: [Case] = [
        Case(status: 401, body: #"{"detail":{"status":"quota_exceeded","message":"\#(quotaMessage)"}}"#,
             expected: .quotaExceeded(message: quotaMessage)),
        Case(status: 401, body: #"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#,
             expected: .invalidAPIKey(message: "Invalid API key")),
        Case(status: 401, body: #"{"detail":{"status":"missing_permissions","message":"The API key you used is missing the permission text_to_speech"}}"#,
             expected: .unauthorized(httpStatus: 401, status: "missing_permissions", message: "The API key you used is missing the permission text_to_speech")),
        Case(status: 401, body: #"{"detail":{"status":"detected_unusual_activity","message":"Unusual activity detected."}}"#,
             expected: .unauthorized(httpStatus: 401, status: "detected_unusual_activity", message: "Unusual activity detected.")),
        Case(status: 402, body: #"{"detail":{"status":"paid_plan_required","message":"Free users cannot use library voices via the API."}}"#,
             expected: .unauthorized(httpStatus: 402, status: "paid_plan_required", message: "Free users cannot use library voices via the API.")),
        Case(status: 422, body: #"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}"#,
             expected: .validation(message: "body.text: field required")),
        Case(status: 429, body: #"{"detail":{"type":"rate_limit_error","code":"concurrent_limit_exceeded","status":"too_many_concurrent_requests","message":"Too many concurrent requests"}}"#,
             expected: .rateLimited(reason: .tooManyConcurrentRequests, message: "Too many concurrent requests")),
        Case(status: 429, body: #"{"detail":{"status":"system_busy","message":"The system is experiencing heavy traffic, please try again later."}}"#,
             expected: .rateLimited(reason: .systemBusy, message: "The system is experiencing heavy traffic, please try again later.")),
        Case(status: 400, body: #"{"detail":{"status":"voice_not_found","message":"A voice with the voice_id x was not found."}}"#,
             expected: .voiceNotFound(message: "A voice with the voice_id x was not found.")),
        Case(status: 400, body: #"{"detail":{"status":"max_character_limit_exceeded","message":"Text is too long."}}"#,
             expected: .textTooLong(message: "Text is too long.")),
        Case(status: 404, body: #"{"detail":"Not Found"}"#, expected: .http(status: 404, body: #"{"detail":"Not Found"}"#)),
        Case(status: 500, body: "Internal Server Error", expected: .http(status: 500, body: "Internal Server Error")),
        Case(status: 429, body: "", expected: .rateLimited(reason: .other(nil), message: "")),
    ]

    @Test(arguments: cases)
    func mapsBody(_ testCase: Case) {
        let error = ElevenLabsError.from(httpStatus: testCase.status, body: ByteBuffer(string: testCase.body))
        #expect(error == testCase.expected)
        #expect(!error.description.isEmpty)
    }

    @Test func quotaIsNotABadKey() {
        let error = ElevenLabsError.from(httpStatus: 401, body: ByteBuffer(string: Self.cases[0].body))
        #expect(error != .invalidAPIKey(message: Self.quotaMessage))
        #expect(error.description.contains("quota"))
    }

    @Test func descriptionRedactsTheKey() {
        let configuration = ElevenLabsConfiguration(apiKey: "sk_secret_value", voiceID: "v1")
        #expect(!configuration.description.contains("sk_secret_value"))
    }
}
