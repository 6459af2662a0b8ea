import Foundation

/// The three GA audio formats (`audio.input.format` / `audio.output.format`).
public enum RealtimeAudioFormat: String, Sendable, Equatable {
    /// `{"type":"audio/pcmu"}`: G.711 μ-law 8 kHz (what telephony needs).
    case pcmu = "audio/pcmu"
    /// `{"type":"audio/pcma"}`: G.711 A-law 8 kHz.
    case pcma = "audio/pcma"
    /// `{"type":"audio/pcm","rate":24000}`: 16-bit little-endian PCM 24 kHz (the API default).
    case pcm = "audio/pcm"

    /// Bytes per millisecond of audio in this format.
    public var bytesPerMillisecond: Int { self == .pcm ? 48 : 8 }

    /// The JSON object describing the format.
    var json: RealtimeJSON {
        self == .pcm ? .obj(["type": "audio/pcm", "rate": 24000]) : .obj(["type": .string(rawValue)])
    }

    /// `milliseconds` of a voice-like tone in this format.
    func tone(milliseconds: Int) -> [UInt8] {
        switch self {
        case .pcmu:
            return MuLaw.tone(milliseconds: milliseconds)
        case .pcma:
            return MuLaw.tone(milliseconds: milliseconds).map { RealtimeALaw.encode(MuLaw.decode($0)) }
        case .pcm:
            let count = milliseconds * 24
            var out = [UInt8]()
            out.reserveCapacity(count * 2)
            for index in 0..<count {
                let t = Double(index) / 24000
                let sample = Int16(6000 * (0.6 + 0.4 * sin(2 * Double.pi * 3 * t)) * sin(2 * Double.pi * 220 * t))
                let bits = UInt16(bitPattern: sample)
                out.append(UInt8(truncatingIfNeeded: bits))
                out.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
            return out
        }
    }
}

/// G.711 A-law helpers (only what the fake needs).
enum RealtimeALaw {
    static func encode(_ sample: Int16) -> UInt8 {
        var value = Int(sample) >> 3
        var mask = 0xD5
        if value < 0 {
            mask = 0x55
            value = -value - 1
        }
        let segmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
        var segment = 0
        while segment < 8 && value > segmentEnds[segment] { segment += 1 }
        if segment >= 8 { return UInt8(0x7F ^ mask) }
        var code = segment << 4
        code |= segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F
        return UInt8((code ^ mask) & 0xFF)
    }

    static func decode(_ byte: UInt8) -> Int16 {
        let value = Int(byte ^ 0x55)
        var t = (value & 0x0F) << 4
        let segment = (value & 0x70) >> 4
        switch segment {
        case 0: t += 8
        case 1: t += 0x108
        default: t = (t + 0x108) << (segment - 1)
        }
        return Int16(value & 0x80 != 0 ? t : -t)
    }
}

/// Magnitude lookup tables so the VAD does no per-byte arithmetic beyond a table read.
enum RealtimeAmplitude {
    static let muLaw: [Int32] = (0...255).map { Int32(abs(Int(MuLaw.decode(UInt8($0))))) }
    static let aLaw: [Int32] = (0...255).map { Int32(abs(Int(RealtimeALaw.decode(UInt8($0))))) }
}

/// Allocation-free base64 decoding (standard alphabet, padding optional, no whitespace).
enum RealtimeBase64 {
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (index, char) in alphabet.enumerated() { t[Int(char)] = UInt8(index) }
        return t
    }()

    /// Calls `body` for every decoded byte; returns false (after possibly some calls) on invalid input.
    static func decode(_ text: String, _ body: (UInt8) -> Void) -> Bool {
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        var count = 0
        for char in text.utf8 {
            count += 1
            if char == UInt8(ascii: "=") {
                padding += 1
                if padding > 2 { return false }
                continue
            }
            if padding > 0 { return false }
            let value = table[Int(char)]
            if value == 0xFF { return false }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                body(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        if padding > 0 && count % 4 != 0 { return false }
        return bits < 6
    }
}
