import ArgumentParser
import EventLoopExecution
import Foundation
import Logging
import SwitchboardServer

/// `switchboard serve`: the server. With no provider keys it runs offline: SQLite in the working
/// directory and the built-in local agent.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the Switchboard server.")

    @Option(help: "Port to listen on (overrides SWITCHBOARD_PORT).") var port: Int?
    @Flag(help: "Verbose logging (also HANGUP_SKIPPED conditions).") var verbose = false

    func run() async throws {
        EventLoopThreads.matchAllowedCPUs()
        var configuration = ServerConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        if let port {
            configuration.port = port
            if ProcessInfo.processInfo.environment["SWITCHBOARD_PUBLIC_URL"] == nil {
                configuration.publicURL = "http://\(configuration.host):\(port)"
            }
        }
        if verbose { configuration.logLevel = .debug }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        try await SwitchboardApplication.run(configuration: configuration, logger: Logger(label: "switchboard"))
    }
}
