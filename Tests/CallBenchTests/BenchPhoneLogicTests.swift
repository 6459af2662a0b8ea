import Testing
@testable import CallBench

@Suite struct BenchPhoneLogicTests {
    @Test func playbackEchoesMarksAfterTheirAudio() {
        var playback = BenchPlayback()
        let early = playback.appendMark("early")
        #expect(early)  // nothing queued: echoed at once
        playback.appendAudio(bytes: 320)
        let queued = playback.appendMark("m0.0")
        #expect(!queued)
        var marks: [String] = []
        let first = playback.play(bytes: 160, marks: &marks)
        #expect(first)
        #expect(marks.isEmpty)
        let second = playback.play(bytes: 160, marks: &marks)
        #expect(second)
        #expect(marks == ["m0.0"])
        #expect(playback.isEmpty)
    }

    @Test func clearReturnsPendingMarks() {
        var playback = BenchPlayback()
        playback.appendAudio(bytes: 1_280)
        _ = playback.appendMark("a")
        playback.appendAudio(bytes: 1_280)
        _ = playback.appendMark("b")
        let cleared = playback.clear()
        #expect(cleared == ["a", "b"])
        var marks: [String] = []
        let played = playback.play(bytes: 160, marks: &marks)
        #expect(!played)
    }

    @Test func serverMessagesAreParsed() {
        let stamp = FrameStamp(call: FrameStamp.unknownCall, sequence: 3, micros: 99)
        let payload = String(decoding: stamp.base64, as: UTF8.self) + "AAAA"
        #expect(BenchServerMessage.parse(#"{"event":"media","streamSid":"MZ1","media":{"payload":"\#(payload)"}}"#) == .media(stamp: stamp, bytes: 18))
        #expect(BenchServerMessage.parse(#"{"event":"mark","streamSid":"MZ1","mark":{"name":"m1.2"}}"#) == .mark("m1.2"))
        #expect(BenchServerMessage.parse(#"{"event":"clear","streamSid":"MZ1"}"#) == .clear)
        #expect(BenchServerMessage.parse("junk") == .other)
    }

    @Test func callerTalksAfterTheBotThenBargesInOnItsTurn() {
        var plan = BenchCallerPlan(turns: 3, bargeInTurn: 2, talkMilliseconds: 100, pauseMilliseconds: 40, bargeInAfterMilliseconds: 60)
        // Greeting plays for 3 ticks, then a 40 ms pause, then 100 ms of talk.
        let greeting = (0..<3).map { _ in plan.tick(playing: true) }
        #expect(greeting == [false, false, false])
        let pause = (0..<2).map { _ in plan.tick(playing: false) }
        #expect(pause == [false, false])
        let talk = (0..<5).map { _ in plan.tick(playing: false) }
        #expect(talk == [true, true, true, true, true])
        // Reply 1 plays; turn 2 barges in after 60 ms of it.
        let reply = (0..<3).map { _ in plan.tick(playing: true) }
        #expect(reply == [false, false, true])
        #expect(plan.turnsTaken == 2)
    }

    @Test func scriptFillsTheDuration() {
        let script = BenchScript(durationSeconds: 30)
        #expect(script.turns >= 4)
        #expect(script.bargeInTurn == 2)
        #expect(script.agentScript.replies.last?.text == BenchScript.goodbye)
        #expect(BenchScript(durationSeconds: 5).turns == 1)
    }
}
