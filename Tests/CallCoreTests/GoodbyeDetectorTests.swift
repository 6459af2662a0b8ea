import CallCore
import Testing

@Suite struct GoodbyeDetectorTests {
    let detector = GoodbyeDetector()

    @Test(arguments: [
        "Thanks for calling, goodbye!", "GOODBYE.", "Okay — bye!", "ביי", "להתראות!", "ביי ולהתראות",
        "תודה, ביי ולהתראות.", "בַּיי וּלְהִתְרָאוֹת", "Bye\u{200F}", "good-bye",
    ])
    func detectsGoodbyes(_ text: String) {
        #expect(detector.isGoodbye(text))
    }

    @Test(arguments: ["Hello, how can I help?", "Let me look up byelaws for you.", "Who is Abby?", "", "שלום, מה שלומך?"])
    func ignoresOrdinaryText(_ text: String) {
        #expect(!detector.isGoodbye(text))
    }

    @Test func decomposedAndPrecomposedFormsMatch() {
        let custom = GoodbyeDetector(phrases: ["au revoir", "adi\u{00F3}s"])
        #expect(custom.isGoodbye("Adio\u{0301}s amigo"))
        #expect(custom.isGoodbye("AU REVOIR!"))
    }

    @Test func hebrewPresentationFormsMatchPlainLetters() {
        // U+FB31 is bet with dagesh, precomposed.
        #expect(detector.isGoodbye("\u{FB31}יי"))
    }
}
