import AsyncHTTPClient
import CallCore
import CallRuntime
import CallStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import OpenAIRealtime
import ProviderFakes
import ServiceLifecycle
import Twilio

/// The Switchboard server: builds the store, the agent, the carriers and the HTTP surface from a
/// `ServerConfiguration`, and runs them until SIGTERM/SIGINT, then drains.
public enum SwitchboardApplication {
    /// Runs the server. `onListening` gets the bound port (useful with `SWITCHBOARD_PORT=0`).
    public static func run(
        configuration: ServerConfiguration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let store = try await makeCallStore(url: configuration.databaseURL, logger: logger)
        let recovered = try await store.recoverAbandonedCalls(at: Int64(Date().timeIntervalSince1970 * 1_000))
        if !recovered.isEmpty {
            logger.notice("closed \(recovered.count) calls left open by a previous run (end reason server_restart)")
        }
        let writer = StoreWriter(store: store, logger: logger)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? httpClient.shutdown().wait() }

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let realtimeURL: String
                let apiKey: String
                switch configuration.agentKind {
                case "local":
                    let localAgent = LocalAgent.server(logger: logger)
                    group.addTask { try await localAgent.run() }
                    realtimeURL = try await localAgent.realtimeURL(model: LocalAgent.model)
                    apiKey = "local"
                    logger.notice("agent: built-in local agent at \(realtimeURL)")
                case "openai-realtime":
                    guard let key = configuration.openAIAPIKey else {
                        throw ServerSetupError("SWITCHBOARD_AGENT=openai-realtime needs OPENAI_API_KEY")
                    }
                    realtimeURL = configuration.openAIRealtimeURL
                    apiKey = key
                default:
                    throw ServerSetupError("SWITCHBOARD_AGENT=\(configuration.agentKind) is not available in this build (use local or openai-realtime)")
                }
                let (services, supervisor) = try build(
                    configuration: configuration, logger: logger, store: store, writer: writer, httpClient: httpClient,
                    realtimeURL: realtimeURL, apiKey: apiKey, onListening: onListening)
                group.addTask { await supervisor.runSessions() }
                try await services.run()
                group.cancelAll()
            }
        } catch {
            try? await store.close()
            throw error
        }
        try? await store.close()
    }

    static func build(
        configuration: ServerConfiguration, logger: Logger, store: any CallStore, writer: StoreWriter, httpClient: HTTPClient,
        realtimeURL: String, apiKey: String, onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> (ServiceGroup, CallSupervisor) {
        let registry = CallRegistry()
        let supervisor = CallSupervisor(registry: registry, drainSeconds: configuration.drainSeconds, logger: logger)
        let metrics = ServerMetrics()
        let session = RealtimeSessionConfig(
            model: LocalAgent.model, instructions: configuration.instructions, voice: configuration.voice,
            tools: configuration.transferTarget == nil ? [.endCall] : [.endCall, .transferCall])
        let agent = RealtimeAgentConnector(
            connection: RealtimeConnectionConfiguration(url: realtimeURL, apiKey: apiKey), session: session,
            instructions: AgentInstructions(), logger: logger)
        let factory = CallFactory(
            configuration: configuration.call, agent: agent, store: StoreSink(writer: writer), registry: registry,
            supervisor: supervisor, agentKind: configuration.agentKind, logger: logger, observer: metrics)

        var twilioClient: TwilioRESTClient?
        if let sid = configuration.twilioAccountSid, let token = configuration.twilioAuthToken {
            twilioClient = TwilioRESTClient(
                httpClient: httpClient,
                configuration: TwilioRESTConfiguration(accountSid: sid, authToken: token, baseURL: configuration.twilioAPIURL),
                logger: logger)
        } else {
            logger.notice("no TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN: hangups close the media stream (offline mode)")
        }
        let twilio = TwilioRoutes(
            configuration: configuration, factory: factory, registry: registry,
            carrier: TwilioCarrier(client: twilioClient, registry: registry, transferCallerID: nil), logger: logger)

        let router = Router(context: BasicWebSocketRequestContext.self)
        twilio.register(on: router)
        CallsAPI(store: store, apiToken: configuration.apiToken).register(on: router)
        router.get("/healthz") { _, _ in
            let body = #"{"status":"ok","live_calls":\#(registry.liveCount),"draining":\#(supervisor.isDraining)}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/metrics") { _, _ in
            let body = metrics.render(liveCalls: registry.liveCount, draining: supervisor.isDraining)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }

        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                configuration: .init(ws: .init(maxFrameSize: TwilioMediaStream.maxMessageSize, closeTimeout: .seconds(5)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil, backlog: 4096),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("switchboard listening on \(configuration.host):\(port) (public URL \(configuration.publicURL))")
                await onListening(port)
            },
            logger: logger)

        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: StoreWriterService(writer: writer)),
                .init(service: app),
                .init(service: supervisor),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // Everything is bounded: after the drain, its hard stop and a few seconds for the HTTP server to
        // close lingering connections, shutdown escalates to cancellation and the process exits.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.drainSeconds + supervisor.hardStopSeconds + 5)
        return (ServiceGroup(configuration: groupConfiguration), supervisor)
    }
}

/// A configuration that cannot start.
public struct ServerSetupError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The store's write path as a service: drains what is queued when the group shuts down.
struct StoreWriterService: Service {
    let writer: StoreWriter
    func run() async throws {
        await withGracefulShutdownHandler {
            await writer.run()
        } onGracefulShutdown: {
            writer.finish()  // commit everything queued, then return
        }
    }
}
