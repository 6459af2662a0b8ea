import NIOWebSocket
import Testing

@testable import OpenAIRealtime

/// Masking keys come from the kernel in batches; across batch boundaries they keep varying.
@Suite struct BufferedEntropyTests {
    @Test func wordsVaryAcrossRefills() {
        var entropy = BufferedEntropy()
        let words = (0..<200).map { _ in entropy.next() }  // six refills and a partial seventh
        // 200 draws of 64 random bits: a repeat (or a refill that left zeros) is a bug, not bad luck.
        #expect(Set(words).count == words.count)
        #expect(!words.contains(0))
    }

    @Test func maskingKeysAreDrawnFromIt() {
        var entropy = BufferedEntropy()
        let keys = (0..<100).map { _ in WebSocketMaskingKey.random(using: &entropy) }
        #expect(Set(keys.map { Array($0) }).count > 95)
    }
}
