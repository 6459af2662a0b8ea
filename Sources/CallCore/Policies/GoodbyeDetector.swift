/// Decides whether a bot utterance is a goodbye. Matching ignores case, punctuation, Unicode
/// normalization differences and Hebrew points (niqqud and cantillation).
public struct GoodbyeDetector: Sendable {
    /// Phrases in normalized form.
    public private(set) var phrases: [String]

    /// English and Hebrew defaults.
    public static let defaultPhrases = [
        "goodbye", "good bye", "bye bye", "bye", "have a great day", "have a nice day", "take care",
        "ביי", "להתראות", "ביי ולהתראות", "שלום ולהתראות", "יום טוב",
    ]

    public init(phrases: [String] = GoodbyeDetector.defaultPhrases) {
        self.phrases = phrases.map(GoodbyeDetector.normalize).filter { !$0.isEmpty }
    }

    /// True when one of the phrases occurs in `text` as whole words.
    public func isGoodbye(_ text: String) -> Bool {
        let normalized = " " + GoodbyeDetector.normalize(text) + " "
        for phrase in phrases where normalized.contains(" " + phrase + " ") {
            return true
        }
        return false
    }

    /// Lowercased, Hebrew points and punctuation removed, whitespace folded. Other combining marks are
    /// kept so that precomposed and decomposed forms compare equal as `Character`s (canonical equivalence).
    public static func normalize(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for original in text.lowercased().unicodeScalars {
            if isHebrewPoint(original) || isInvisible(original) { continue }
            let scalar = hebrewPresentationBase(original) ?? original
            let properties = scalar.properties
            let isMark = properties.generalCategory == .nonspacingMark
                || properties.generalCategory == .spacingMark || properties.generalCategory == .enclosingMark
            if properties.isAlphabetic || properties.numericType != nil || (isMark && !out.isEmpty && !pendingSpace) {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    /// Hebrew points and cantillation marks (U+0591–U+05C7, except maqaf and the punctuation in that block).
    static func isHebrewPoint(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x0591...0x05BD).contains(value) || value == 0x05BF || value == 0x05C1 || value == 0x05C2
            || value == 0x05C4 || value == 0x05C5 || value == 0x05C7 || value == 0xFB1E
    }

    /// Zero-width characters, direction marks and the byte order mark.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x200B...0x200F).contains(value) || value == 0xFEFF || value == 0x2060
    }

    /// Hebrew presentation forms (U+FB1D–U+FB4E: letters with points precomposed) mapped to the plain letter.
    static func hebrewPresentationBase(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let value = scalar.value
        guard (0xFB1D...0xFB4E).contains(value) else { return nil }
        let table: [UInt32: UInt32] = [
            0xFB1D: 0x05D9, 0xFB2A: 0x05E9, 0xFB2B: 0x05E9, 0xFB2C: 0x05E9, 0xFB2D: 0x05E9, 0xFB2E: 0x05D0,
            0xFB2F: 0x05D0, 0xFB30: 0x05D0, 0xFB31: 0x05D1, 0xFB32: 0x05D2, 0xFB33: 0x05D3, 0xFB34: 0x05D4,
            0xFB35: 0x05D5, 0xFB36: 0x05D6, 0xFB38: 0x05D8, 0xFB39: 0x05D9, 0xFB3A: 0x05DA, 0xFB3B: 0x05DB,
            0xFB3C: 0x05DC, 0xFB3E: 0x05DE, 0xFB40: 0x05E0, 0xFB41: 0x05E1, 0xFB43: 0x05E3, 0xFB44: 0x05E4,
            0xFB46: 0x05E6, 0xFB47: 0x05E7, 0xFB48: 0x05E8, 0xFB49: 0x05E9, 0xFB4A: 0x05EA, 0xFB4B: 0x05D5,
            0xFB4C: 0x05D1, 0xFB4D: 0x05DB, 0xFB4E: 0x05E4,
        ]
        return table[value].flatMap(Unicode.Scalar.init)
    }
}
