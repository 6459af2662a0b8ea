#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel's CSPRNG, 256 bytes per system call: a client WebSocket masks every frame with a key
/// from "a strong source of entropy" (RFC 6455 §5.3), and `SystemRandomNumberGenerator` makes one
/// `getrandom` call per key (glibc 2.36 has no vDSO for it), so one per agent audio frame. This draws 32
/// words per `getentropy` call instead; the words are the kernel's, unchanged. Not thread-safe: one per
/// socket writer, used under its lock.
public struct BufferedEntropy: RandomNumberGenerator {
    private static let wordsPerFill = 32  // getentropy's limit is 256 bytes
    private var words = [UInt64](repeating: 0, count: wordsPerFill)
    private var nextIndex = wordsPerFill

    public init() {}

    /// The next 64 kernel-random bits.
    public mutating func next() -> UInt64 {
        if nextIndex == words.count { refill() }
        defer { nextIndex += 1 }
        return words[nextIndex]
    }

    private mutating func refill() {
        let status = words.withUnsafeMutableBytes { getentropy($0.baseAddress, $0.count) }
        if status != 0 {
            // Not expected on Linux ≥ 3.17; the standard generator is the same source, one word per call.
            var system = SystemRandomNumberGenerator()
            for index in words.indices { words[index] = system.next() }
        }
        nextIndex = 0
    }
}
