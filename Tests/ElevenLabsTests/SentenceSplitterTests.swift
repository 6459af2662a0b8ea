import Foundation
import Testing
@testable import ElevenLabs

@Suite struct SentenceSplitterTests {
    /// Feeds `deltas` one by one and returns every sentence, then the flushed remainder.
    func split(_ deltas: [String]) -> [String] {
        var splitter = SentenceSplitter()
        var out: [String] = []
        for delta in deltas { out += splitter.feed(delta) }
        if let rest = splitter.flush() { out.append(rest) }
        return out
    }

    @Test func splitsOnTerminatorsAcrossDeltas() {
        var splitter = SentenceSplitter()
        do { let value = splitter.feed("Hello there"); #expect(value.isEmpty) }
        do { let value = splitter.feed(". How are"); #expect(value == ["Hello there."]) }
        #expect(splitter.pending.contains("How"))
        do { let value = splitter.feed(" you?"); #expect(value == []) }  // "?" at the end: waits for the next character
        do { let value = splitter.feed(" Fine"); #expect(value == ["How are you?"]) }
        do { let value = splitter.flush(); #expect(value == "Fine") }
        do { let value = splitter.flush(); #expect(value == nil) }
    }

    @Test func firstSentenceComesOutOnTheFollowingSpace() {
        var splitter = SentenceSplitter()
        do { let value = splitter.feed("Thanks for calling."); #expect(value == []) }
        do { let value = splitter.feed(" Bye"); #expect(value == ["Thanks for calling."]) }
    }

    @Test func handlesRunsEllipsisQuotesAndNewlines() {
        #expect(split(["Really?! Yes… ", "He said \"stop.\" Then", " left.\nNew line\n\nEnd"])
            == ["Really?!", "Yes…", "He said \"stop.\"", "Then left.", "New line", "End"])
        #expect(split(["Wait... what? ok"]) == ["Wait...", "what?", "ok"])
    }

    @Test func keepsAbbreviationsInitialsAndNumbersTogether() {
        #expect(split(["Dr. Cohen will call at 3.", "30 tomorrow. Ok?"])
            == ["Dr. Cohen will call at 3.30 tomorrow.", "Ok?"])
        #expect(split(["Ask Mr. J. Smith, e.g. by mail. Thanks."]) == ["Ask Mr. J. Smith, e.g. by mail.", "Thanks."])
        #expect(split(["Visit example.com today. Bye."]) == ["Visit example.com today.", "Bye."])
    }

    @Test func hebrew() {
        let deltas = ["שלום! מה", " שלומך? אני ב", "סדר. ביי ולהתראות"]
        #expect(split(deltas) == ["שלום!", "מה שלומך?", "אני בסדר.", "ביי ולהתראות"])
        // Gershayim abbreviation (no dot) and niqqud split across deltas stay intact.
        #expect(split(["ד״ר כהן יחזור אליך. תוד", "ָה"]) == ["ד״ר כהן יחזור אליך.", "תודָה"])
    }

    @Test func boundsTheBufferWithoutATerminator() {
        var splitter = SentenceSplitter(maxLength: 40)
        let long = String(repeating: "word ", count: 20)  // 100 characters, no terminator
        let out = splitter.feed(long)
        #expect(!out.isEmpty)
        #expect(out.allSatisfy { $0.count <= 40 })
        #expect(splitter.pending.count <= 40)
        let rebuilt = (out + [splitter.flush()].compactMap { $0 }).joined(separator: " ")
        #expect(rebuilt == long.trimmingCharacters(in: .whitespaces))
    }

    @Test func prefersCommaForForcedCuts() {
        var splitter = SentenceSplitter(maxLength: 30)
        let out = splitter.feed("one two three, four five six seven eight nine")
        #expect(out.first == "one two three,")
    }

    @Test func whitespaceOnlyYieldsNothing() {
        #expect(split(["  ", "\n", " \n "]) == [])
    }
}
