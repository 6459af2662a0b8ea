import Crypto
import Foundation

/// The fake's own Telnyx webhook signer (telephony.md §6): Ed25519 over `"\(telnyx-timestamp)|\(raw body)"`,
/// base64, from a 32-byte seed. Written independently of the production `Telnyx` target.
public struct FakeTelnyxSigner: Sendable {
    /// The seed of the document's test vector (`000102…1f`).
    public static let testVectorSeed: [UInt8] = Array(0..<32)

    /// The 32-byte private seed (`Curve25519.Signing.PrivateKey` is not `Sendable`; the key is made per use).
    private let seed: [UInt8]
    /// Base64 of the 32-byte raw public key: the value for `TELNYX_PUBLIC_KEY`.
    public let publicKeyBase64: String

    /// - Parameter seed: 32 bytes.
    public init(seed: [UInt8]) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
        self.publicKeyBase64 = key.publicKey.rawRepresentation.base64EncodedString()
    }

    /// From 64 hex digits (e.g. a `--telnyx-signing-seed` option).
    public init(seedHex: String) throws {
        try self.init(seed: try Self.seed(fromHex: seedHex))
    }

    /// The 32 bytes of a 64-hex-digit seed.
    public static func seed(fromHex seedHex: String) throws -> [UInt8] {
        let hex = Array(seedHex.utf8)
        guard hex.count == 64 else { throw FakeTelnyxError.invalidSeed(seedHex) }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw FakeTelnyxError.invalidSeed(seedHex)
            }
            bytes.append(byte)
        }
        return bytes
    }

    /// The `telnyx-signature-ed25519` value for `body` sent at Unix time `timestamp` (seconds).
    public func signature(timestamp: Int64, body: some Collection<UInt8>) -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "|"))
        message.append(contentsOf: body)
        // The seed was validated in init, so making the key cannot fail here.
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed),
            let signature = try? key.signature(for: message)
        else { return "" }
        return Data(signature).base64EncodedString()
    }
}

/// Errors of the Telnyx fakes.
public enum FakeTelnyxError: Error, Sendable, CustomStringConvertible {
    /// A signing seed that is not 64 hex digits (32 bytes).
    case invalidSeed(String)
    /// The fake Call Control API could not start.
    case serverDidNotStart
    /// The call did not finish within its bound.
    case timedOut

    /// A readable explanation.
    public var description: String {
        switch self {
        case .invalidSeed(let seed): "signing seed must be 64 hex digits (32 bytes), got '\(seed.prefix(80))'"
        case .serverDidNotStart: "the fake Telnyx Call Control API did not start"
        case .timedOut: "the fake Telnyx call did not finish within its maximum duration"
        }
    }
}
