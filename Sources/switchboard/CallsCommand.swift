import ArgumentParser
import CallStore
import Foundation
import Logging

/// `switchboard calls` and `switchboard calls show ID`: the stored calls, for a person.
struct CallsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls", abstract: "List stored calls, or show one.", subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    static func openStore() async throws -> any CallStore {
        let url = ProcessInfo.processInfo.environment["SWITCHBOARD_DATABASE_URL"] ?? "sqlite:switchboard.sqlite"
        return try await makeCallStore(url: url, logger: Logger(label: "switchboard.calls"))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Calls, newest first.")
        @Option(help: "open, ended or all.") var state = "all"
        @Option(help: "How many.") var limit = 20

        func run() async throws {
            let store = try await CallsCommand.openStore()
            let page = try await store.listCalls(state: CallListState(rawValue: state) ?? .all, limit: limit, before: nil)
            try? await store.close()
            for call in page.calls {
                print("\(call.id)  \(call.carrier.rawValue)  \(call.from) → \(call.to)  ended=\(call.endReason ?? "-")  finalized=\(call.finalizedAt != nil)")
            }
            if page.calls.isEmpty { print("no calls") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One call: transcript and timeline.")
        @Argument(help: "The call id.") var id: String

        func run() async throws {
            let store = try await CallsCommand.openStore()
            guard let detail = try await store.call(id: id) else {
                try? await store.close()
                throw ValidationError("no call \(id)")
            }
            try? await store.close()
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(try CallPrinter.describe(json: String(decoding: try encoder.encode(detail), as: UTF8.self)))
        }
    }
}
