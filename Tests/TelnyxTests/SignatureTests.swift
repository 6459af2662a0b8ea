import Crypto
import Foundation
import Testing

@testable import Telnyx

@Suite struct SignatureTests {
    // §6 self-generated test vector.
    static let seedHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let publicKey = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
    static let timestamp = "1700000000"
    static let body = #"{"data":{"event_type":"call.hangup","id":"e1","occurred_at":"2023-11-14T22:13:20Z","payload":{"call_control_id":"v3:abc","hangup_cause":"normal_clearing","hangup_source":"caller"},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"https://example.com/telnyx"}}"#
    static let signature = "YgLwVCfTTu4u2HKBr0hBsqNb4taRHeT2ieFZBdFDeVbZrb0ukRE0ZVmf5oBrFiPse4W+vOFNS5BYHs69a4KbAQ=="
    static let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    static var seed: [UInt8] {
        var bytes: [UInt8] = []
        var index = seedHex.startIndex
        while index < seedHex.endIndex {
            let end = seedHex.index(index, offsetBy: 2)
            bytes.append(UInt8(seedHex[index..<end], radix: 16) ?? 0)
            index = end
        }
        return bytes
    }

    @Test func notesTestVectorVerifies() throws {
        let validator = try TelnyxSignatureValidator(publicKeyBase64: Self.publicKey)
        try validator.validate(signature: Self.signature, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt)
        #expect(validator.isValid(signature: Self.signature, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt.addingTimeInterval(299)))
    }

    @Test func signerReproducesTheVectorKey() throws {
        let signer = try TelnyxWebhookSigner(seed: Self.seed)
        #expect(signer.publicKeyBase64 == Self.publicKey)
        let produced = try signer.signature(timestamp: 1_700_000_000, body: Array(Self.body.utf8))
        #if canImport(Darwin)
        // CryptoKit hedges Ed25519 signatures with randomness; check that it verifies.
        #expect(try TelnyxSignatureValidator(publicKeyBase64: Self.publicKey).isValid(signature: produced, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt))
        #else
        // BoringSSL's Ed25519 is RFC 8032 deterministic: the same seed and message give the notes' signature.
        #expect(produced == Self.signature)
        #endif
    }

    @Test func generatedKeyRoundTrip() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = TelnyxWebhookSigner(privateKey: key)
        let validator = try TelnyxSignatureValidator(publicKeyBase64: signer.publicKeyBase64)
        let body = Array(#"{"data":{"id":"x"}}"#.utf8)
        let signature = try signer.signature(timestamp: 1_800_000_000, body: body)
        let now = Date(timeIntervalSince1970: 1_800_000_010)
        try validator.validate(signature: signature, timestamp: "1800000000", body: body, now: now)
        // The same check through a parsed key.
        try TelnyxSignatureValidator(publicKey: key.publicKey).validate(signature: signature, timestamp: "1800000000", body: body, now: now)
    }

    @Test func wrongKeyRejected() throws {
        let other = TelnyxWebhookSigner(privateKey: Curve25519.Signing.PrivateKey())
        let validator = try TelnyxSignatureValidator(publicKeyBase64: other.publicKeyBase64)
        #expect(throws: TelnyxSignatureError.signatureMismatch) {
            try validator.validate(signature: Self.signature, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt)
        }
    }

    @Test func tamperedBodyOrTimestampRejected() throws {
        let validator = try TelnyxSignatureValidator(publicKeyBase64: Self.publicKey)
        let tampered = Self.body.replacingOccurrences(of: "caller", with: "callee")
        #expect(throws: TelnyxSignatureError.signatureMismatch) {
            try validator.validate(signature: Self.signature, timestamp: Self.timestamp, body: Array(tampered.utf8), now: Self.signedAt)
        }
        // Re-serialized JSON (extra space) is a different message.
        #expect(throws: TelnyxSignatureError.signatureMismatch) {
            try validator.validate(signature: Self.signature, timestamp: Self.timestamp, body: Array((Self.body + " ").utf8), now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.signatureMismatch) {
            try validator.validate(signature: Self.signature, timestamp: "1700000001", body: Array(Self.body.utf8), now: Self.signedAt)
        }
    }

    @Test func staleOrFutureTimestampRejected() throws {
        let validator = try TelnyxSignatureValidator(publicKeyBase64: Self.publicKey)
        #expect(throws: TelnyxSignatureError.timestampOutOfTolerance(differenceSeconds: 301)) {
            try validator.validate(signature: Self.signature, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt.addingTimeInterval(301))
        }
        #expect(throws: TelnyxSignatureError.timestampOutOfTolerance(differenceSeconds: -301)) {
            try validator.validate(signature: Self.signature, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt.addingTimeInterval(-301))
        }
        let strict = try TelnyxSignatureValidator(publicKeyBase64: Self.publicKey, tolerance: .seconds(10))
        #expect(!strict.isValid(signature: Self.signature, timestamp: Self.timestamp, body: Array(Self.body.utf8), now: Self.signedAt.addingTimeInterval(11)))
    }

    @Test func missingAndMalformedHeadersRejected() throws {
        let validator = try TelnyxSignatureValidator(publicKeyBase64: Self.publicKey)
        let body = Array(Self.body.utf8)
        #expect(throws: TelnyxSignatureError.missingSignature) {
            try validator.validate(signature: nil, timestamp: Self.timestamp, body: body, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.missingSignature) {
            try validator.validate(signature: "", timestamp: Self.timestamp, body: body, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.missingTimestamp) {
            try validator.validate(signature: Self.signature, timestamp: nil, body: body, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.invalidTimestamp("17e8")) {
            try validator.validate(signature: Self.signature, timestamp: "17e8", body: body, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.invalidTimestamp("-1700000000")) {
            try validator.validate(signature: Self.signature, timestamp: "-1700000000", body: body, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.malformedSignature) {
            try validator.validate(signature: "not base64!", timestamp: Self.timestamp, body: body, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureError.malformedSignature) {
            try validator.validate(signature: Data(repeating: 1, count: 63).base64EncodedString(), timestamp: Self.timestamp, body: body, now: Self.signedAt)
        }
    }

    @Test(arguments: ["", "not base64", Data(repeating: 7, count: 31).base64EncodedString(), Data(repeating: 7, count: 33).base64EncodedString()])
    func invalidPublicKeyRejected(key: String) {
        #expect(throws: TelnyxSignatureError.invalidPublicKey) {
            try TelnyxSignatureValidator(publicKeyBase64: key)
        }
    }
}
