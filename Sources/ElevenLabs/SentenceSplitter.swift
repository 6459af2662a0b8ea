/// Splits streamed LLM text into complete sentences for sentence-by-sentence synthesis.
///
/// Feed text deltas with `feed(_:)`; complete sentences come out as soon as the character after the
/// terminator shows the sentence really ended. Terminators: `.` `?` `!` `…` (and `؟` `。` `！` `？`),
/// runs like `?!` or `...`, followed by closing quotes/brackets and whitespace; a newline always ends a
/// sentence. A `.` after a known abbreviation (`Dr.`, `Mr.`, `e.g.`) or a single capital initial does not.
/// Works for any script (Hebrew, Arabic, …): only punctuation and whitespace matter. The buffer is bounded:
/// text longer than `maxLength` without a terminator is cut at the last comma or space. Value type, no I/O.
public struct SentenceSplitter: Sendable {
    /// Longest text held back waiting for a terminator.
    public let maxLength: Int
    private var buffer = ""

    /// Lower-cased words whose trailing `.` does not end a sentence.
    public static let defaultAbbreviations: Set<String> = [
        "dr", "mr", "mrs", "ms", "prof", "sr", "jr", "st", "mt", "vs", "e.g", "i.e", "inc", "ltd", "co",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "approx", "dept", "est", "fig", "gen", "gov", "lt", "col", "sgt", "capt", "ave", "blvd", "rd", "u.s",
    ]
    private let abbreviations: Set<String>

    private static let terminators: Set<Character> = [".", "?", "!", "…", "؟", "。", "！", "？"]
    private static let closers: Set<Character> = ["\"", "'", "”", "’", "»", ")", "]", "}", "״"]
    private static let softBreaks: Set<Character> = [",", ";", ":", "—", "–", "،"]

    public init(maxLength: Int = 400, abbreviations: Set<String> = SentenceSplitter.defaultAbbreviations) {
        self.maxLength = max(20, maxLength)
        self.abbreviations = abbreviations
    }

    /// Text received but not yet returned as a sentence.
    public var pending: String { buffer }

    /// Adds a delta; returns the sentences it completed (trimmed, non-empty), in order.
    public mutating func feed(_ delta: String) -> [String] {
        buffer += delta
        var sentences: [String] = []
        let chars = Array(buffer)
        var start = 0
        var i = 0
        scan: while i < chars.count {
            let c = chars[i]
            if c.isNewline {
                emit(chars[start..<i], into: &sentences)
                start = i + 1
                i += 1
                continue
            }
            guard Self.terminators.contains(c) else {
                i += 1
                continue
            }
            var j = i + 1
            while j < chars.count, Self.terminators.contains(chars[j]) { j += 1 }
            let singleDot = c == "." && j == i + 1
            while j < chars.count, Self.closers.contains(chars[j]) { j += 1 }
            if j == chars.count { break scan }  // need the next character to decide
            if chars[j].isWhitespace, !(singleDot && isAbbreviation(chars[start..<i])) {
                emit(chars[start..<j], into: &sentences)
                start = j
            }
            i = j
        }
        var rest = Array(chars[start...])
        while rest.count > maxLength {
            let cut = Self.cutIndex(rest, limit: maxLength)
            emit(rest[0..<cut], into: &sentences)
            rest = Array(rest[cut...])
        }
        buffer = String(rest)
        return sentences
    }

    /// Returns the remaining text as a final sentence (nil if only whitespace) and empties the buffer.
    public mutating func flush() -> String? {
        defer { buffer = "" }
        let text = Self.trimmed(Substring(buffer))
        return text.isEmpty ? nil : text
    }

    /// Drops buffered text (barge-in: the rest of the reply will not be spoken).
    public mutating func reset() { buffer = "" }

    private func isAbbreviation(_ text: ArraySlice<Character>) -> Bool {
        var k = text.endIndex
        while k > text.startIndex, text[k - 1].isLetter || text[k - 1] == "." { k -= 1 }
        let word = String(text[k...])
        guard !word.isEmpty else { return false }
        if word.count == 1, let first = word.first, first.isUppercase { return true }  // initial: "J. Smith"
        return abbreviations.contains(word.lowercased())
    }

    private func emit(_ text: ArraySlice<Character>, into sentences: inout [String]) {
        let sentence = Self.trimmed(Substring(String(text)))
        if !sentence.isEmpty { sentences.append(sentence) }
    }

    /// Where to cut an over-long run: after the last soft break, else at the last space, else at the limit.
    private static func cutIndex(_ chars: [Character], limit: Int) -> Int {
        if let k = chars[0..<limit].lastIndex(where: { softBreaks.contains($0) }), k > 0 { return k + 1 }
        if let k = chars[0..<limit].lastIndex(where: \.isWhitespace), k > 0 { return k + 1 }
        return limit
    }

    private static func trimmed(_ text: Substring) -> String {
        var text = text
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
