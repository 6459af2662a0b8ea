import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A protocol-faithful stand-in for ElevenLabs streaming text to speech on 127.0.0.1 (§4.1, §4.5):
/// `POST /v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000` with `xi-api-key`, a JSON body
/// validated like the real one (422 with a `detail` list), and chunked raw μ-law whose length is the
/// real-time length of the text, in irregular chunk sizes. Faults on demand (401 invalid key / quota,
/// 429 concurrency / busy, a dropped stream), a slow first byte, burst or real-time pacing; every request
/// is recorded, including whether the client cancelled it.
public final class FakeElevenLabsServer: Sendable {
    /// How the fake produces audio.
    public struct Options: Sendable {
        /// The key accepted in `xi-api-key`.
        public var apiKey: String
        /// Speech length per character of text.
        public var millisecondsPerCharacter: Int
        /// Shortest audio of a request.
        public var minimumAudioMilliseconds: Int
        /// Wait before the first audio byte (model latency).
        public var firstByteDelay: Duration
        /// `true`: each chunk is written after its own playback time (a request stays open about as long
        /// as its audio plays); `false`: a burst, `burstInterval` between chunks.
        public var realTimePacing: Bool
        /// Gap between chunks of a burst.
        public var burstInterval: Duration

        public init(
            apiKey: String = "fake-elevenlabs-key", millisecondsPerCharacter: Int = 30, minimumAudioMilliseconds: Int = 300,
            firstByteDelay: Duration = .milliseconds(30), realTimePacing: Bool = false, burstInterval: Duration = .milliseconds(2)
        ) {
            self.apiKey = apiKey
            self.millisecondsPerCharacter = millisecondsPerCharacter
            self.minimumAudioMilliseconds = minimumAudioMilliseconds
            self.firstByteDelay = firstByteDelay
            self.realTimePacing = realTimePacing
            self.burstInterval = burstInterval
        }

        /// Audio length of `text`.
        public func audioMilliseconds(for text: String) -> Int {
            max(minimumAudioMilliseconds, millisecondsPerCharacter * text.count)
        }
    }

    static let outputFormats: Set<String> = [
        "mp3_22050_32", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128", "mp3_44100_192",
        "pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000", "alaw_8000",
    ]

    /// Key, speech length and pacing.
    public let options: Options
    /// Every request, in arrival order.
    public let requests = FakeWaitableLog<FakeElevenLabsRequestRecord>()
    private let faults = FakeFaultSchedule<FakeElevenLabsFault>()
    private let logger: Logger

    public init(options: Options = Options(), logger: Logger = Logger(label: "fake-elevenlabs")) {
        self.options = options
        self.logger = logger
    }

    /// The next requests answer these faults, one each, in order.
    public func failNext(_ faults: [FakeElevenLabsFault]) {
        self.faults.failNext(faults)
    }

    /// Every request answers `fault` (nil: back to normal).
    public func failAlways(_ fault: FakeElevenLabsFault?) {
        faults.failAlways(fault)
    }

    // MARK: running

    /// Runs on 127.0.0.1 until cancelled; `onRunning` gets the port.
    public func run(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        try await FakeHTTPServer.run(post: "/v1/text-to-speech/:voiceID/stream", port: port, logger: logger, onRunning: onRunning) {
            request, context in
            try await self.handle(request, voiceID: context.parameters.get("voiceID") ?? "")
        }
    }

    /// Starts the server, runs `body` with its base URL (`http://127.0.0.1:PORT`), then stops it.
    public func withRunning<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        try await FakeHTTPServer.withRunning("fake ElevenLabs", server: { try await self.run(onRunning: $0) }) { port in
            try await body("http://127.0.0.1:\(port)")
        }
    }

    // MARK: handling

    private func handle(_ request: Request, voiceID: String) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let body = try? RealtimeJSON.parse(String(buffer: buffer))
        let format = request.uri.queryParameters["output_format"].map(String.init)
        var record = FakeElevenLabsRequestRecord(
            voiceID: voiceID, outputFormat: format, text: body?["text"]?.stringValue, modelID: body?["model_id"]?.stringValue,
            keyAccepted: request.headers[HTTPField.Name("xi-api-key")!] == options.apiKey, status: 200)

        func answer(_ status: Int, _ json: String) -> Response {
            record.status = status
            requests.append(record)
            return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        func validation(_ loc: [String], _ message: String, _ type: String) -> Response {
            let detail = RealtimeJSON.obj(["detail": [.obj(["loc": .array(loc.map { .string($0) }), "msg": .string(message), "type": .string(type)])]])
            return answer(422, detail.serialized)
        }

        guard record.keyAccepted else { return answer(401, FakeElevenLabsFault.invalidAPIKey.body) }
        let fault = faults.take()
        if let fault, fault.status != 200 { return answer(fault.status, fault.body) }
        guard let body, body.objectPairs != nil else {
            return validation(["body"], "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")
        }
        guard let textValue = body["text"] else { return validation(["body", "text"], "field required", "value_error.missing") }
        guard let text = textValue.stringValue else { return validation(["body", "text"], "str type expected", "type_error.str") }
        guard !text.allSatisfy(\.isWhitespace) else { return validation(["body", "text"], "text must not be empty", "value_error") }
        if let model = body["model_id"], model.stringValue == nil { return validation(["body", "model_id"], "str type expected", "type_error.str") }
        if let settings = body["voice_settings"], !settings.isNull {
            guard settings.objectPairs != nil else { return validation(["body", "voice_settings"], "value is not a valid dict", "type_error.dict") }
            for key in ["stability", "similarity_boost", "style"] {
                if let value = settings[key], !value.isNull {
                    guard let number = value.doubleValue, (0...1).contains(number) else {
                        return validation(["body", "voice_settings", key], "ensure this value is between 0 and 1", "value_error.number")
                    }
                }
            }
        }
        if let format, !Self.outputFormats.contains(format) {
            return validation(["query", "output_format"], "value is not a valid enumeration member", "type_error.enum")
        }
        guard format == nil || format == "ulaw_8000" || format == "alaw_8000" else {
            return validation(["query", "output_format"], "this fake only produces ulaw_8000 and alaw_8000", "value_error")
        }

        let milliseconds = options.audioMilliseconds(for: text)
        let total = milliseconds * MuLaw.bytesPerMillisecond
        record.bytesPlanned = total
        let index = requests.append(record)
        let options = self.options
        let log = requests
        let dropAt: Int? = if case .dropAfter(let bytes)? = fault { bytes } else { nil }
        let characterCost = text.count
        return Response(
            status: .ok,
            headers: [.contentType: "audio/basic", HTTPField.Name("character-cost")!: "\(characterCost)", HTTPField.Name("request-id")!: "req_fake\(index)"],
            body: ResponseBody { writer in
                do {
                    if options.firstByteDelay > .zero { try await Task.sleep(for: options.firstByteDelay) }
                    var sent = 0
                    var sizes = ChunkSizes(seed: UInt64(index) &+ 0x9E37_79B9)
                    while sent < total {
                        if let dropAt, sent >= dropAt { throw FakeStreamDropped() }
                        let size = min(total - sent, sizes.next())
                        let audio = Self.audio(bytes: size, phase: sent)
                        try await writer.write(ByteBuffer(bytes: audio))
                        sent += size
                        log.modify(index) { $0.bytesSent = sent }
                        let pause = options.realTimePacing ? Duration.microseconds(size * 125) : options.burstInterval
                        if pause > .zero { try await Task.sleep(for: pause) }
                    }
                    try await writer.finish(nil)
                    log.modify(index) { $0.completed = true }
                } catch {
                    if !(error is FakeStreamDropped) { log.modify(index) { $0.cancelledByClient = true } }
                    throw error
                }
            })
    }

    /// `bytes` of a voice-like μ-law tone starting at sample `phase`.
    static func audio(bytes: Int, phase: Int) -> [UInt8] {
        let count = max(0, bytes)
        var out = [UInt8]()
        out.reserveCapacity(count)
        for index in 0..<count {
            let t = Double(phase + index) / 8000
            let envelope = 0.6 + 0.4 * sin(2 * Double.pi * 3 * t)
            out.append(MuLaw.encode(Int16(5000 * envelope * sin(2 * Double.pi * 240 * t))))
        }
        return out
    }

    /// Irregular chunk sizes (100…900 bytes), deterministic per request.
    struct ChunkSizes {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 100 + Int((state >> 33) % 801)
        }
    }
}
