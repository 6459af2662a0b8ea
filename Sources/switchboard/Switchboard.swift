import ArgumentParser

/// The `switchboard` command line (DESIGN, "Interfaces").
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Answers phone calls on Twilio and connects them to an AI voice agent, without races.",
        subcommands: [ServeCommand.self, CallCommand.self, SimulateCommand.self, CallsCommand.self, BenchStoreCommand.self, BenchCommand.self])
}
