import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ProviderFakes

/// What the carrier's REST fake hands a load phone.
enum BenchPhoneInput: Sendable, Equatable {
    /// The carrier's REST API took the server's hangup.
    case hangup
}

/// What every load phone shares.
struct BenchPhoneContext: Sendable {
    let serverURL: String
    let accountSid: String
    let authToken: String
    /// Signs the Telnyx webhooks.
    let telnyxSigner: FakeTelnyxSigner
    let collector: BenchCollector
    let calls: BenchCallTable
    let httpClient: HTTPClient
    let frames: BenchFrames
    let maxCallDuration: Duration
    let logger: Logger
}

extension BenchPhoneContext {
    /// A unique id for call `index` of this run: `prefix` and 32 hex digits.
    static func id(_ prefix: String, _ index: Int, salt: UInt64) -> String {
        prefix + String(format: "%016llx%016llx", salt, UInt64(index))
    }

    /// `wss://127.0.0.1:…` on loopback is dialled as plain `ws://`.
    static func loopbackURL(_ url: String) -> String {
        url.hasPrefix("wss://") ? "ws://" + url.dropFirst("wss://".count) : url
    }
}

/// Pre-rendered caller audio: the base64 of bytes 15…159 of a loud and a silent 20 ms frame; a frame is
/// its 20-character stamp followed by one of them.
struct BenchFrames: Sendable {
    let speechTail: String
    let silenceTail: String

    init() {
        let tone = MuLaw.tone(milliseconds: 20, amplitude: 8000)
        speechTail = String(decoding: Base64Lite.encode(tone[FrameStamp.byteCount...]), as: UTF8.self)
        silenceTail = String(decoding: Base64Lite.encode(MuLaw.silence(milliseconds: 20)[FrameStamp.byteCount...]), as: UTF8.self)
    }
}

/// A bench failure with a message.
public struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
