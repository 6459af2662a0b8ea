import Crypto
import Foundation
import Testing

@testable import ProviderFakes

@Suite struct FakeTelnyxUnitTests {
    static let vectorBody =
        #"{"data":{"event_type":"call.hangup","id":"e1","occurred_at":"2023-11-14T22:13:20Z","payload":{"call_control_id":"v3:abc","hangup_cause":"normal_clearing","hangup_source":"caller"},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"https://example.com/telnyx"}}"#
    static let vectorSignature = "YgLwVCfTTu4u2HKBr0hBsqNb4taRHeT2ieFZBdFDeVbZrb0ukRE0ZVmf5oBrFiPse4W+vOFNS5BYHs69a4KbAQ=="

    @Test func signerMatchesTheDocumentsTestVector() throws {
        let signer = try FakeTelnyxSigner(seedHex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        #expect(signer.publicKeyBase64 == "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=")
        #expect(try FakeTelnyxSigner(seed: FakeTelnyxSigner.testVectorSeed).publicKeyBase64 == signer.publicKeyBase64)
        // The envelope encoder produces exactly the vector's bytes.
        let body = FakeTelnyxWebhookEnvelope.body(
            eventType: "call.hangup", id: "e1", occurredAt: "2023-11-14T22:13:20Z",
            payload: [
                "call_control_id": .string("v3:abc"), "hangup_cause": .string("normal_clearing"), "hangup_source": .string("caller"),
            ], attempt: 1, deliveredTo: "https://example.com/telnyx")
        #expect(body == Self.vectorBody)
        // swift-crypto verifies both the document's signature and ours over "timestamp|body".
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64Encoded: signer.publicKeyBase64)))
        let message = Data("1700000000|\(Self.vectorBody)".utf8)
        #expect(key.isValidSignature(try #require(Data(base64Encoded: Self.vectorSignature)), for: message))
        let ours = signer.signature(timestamp: 1_700_000_000, body: Array(Self.vectorBody.utf8))
        #expect(key.isValidSignature(try #require(Data(base64Encoded: ours)), for: message))
        #expect(!key.isValidSignature(try #require(Data(base64Encoded: ours)), for: Data("1700000001|\(Self.vectorBody)".utf8)))
        // Ed25519 (RFC 8032) is deterministic: BoringSSL reproduces the vector byte for byte.
        #expect(ours == Self.vectorSignature)
        #expect(throws: FakeTelnyxError.self) { try FakeTelnyxSigner(seedHex: "00") }
    }

    @Test func commandBodiesAreValidatedLikeTelnyx() {
        func error(_ action: FakeTelnyxAction, _ json: String) -> FakeTelnyxAPIError? {
            let body = FakeTelnyxJSON.parse(json)?.objectValue ?? [:]
            if case .failure(let error) = FakeTelnyxCommandValidator.validate(action, body: body) { return error }
            return nil
        }
        let good =
            #"{"stream_url":"wss://example.com/telnyx/media","stream_track":"inbound_track","stream_bidirectional_mode":"rtp","stream_bidirectional_codec":"PCMU","client_state":"eyJzIjoiN2YxYyJ9","command_id":"c-1"}"#
        #expect(error(.streamingStart, good) == nil)
        #expect(error(.answer, good) == nil)
        #expect(error(.answer, "{}") == nil)
        #expect(error(.hangup, #"{"command_id":"x"}"#) == nil)
        // Codec only with rtp, case sensitive.
        #expect(error(.streamingStart, #"{"stream_url":"wss://e.com/m","stream_bidirectional_codec":"PCMU"}"#)?.code == "10015")
        #expect(
            error(.streamingStart, #"{"stream_url":"wss://e.com/m","stream_bidirectional_mode":"mp3","stream_bidirectional_codec":"PCMU"}"#)?.status
                == 422)
        #expect(error(.streamingStart, #"{"stream_url":"wss://e.com/m","stream_bidirectional_mode":"rtp","stream_bidirectional_codec":"pcmu"}"#) != nil)
        #expect(error(.streamingStart, #"{"stream_url":"wss://e.com/m","stream_track":"inbound"}"#) != nil)
        #expect(error(.streamingStart, #"{"stream_url":"https://e.com/m"}"#)?.code == "10003")
        #expect(error(.streamingStart, #"{"stream_track":"inbound_track"}"#)?.code == "10004")
        #expect(error(.streamingStart, #"{"stream_url":"wss://e.com/m","custom_parameters":{"a":"b"}}"#) != nil)
        #expect(error(.streamingStart, #"{"stream_url":"wss://e.com/m","custom_parameters":[{"name":"a","value":"b"}]}"#) == nil)
        #expect(error(.streamingStart, #"{"stream_url":"wss://e.com/m","stream_bidirectional_mode":"rtp","stream_bidirectional_sampling_rate":9000}"#) != nil)
        // client_state must be base64; command_id a string.
        #expect(error(.hangup, #"{"client_state":"not base64!"}"#)?.pointer == "/client_state")
        #expect(error(.hangup, #"{"client_state":"abc"}"#) != nil)
        #expect(error(.hangup, #"{"command_id":7}"#) != nil)
        // transfer needs an E.164 or SIP `to`.
        #expect(error(.transfer, "{}")?.code == "10004")
        #expect(error(.transfer, #"{"to":"5551234"}"#) != nil)
        #expect(error(.transfer, #"{"to":"+15557654321","timeout_secs":2}"#) != nil)
        #expect(error(.transfer, #"{"to":"sip:agent@example.com"}"#) == nil)
        #expect(error(.transfer, #"{"to":"+15557654321"}"#) == nil)
    }

    @Test func callEndedErrorHasTheExactTelnyxBody() throws {
        let json = try #require(FakeTelnyxJSON.parse(FakeTelnyxAPIError.callEnded.json))
        guard case .array(let errors)? = json["errors"], let first = errors.first else {
            Issue.record("no errors array: \(json)")
            return
        }
        #expect(first["code"] == .string("90018"))
        #expect(first["title"] == .string("Call has already ended"))
        #expect(first["detail"] == .string("This call is no longer active and can't receive commands."))
        #expect(FakeTelnyxAPIError.callEnded.status == 422)
    }

    @Test func serverFramesAreValidatedLikeTelnyx() {
        let id = "32DE0DEA-53CB-4B21-89A4-9E1819C043BC"
        func check(_ text: String) -> (FakeProtocolViolation.Kind, String?)? {
            if case .failure(let error) = FakeTelnyxServerFrameValidator.validate(text, streamId: id) { return (error.kind, error.errorCode) }
            return nil
        }
        #expect(check(#"{"event":"media","media":{"payload":"//8="}}"#) == nil)
        #expect(check(#"{"event":"media","stream_id":"\#(id)","media":{"payload":"//8="}}"#) == nil)
        #expect(check(#"{"event":"mark","mark":{"name":"x"}}"#) == nil)
        #expect(check(#"{"event":"clear"}"#) == nil)
        #expect(check("not json")?.0 == .malformedMessage)
        #expect(check("not json")?.1 == "100003")
        #expect(check(#"{"event":"speak"}"#)?.1 == "100003")
        #expect(check(#"{"media":{"payload":"//8="}}"#)?.0 == .unknownEvent)
        #expect(check(#"{"event":"media","media":{"payload":"not base64!"}}"#)?.1 == "100004")
        #expect(check(#"{"event":"media","media":{}}"#)?.1 == "100003")
        #expect(check(#"{"event":"mark","mark":{"name":3}}"#)?.0 == .invalidShape)
        #expect(check(#"{"event":"clear","stream_id":"other"}"#)?.0 == .wrongStreamSid)
    }

    @Test func streamURLsAreMappedToTheServer() {
        let server = "http://127.0.0.1:9000"
        #expect(
            FakeTelnyxPhone.connectURL(for: "wss://127.0.0.1:9000/telnyx/media", serverURL: server, publicURL: "http://127.0.0.1:9000")
                == "ws://127.0.0.1:9000/telnyx/media")
        #expect(
            FakeTelnyxPhone.connectURL(for: "wss://abc.example.com/telnyx/media", serverURL: server, publicURL: "https://abc.example.com")
                == "ws://127.0.0.1:9000/telnyx/media")
        #expect(FakeTelnyxPhone.connectURL(for: "wss://127.0.0.1:7/x", serverURL: server, publicURL: nil) == "ws://127.0.0.1:7/x")
        #expect(FakeTelnyxPhone.connectURL(for: "ws://127.0.0.1:7/x", serverURL: server, publicURL: nil) == "ws://127.0.0.1:7/x")
        #expect(FakeTelnyxPhone.connectURL(for: "wss://other.example.com/x", serverURL: server, publicURL: nil) == "wss://other.example.com/x")
    }

    @Test func seededOrdersAreReproducible() {
        var a = FakeTelnyxRandom(seed: 42)
        var b = FakeTelnyxRandom(seed: 42)
        let items = Array(0..<10)
        #expect(a.shuffled(items) == b.shuffled(items))
        #expect(Set(a.shuffled(items)) == Set(items))
        var c = FakeTelnyxRandom(seed: 43)
        var d = FakeTelnyxRandom(seed: 42)
        #expect((0..<8).map { _ in c.next() } != (0..<8).map { _ in d.next() })
    }
}
