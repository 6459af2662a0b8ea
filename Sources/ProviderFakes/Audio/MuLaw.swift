import Foundation

/// G.711 μ-law helpers for the fakes: 8 kHz mono, one byte per sample, 8 bytes per millisecond.
public enum MuLaw {
    /// Samples (and bytes) per millisecond at 8 kHz.
    public static let bytesPerMillisecond = 8
    /// Bytes in one 20 ms telephony frame.
    public static let frameBytes = 160
    /// The μ-law code of digital silence.
    public static let silenceByte: UInt8 = 0xFF

    /// Encodes one 16-bit linear PCM sample as μ-law (ITU-T G.711).
    public static func encode(_ sample: Int16) -> UInt8 {
        let bias = 0x84
        let clip = 32635
        var value = Int(sample)
        let sign = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        if value > clip { value = clip }
        value += bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && (value & mask) == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return UInt8(truncatingIfNeeded: ~(sign | (exponent << 4) | mantissa))
    }

    /// Decodes one μ-law byte to 16-bit linear PCM.
    public static func decode(_ byte: UInt8) -> Int16 {
        let value = Int(~byte)
        let sign = value & 0x80
        let exponent = (value >> 4) & 0x07
        let mantissa = value & 0x0F
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        return Int16(sign != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    /// `milliseconds` of silence.
    public static func silence(milliseconds: Int) -> [UInt8] {
        [UInt8](repeating: silenceByte, count: milliseconds * bytesPerMillisecond)
    }

    /// `milliseconds` of a voice-like tone (a sine at `frequency` Hz with a slow tremolo), starting at
    /// sample `phase` so consecutive chunks join without clicks.
    public static func tone(milliseconds: Int, frequency: Double = 220, amplitude: Double = 6000, phase: Int = 0) -> [UInt8] {
        let count = milliseconds * bytesPerMillisecond
        var out = [UInt8]()
        out.reserveCapacity(count)
        for index in 0..<count {
            let t = Double(phase + index) / 8000
            let envelope = 0.6 + 0.4 * sin(2 * Double.pi * 3 * t)
            let sample = amplitude * envelope * sin(2 * Double.pi * frequency * t)
            out.append(encode(Int16(sample)))
        }
        return out
    }

    /// Mean absolute amplitude of μ-law `bytes` in linear units (0 for silence); used for a simple VAD.
    public static func meanAmplitude<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        guard !bytes.isEmpty else { return 0 }
        var total = 0
        for byte in bytes { total += abs(Int(decode(byte))) }
        return total / bytes.count
    }
}
