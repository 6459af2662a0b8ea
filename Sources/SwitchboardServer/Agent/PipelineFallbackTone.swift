import CallCore
import Foundation

/// The audible fallback when text to speech is unavailable: a short, soft, descending two-note chime
/// (≈ 0.7 s of μ-law 8 kHz, generated locally), so the caller hears that the line is alive before the
/// call is ended politely instead of silence.
enum PipelineFallbackTone {
    /// The chime in 20 ms frames, as base64 payloads (computed once).
    static let frames: [AudioPayload] = {
        var samples: [UInt8] = []
        for (frequency, milliseconds) in [(660.0, 300), (0, 60), (440.0, 340)] {
            let count = milliseconds * 8
            for index in 0..<count {
                guard frequency > 0 else {
                    samples.append(0xFF)
                    continue
                }
                let t = Double(index) / 8000
                let fade = min(1, Double(index) / 160, Double(count - index) / 400)
                samples.append(muLaw(Int16(3500 * fade * sin(2 * Double.pi * frequency * t))))
            }
        }
        return stride(from: 0, to: samples.count, by: 160).map { start in
            let frame = samples[start..<min(samples.count, start + 160)]
            return AudioPayload(base64: Data(frame).base64EncodedString(), byteCount: frame.count)
        }
    }()

    /// ITU-T G.711 μ-law encoding of one linear sample.
    static func muLaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample)
        let sign = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, 32635) + 0x84
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return UInt8(truncatingIfNeeded: ~(sign | (exponent << 4) | mantissa))
    }
}
