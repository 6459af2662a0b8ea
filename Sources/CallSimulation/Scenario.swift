import CallCore

/// One caller turn of a generated call.
struct CallerTurn: Sendable {
    /// Gap after the bot's previous response finished generating.
    var gap: Milliseconds
    var duration: Milliseconds
    var transcript: String
    var reply: String
}

/// How the generated call's last reply ends it.
enum ClosingMove: Sendable {
    case goodbyePhrase, endCallTool, transferTool
}

/// Everything random about one schedule, drawn from its seed up front.
struct Scenario: Sendable {
    var pipeline: Bool
    /// A Telnyx call: we answer it, ask for the stream when it is answered, and the stream's stop is not
    /// the end of the call (`call.hangup` is).
    var telnyx = false
    var turns: [CallerTurn]
    /// The turn whose reply closes the call (goodbye, `end_call`, transfer); a turn after it talks over
    /// the goodbye (seed 001: barge-in during the goodbye).
    var closingTurn: Int
    var closing: ClosingMove
    var silentCaller: Bool
    var faults: [(fault: Fault, at: Milliseconds)]
    var faultsEndAt: Milliseconds
    var lostEchoProbability: Double
    var duplicateProbability: Double
    var storeFailureProbability: Double
    var hangupFailureProbability: Double
    var slowProbability: Double
    var transcriptAfterAudioDone: Double
    var callerTranscriptLate: Bool

    static func generate(_ random: inout SplitMix64) -> Scenario {
        let silent = random.chance(0.15)
        let turnCount = silent ? 0 : Int(random.int(1...3))
        var turns: [CallerTurn] = []
        for index in 0..<turnCount {
            let bargeIn = random.chance(0.3)
            let gap: Milliseconds = bargeIn ? random.int(50...900) : (random.chance(0.15) ? random.int(9_000...16_000) : random.int(300...4_000))
            turns.append(CallerTurn(gap: gap, duration: random.int(300...2_500), transcript: "caller turn \(index + 1)", reply: "Here is answer number \(index + 1). Anything else?"))
        }
        let closingTurn = turns.count - 1
        if !turns.isEmpty && random.chance(0.25) {
            turns.append(CallerTurn(gap: random.int(50...1_500), duration: random.int(300...1_500), transcript: "wait, one more thing", reply: "Of course. What else can I do for you?"))
        }
        let closingRoll = random.int(0...9)
        let closing: ClosingMove = closingRoll < 6 ? .goodbyePhrase : (closingRoll < 9 ? .endCallTool : .transferTool)
        let faulty = random.chance(0.6)
        var faults: [(Fault, Milliseconds)] = []
        if faulty {
            if random.chance(0.35) { faults.append((.callerHangsUp, random.int(200...25_000))) }
            if random.chance(0.12) { faults.append((.agentDisconnects, random.int(500...20_000))) }
            if random.chance(0.12) { faults.append((.transmitStalls, random.int(500...20_000))) }
            if random.chance(0.04) { faults.append((.operatorHangsUp, random.int(500...20_000))) }
        }
        var scenario = Scenario(
            pipeline: random.chance(0.25), turns: turns, closingTurn: closingTurn, closing: closing, silentCaller: silent && !faulty,
            faults: faults, faultsEndAt: faulty ? random.int(5_000...30_000) : 0,
            lostEchoProbability: faulty ? 0.1 : 0, duplicateProbability: faulty ? 0.15 : 0,
            storeFailureProbability: faulty ? 0.03 : 0, hangupFailureProbability: faulty ? 0.15 : 0,
            slowProbability: faulty ? 0.2 : 0, transcriptAfterAudioDone: random.chance(0.5) ? 0.5 : 0.1,
            callerTranscriptLate: random.chance(0.3))
        scenario.telnyx = random.chance(0.3)
        return scenario
    }
}
