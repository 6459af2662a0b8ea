import Crypto
import Foundation

/// Why a webhook failed the Ed25519 signature check (telephony.md §6).
public enum TelnyxSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured public key is not base64 of 32 bytes.
    case invalidPublicKey
    /// The `telnyx-signature-ed25519` header is absent or empty.
    case missingSignature
    /// The `telnyx-timestamp` header is absent or empty.
    case missingTimestamp
    /// The timestamp is not a decimal number of seconds.
    case invalidTimestamp(String)
    /// The signature is not base64 of 64 bytes.
    case malformedSignature
    /// The timestamp is more than the tolerance away from now (seconds of difference).
    case timestampOutOfTolerance(differenceSeconds: Int64)
    /// The signature does not match the body and timestamp.
    case signatureMismatch

    public var description: String {
        switch self {
        case .invalidPublicKey: "Telnyx public key is not base64 of a 32-byte Ed25519 key"
        case .missingSignature: "missing telnyx-signature-ed25519 header"
        case .missingTimestamp: "missing telnyx-timestamp header"
        case .invalidTimestamp(let value): "telnyx-timestamp is not a Unix time in seconds: '\(value)'"
        case .malformedSignature: "telnyx-signature-ed25519 is not base64 of a 64-byte signature"
        case .timestampOutOfTolerance(let difference): "telnyx-timestamp is \(difference) s away from now (outside tolerance)"
        case .signatureMismatch: "Telnyx webhook signature does not match"
        }
    }
}

/// Checks `telnyx-signature-ed25519` over `"\(telnyx-timestamp)|\(raw body)"` with the account's
/// Ed25519 public key (`TELNYX_PUBLIC_KEY`, base64 of the 32-byte raw key), and the timestamp window.
/// No clock is read: the caller passes `now`.
public struct TelnyxSignatureValidator: Sendable {
    /// Header carrying the base64 64-byte signature.
    public static let signatureHeader = "telnyx-signature-ed25519"
    /// Header carrying the Unix time in seconds.
    public static let timestampHeader = "telnyx-timestamp"
    /// The Telnyx SDKs' tolerance: 5 minutes either way.
    public static let defaultTolerance: Duration = .seconds(300)

    /// The 32 raw key bytes (`Curve25519.Signing.PublicKey` is not `Sendable`, so the key is made per use).
    private let publicKeyBytes: [UInt8]
    /// Maximum allowed `|now - timestamp|`.
    public let tolerance: Duration

    /// - Parameter publicKeyBase64: the key as shown in the Mission Control portal (base64, 32 bytes decoded).
    public init(publicKeyBase64: String, tolerance: Duration = Self.defaultTolerance) throws(TelnyxSignatureError) {
        let trimmed = publicKeyBase64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: trimmed), raw.count == 32,
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
        else { throw .invalidPublicKey }
        self.publicKeyBytes = Array(raw)
        self.tolerance = tolerance
    }

    /// Uses an already-parsed key.
    public init(publicKey: Curve25519.Signing.PublicKey, tolerance: Duration = Self.defaultTolerance) {
        self.publicKeyBytes = Array(publicKey.rawRepresentation)
        self.tolerance = tolerance
    }

    /// Throws the first reason the request is not authentic; returns normally when it is.
    ///
    /// - Parameters:
    ///   - signature: the `telnyx-signature-ed25519` header value.
    ///   - timestamp: the `telnyx-timestamp` header value.
    ///   - body: the raw request body bytes, exactly as received (never re-serialized JSON).
    ///   - now: the current time, supplied by the caller.
    public func validate(signature: String?, timestamp: String?, body: some Collection<UInt8>, now: Date) throws(TelnyxSignatureError) {
        guard let signature = signature?.trimmingCharacters(in: .whitespaces), !signature.isEmpty else { throw .missingSignature }
        guard let timestamp = timestamp?.trimmingCharacters(in: .whitespaces), !timestamp.isEmpty else { throw .missingTimestamp }
        guard timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), timestamp.utf8.count <= 18, let seconds = Int64(timestamp) else {
            throw .invalidTimestamp(timestamp)
        }
        guard let signatureBytes = Data(base64Encoded: signature), signatureBytes.count == 64 else { throw .malformedSignature }
        let nowSeconds = now.timeIntervalSince1970
        guard nowSeconds.isFinite, abs(nowSeconds) < 1e15 else { throw .timestampOutOfTolerance(differenceSeconds: .max) }
        let difference = Int64(nowSeconds.rounded(.down)) - seconds
        if abs(difference) > tolerance.components.seconds {
            throw .timestampOutOfTolerance(differenceSeconds: difference)
        }
        var message = [UInt8]()
        message.reserveCapacity(timestamp.utf8.count + 1 + body.count)
        message.append(contentsOf: timestamp.utf8)
        message.append(UInt8(ascii: "|"))
        message.append(contentsOf: body)
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes),
            publicKey.isValidSignature(signatureBytes, for: message)
        else { throw .signatureMismatch }
    }

    /// `validate` as a Bool.
    public func isValid(signature: String?, timestamp: String?, body: some Collection<UInt8>, now: Date) -> Bool {
        do {
            try validate(signature: signature, timestamp: timestamp, body: body, now: now)
            return true
        } catch {
            return false
        }
    }
}

/// Produces Telnyx webhook signatures (for fakes and tests; production only verifies).
public struct TelnyxWebhookSigner: Sendable {
    /// The 32-byte seed (`Curve25519.Signing.PrivateKey` is not `Sendable`, so the key is made per use).
    private let seed: [UInt8]
    /// The base64 public key to configure as `TELNYX_PUBLIC_KEY`.
    public let publicKeyBase64: String

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.seed = Array(privateKey.rawRepresentation)
        self.publicKeyBase64 = privateKey.publicKey.rawRepresentation.base64EncodedString()
    }

    /// From the 32-byte private seed.
    public init(seed: some Collection<UInt8>) throws {
        self.init(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: Array(seed)))
    }

    /// The `telnyx-signature-ed25519` value for `body` sent at Unix time `timestamp` (seconds).
    public func signature(timestamp: Int64, body: some Collection<UInt8>) throws -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "|"))
        message.append(contentsOf: body)
        return try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: message).base64EncodedString()
    }
}
