import ProviderFakes

/// The conversation every bench call has: a greeting, normal replies, a barge-in on the second turn,
/// and a goodbye reply to the last turn, sized so a call lasts about `duration` seconds.
struct BenchScript: Sendable {
    static let greeting = "Hello! How can I help you today?"
    static let reply = "Sure, I can help with that. Anything else?"
    static let goodbye = "Thank you for calling. Goodbye!"
    static let millisecondsPerCharacter = 65
    static let vadSilenceMilliseconds = 500

    let turns: Int
    let bargeInTurn: Int?

    init(durationSeconds: Double) {
        let talk = 900, pause = 300
        let cycle = talk + Self.vadSilenceMilliseconds + pause + Self.reply.count * Self.millisecondsPerCharacter + 100
        let fixed = Self.greeting.count * Self.millisecondsPerCharacter + talk + Self.vadSilenceMilliseconds + pause
            + Self.goodbye.count * Self.millisecondsPerCharacter
        let budget = Int(durationSeconds * 1_000) - fixed
        turns = max(1, budget / cycle + 1)
        bargeInTurn = turns >= 3 ? 2 : nil
    }

    var agentScript: FakeAgentScript {
        let replies = Array(repeating: FakeAgentReply(Self.reply), count: turns - 1) + [FakeAgentReply(Self.goodbye)]
        return FakeAgentScript(
            greeting: FakeAgentReply(Self.greeting), replies: replies,
            timing: FakeAgentScript.Timing(millisecondsPerCharacter: Self.millisecondsPerCharacter))
    }

    var plan: BenchCallerPlan { BenchCallerPlan(turns: turns, bargeInTurn: bargeInTurn) }
}
