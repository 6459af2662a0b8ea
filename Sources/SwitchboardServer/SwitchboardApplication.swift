import AsyncHTTPClient
import CallCore
import CallRuntime
import CallStore
import EventLoopExecution
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import OpenAIRealtime
import ProviderFakes
import ServiceLifecycle
import Telnyx
import Twilio

/// The Switchboard server: builds the store, the agent, the carriers and the HTTP surface from a
/// `ServerConfiguration`, and runs them until SIGTERM/SIGINT, then drains.
public enum SwitchboardApplication {
    /// Runs the server. `onListening` gets the bound port (useful with `SWITCHBOARD_PORT=0`).
    ///
    /// With one event loop (a server pinned to one core), every task of the server prefers an
    /// `EventLoopTaskExecutor`: a call's reader, loop and writers run on the loop's thread, so a frame
    /// crosses no threads on its way (`ServerConfiguration.taskExecutor`).
    public static func run(
        configuration: ServerConfiguration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let loops = EventLoopThreads.sharedLoopCount
        let onEventLoops = configuration.taskExecutor.runsOnEventLoops(loops: loops)
        logger.info("tasks run on \(onEventLoops ? "the event loop" : "Swift's shared pool") (\(loops) event loop\(loops == 1 ? "" : "s"))")
        try await withTaskExecutorPreference(onEventLoops ? EventLoopTaskExecutor() : nil) {
            try await runOnEventLoops(configuration: configuration, logger: logger, onListening: onListening)
        }
    }

    private static func runOnEventLoops(
        configuration: ServerConfiguration, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let store = try await makeCallStore(url: configuration.databaseURL, logger: logger)
        let recovered = try await store.recoverAbandonedCalls(at: Int64(Date().timeIntervalSince1970 * 1_000))
        if !recovered.isEmpty {
            logger.notice("closed \(recovered.count) calls left open by a previous run (end reason server_restart)")
        }
        let writer = StoreWriter(store: store, logger: logger)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let agent: any AgentConnector
                switch configuration.agentKind {
                case "local":
                    let localAgent = LocalAgent.server(logger: logger)
                    group.addTask { try await localAgent.run() }
                    let realtimeURL = try await localAgent.realtimeURL(model: LocalAgent.model)
                    agent = realtimeAgent(configuration: configuration, url: realtimeURL, apiKey: "local", logger: logger)
                    logger.notice("agent: built-in local agent at \(realtimeURL)")
                case "openai-realtime":
                    guard let key = configuration.openAIAPIKey else {
                        throw ServerSetupError("SWITCHBOARD_AGENT=openai-realtime needs OPENAI_API_KEY")
                    }
                    agent = realtimeAgent(configuration: configuration, url: configuration.openAIRealtimeURL, apiKey: key, logger: logger)
                case "pipeline":
                    agent = try await makePipelineAgent(configuration: configuration, httpClient: httpClient, logger: logger, group: &group)
                default:
                    throw ServerSetupError("SWITCHBOARD_AGENT=\(configuration.agentKind) is unknown (use local, openai-realtime or pipeline)")
                }
                let (services, supervisor) = try build(
                    configuration: configuration, logger: logger, store: store, writer: writer, httpClient: httpClient,
                    agent: agent, onListening: onListening)
                group.addTask { await supervisor.runSessions() }
                try await services.run()
                group.cancelAll()
            }
        } catch {
            try? await httpClient.shutdown()
            try? await store.close()
            throw error
        }
        try? await httpClient.shutdown()
        try? await store.close()
    }

    static func build(
        configuration: ServerConfiguration, logger: Logger, store: any CallStore, writer: StoreWriter, httpClient: HTTPClient,
        agent: any AgentConnector, onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> (ServiceGroup, CallSupervisor) {
        let registry = CallRegistry()
        let supervisor = CallSupervisor(registry: registry, drainSeconds: configuration.drainSeconds, logger: logger)
        let metrics = ServerMetrics()
        var callConfiguration = configuration.call
        // The pipeline's speech to text only reports speech: the machine cancels a reply on barge-in itself.
        if configuration.agentKind == "pipeline" { callConfiguration.agentCancelsOnSpeech = false }
        let factory = CallFactory(
            configuration: callConfiguration, agent: agent, store: StoreSink(writer: writer), registry: registry,
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

        let router = Router(context: SwitchboardRequestContext.self)
        twilio.register(on: router)
        let telnyx = try telnyxRoutes(configuration: configuration, factory: factory, registry: registry, httpClient: httpClient, logger: logger)
        telnyx.register(on: router)
        let mediaRoutes = [twilio.mediaRoute, telnyx.mediaRoute]
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
            server: HTTPServerBuilder { responder in SwitchboardChildChannel(responder: responder, routes: mediaRoutes) },
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

extension SwitchboardApplication {
    /// Telnyx Call Control webhooks and media streaming; commands need `TELNYX_API_KEY`.
    static func telnyxRoutes(
        configuration: ServerConfiguration, factory: CallFactory, registry: CallRegistry, httpClient: HTTPClient, logger: Logger
    ) throws -> TelnyxRoutes {
        var validator: TelnyxSignatureValidator?
        if let key = configuration.telnyxPublicKey {
            do {
                validator = try TelnyxSignatureValidator(publicKeyBase64: key)
            } catch {
                throw ServerSetupError("TELNYX_PUBLIC_KEY: \(error)")
            }
        } else if configuration.telnyxAPIKey != nil {
            logger.notice("no TELNYX_PUBLIC_KEY: Telnyx webhooks are accepted unsigned")
        }
        let streams = TelnyxStreamAuthority(mediaURL: configuration.telnyxMediaURL)
        let carrier = configuration.telnyxAPIKey.map { key in
            TelnyxCarrier(
                client: TelnyxCallControlClient(
                    httpClient: httpClient, configuration: TelnyxCallControlConfiguration(apiKey: key, baseURL: configuration.telnyxAPIURL),
                    logger: logger),
                streams: streams)
        }
        return TelnyxRoutes(factory: factory, registry: registry, carrier: carrier, validator: validator, streams: streams, logger: logger)
    }

    /// The speech-to-speech agent over the Realtime API (OpenAI, or the built-in local agent).
    static func realtimeAgent(configuration: ServerConfiguration, url: String, apiKey: String, logger: Logger) -> RealtimeAgentConnector {
        let session = RealtimeSessionConfig(
            model: LocalAgent.model, instructions: configuration.instructions, voice: configuration.voice,
            tools: configuration.transferTarget == nil ? [.endCall] : [.endCall, .transferCall])
        return RealtimeAgentConnector(
            connection: RealtimeConnectionConfiguration(url: url, apiKey: apiKey), session: session,
            instructions: AgentInstructions(), logger: logger)
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
