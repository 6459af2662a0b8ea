import NIOCore
import Testing
@testable import ElevenLabs

@Suite struct ChunkerTests {
    @Test func rechunksIntoWholeFramesCarryingTheRemainder() {
        var chunker = AudioFrameChunker(frameBytes: 160)
        let input = bytes(100) + bytes(250, seed: 100) + bytes(7, seed: 50) + bytes(3, seed: 9)
        var out: [[UInt8]] = []
        var offset = 0
        for size in [100, 250, 7, 3] {
            if let chunk = chunker.push(ByteBuffer(bytes: input[offset..<offset + size])) { out.append(Array(chunk.readableBytesView)) }
            offset += size
        }
        #expect(out.map(\.count) == [320])
        #expect(chunker.pendingBytes == 40)
        if let rest = chunker.flush() { out.append(Array(rest.readableBytesView)) }
        #expect(out.map(\.count) == [320, 40])
        #expect(out.flatMap { $0 } == input)
        do { let value = chunker.flush(); #expect(value == nil) }
    }

    @Test func exactFramesPassStraightThrough() {
        var chunker = AudioFrameChunker(frameBytes: 160)
        do { let value = chunker.push(ByteBuffer(bytes: bytes(480))); #expect(value?.readableBytes == 480) }
        #expect(chunker.pendingBytes == 0)
        do { let value = chunker.push(ByteBuffer(bytes: bytes(159))); #expect(value == nil) }
        do { let value = chunker.push(ByteBuffer(bytes: bytes(1))); #expect(value?.readableBytes == 160) }
        do { let value = chunker.flush(); #expect(value == nil) }
    }

    @Test func pcmFlushDropsADanglingHalfSample() {
        var chunker = AudioFrameChunker(frameBytes: 2, sampleBytes: 2)
        do { let value = chunker.push(ByteBuffer(bytes: bytes(3))); #expect(value?.readableBytes == 2) }
        do { let value = chunker.push(ByteBuffer(bytes: bytes(2))); #expect(value?.readableBytes == 2) }  // odd byte carried
        do { let value = chunker.flush(); #expect(value == nil) }  // one byte left: not a sample
    }

    @Test func outputFormatFrameSizes() {
        #expect(ElevenLabsOutputFormat.ulaw8000.frameBytes == 160)
        #expect(ElevenLabsOutputFormat.pcm16000.frameBytes == 640)
        #expect(ElevenLabsOutputFormat.pcm16000.sampleBytes == 2)
        #expect(ElevenLabsOutputFormat.pcm22050.frameBytes == 882)
        #expect(ElevenLabsOutputFormat(rawValue: "opus_48000_64").frameBytes == nil)
        #expect(ElevenLabsOutputFormat.mp3_44100_128.frameBytes == nil)
    }
}
