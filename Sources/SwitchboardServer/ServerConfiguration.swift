import CallCore
import Logging

/// Everything the server reads from its environment (DESIGN, "Interfaces"). Names are stable.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The URL Twilio and Telnyx reach us at (`https://…`); webhooks are signed over it and the media
    /// stream URL is derived from it (`wss://…/twilio/media`).
    public var publicURL = "http://127.0.0.1:8080"
    public var databaseURL = "sqlite:switchboard.sqlite"
    /// `openai-realtime`, `pipeline` or `local`.
    public var agentKind = "local"
    public var openAIAPIKey: String?
    public var openAIRealtimeURL = "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    public var openAIAPIURL = "https://api.openai.com/v1"
    public var twilioAccountSid: String?
    public var twilioAuthToken: String?
    public var twilioAPIURL = "https://api.twilio.com"
    public var telnyxAPIKey: String?
    public var telnyxPublicKey: String?
    public var telnyxAPIURL = "https://api.telnyx.com"
    public var elevenLabsAPIKey: String?
    public var elevenLabsVoiceID: String?
    public var elevenLabsAPIURL = "https://api.elevenlabs.io"
    /// Pipeline agent: the Chat Completions model (`SWITCHBOARD_LLM_MODEL`).
    public var llmModel = "gpt-4o-mini"
    /// Pipeline agent: the Realtime transcription model (`SWITCHBOARD_TRANSCRIPTION_MODEL`).
    public var transcriptionModel = "gpt-4o-mini-transcribe"
    /// The ElevenLabs voice when `ELEVENLABS_VOICE_ID` is unset.
    public static let defaultElevenLabsVoiceID = "JBFqnCBsd6RMkjVDRZzb"
    /// Where `transfer_call` sends the caller (`SWITCHBOARD_TRANSFER_TO`).
    public var transferTarget: String?
    /// `SWITCHBOARD_API_TOKEN`: when set, `/calls` needs `Authorization: Bearer …`.
    public var apiToken: String?
    /// How long live calls may run on after SIGTERM before they are ended politely.
    public var drainSeconds: Int64 = 30
    public var instructions = "You are a friendly, concise phone assistant. Keep answers short. When the caller is done, say goodbye and call the end_call tool."
    public var voice = "alloy"
    public var logLevel: Logger.Level = .notice
    public var call = CallConfiguration()
    /// Where the server's tasks run (`SWITCHBOARD_TASK_EXECUTOR`).
    public var taskExecutor = TaskExecutorChoice.automatic

    public init() {}

    /// Reads the environment; unset variables keep their defaults.
    public static func fromEnvironment(_ environment: [String: String]) -> ServerConfiguration {
        var c = ServerConfiguration()
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(), !raw.isEmpty else { return nil }
            return raw
        }
        if let v = value("SWITCHBOARD_HOST") { c.host = v }
        if let v = value("SWITCHBOARD_PORT"), let port = Int(v) { c.port = port }
        c.publicURL = value("SWITCHBOARD_PUBLIC_URL") ?? "http://\(c.host):\(c.port)"
        if let v = value("SWITCHBOARD_DATABASE_URL") { c.databaseURL = v }
        c.openAIAPIKey = value("OPENAI_API_KEY")
        if let v = value("SWITCHBOARD_OPENAI_REALTIME_URL") { c.openAIRealtimeURL = v }
        if let v = value("SWITCHBOARD_OPENAI_API_URL") { c.openAIAPIURL = v }
        c.agentKind = value("SWITCHBOARD_AGENT") ?? (c.openAIAPIKey == nil ? "local" : "openai-realtime")
        c.twilioAccountSid = value("TWILIO_ACCOUNT_SID")
        c.twilioAuthToken = value("TWILIO_AUTH_TOKEN")
        if let v = value("SWITCHBOARD_TWILIO_API_URL") { c.twilioAPIURL = v }
        c.telnyxAPIKey = value("TELNYX_API_KEY")
        c.telnyxPublicKey = value("TELNYX_PUBLIC_KEY")
        if let v = value("SWITCHBOARD_TELNYX_API_URL") { c.telnyxAPIURL = v }
        c.elevenLabsAPIKey = value("ELEVENLABS_API_KEY")
        c.elevenLabsVoiceID = value("ELEVENLABS_VOICE_ID")
        if let v = value("SWITCHBOARD_ELEVENLABS_API_URL") { c.elevenLabsAPIURL = v }
        if let v = value("SWITCHBOARD_LLM_MODEL") { c.llmModel = v }
        if let v = value("SWITCHBOARD_TRANSCRIPTION_MODEL") { c.transcriptionModel = v }
        c.transferTarget = value("SWITCHBOARD_TRANSFER_TO")
        c.call.transferTarget = c.transferTarget
        c.apiToken = value("SWITCHBOARD_API_TOKEN")
        if let v = value("SWITCHBOARD_DRAIN_SECONDS"), let seconds = Int64(v) { c.drainSeconds = seconds }
        if let v = value("SWITCHBOARD_INSTRUCTIONS") { c.instructions = v }
        if let v = value("SWITCHBOARD_VOICE") { c.voice = v }
        if let v = value("SWITCHBOARD_TASK_EXECUTOR"), let choice = TaskExecutorChoice(rawValue: v) { c.taskExecutor = choice }
        if let v = value("SWITCHBOARD_LOG_LEVEL") {
            c.logLevel = v == "verbose" ? .debug : (v == "minimal" ? .notice : Logger.Level(rawValue: v) ?? .notice)
        }
        if let v = value("SWITCHBOARD_REPROMPT_AFTER_MS"), let ms = Int64(v) { c.call.repromptAfter = ms }
        if let v = value("SWITCHBOARD_POLITE_END_AFTER_MS"), let ms = Int64(v) { c.call.politeEndAfterReprompt = ms }
        if let v = value("SWITCHBOARD_MAX_CALL_SECONDS"), let seconds = Int64(v) { c.call.maxCallDuration = seconds * 1_000 }
        if let v = value("SWITCHBOARD_GOODBYE_PHRASES") {
            c.call.goodbye = GoodbyeDetector(phrases: v.split(separator: "|").map(String.init))
        }
        return c
    }

    /// `wss://host/twilio/media` derived from the public URL (Twilio accepts only `wss`, no query).
    public var twilioMediaURL: String {
        websocketBase + "/twilio/media"
    }

    /// `wss://host/telnyx/media` derived from the public URL: where Telnyx streams a call's media.
    public var telnyxMediaURL: String {
        websocketBase + "/telnyx/media"
    }

    var websocketBase: String {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasPrefix("https://") { return "wss://" + base.dropFirst("https://".count) }
        if base.hasPrefix("http://") { return "wss://" + base.dropFirst("http://".count) }
        return base
    }

    /// The public URL of a path, as a provider signs it.
    func publicURL(path: String) -> String {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}

extension String {
    func trimmingCharacters() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}

/// Where the server's tasks run.
public enum TaskExecutorChoice: String, Sendable {
    /// On the event loop when NIO runs exactly one (the process may use one CPU, e.g. `taskset -c 0`);
    /// Swift's shared pool otherwise.
    case automatic = "auto"
    /// Always on the NIO event loops. With several loops, tasks resumed by different loops move between
    /// them: measured far worse than the shared pool (`bench --no-pin`, 200 calls: p50 9 s vs 137 ms).
    case eventLoop = "event-loop"
    /// Always on Swift's shared pool.
    case global

    /// Whether tasks run on the event loops when NIO's shared group has `loops` loops.
    public func runsOnEventLoops(loops: Int) -> Bool {
        switch self {
        case .automatic: loops == 1
        case .eventLoop: true
        case .global: false
        }
    }
}
