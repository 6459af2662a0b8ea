import Testing
@testable import CallBench

@Suite struct FrameStampTests {
    @Test(arguments: [
        FrameStamp(call: 0, sequence: 0, micros: 0),
        FrameStamp(call: 999, sequence: 1_499, micros: 31_000_123),
        FrameStamp(call: FrameStamp.unknownCall, sequence: (1 << 20) - 1, micros: (1 << 36) - 1),
    ])
    func roundTripsThroughBytesAndBase64(stamp: FrameStamp) {
        #expect(FrameStamp(bytes: stamp.bytes) == stamp)
        #expect(stamp.base64.count == FrameStamp.base64Count)
        #expect(FrameStamp(base64Prefix: stamp.base64) == stamp)
    }

    @Test func staysQuietForTheVAD() {
        let stamp = FrameStamp(call: 0xABCD, sequence: 0x54321, micros: 0xF_FFFF_FFFF)
        for byte in stamp.bytes {
            // Lowest μ-law segment only: |sample| ≤ 120 (the fake VAD's speech threshold is 500 mean).
            #expect(byte & 0x70 == 0x70)
        }
    }

    @Test func stampPrefixesAWholeFrameBase64() {
        var frame = [UInt8](repeating: 0xFF, count: 160)
        let stamp = FrameStamp(call: 7, sequence: 42, micros: 123_456)
        stamp.write(into: &frame)
        let whole = Base64Lite.encode(frame)
        let joined = stamp.base64 + Base64Lite.encode(frame[FrameStamp.byteCount...])
        #expect(whole == joined)
        #expect(FrameStamp(base64Prefix: whole) == stamp)
    }

    @Test func rejectsOrdinaryAudio() {
        #expect(FrameStamp(bytes: [UInt8](repeating: 0xFF, count: 15)) == nil)
        #expect(FrameStamp(base64Prefix: Array("////////////////////".utf8)) == nil)
        #expect(FrameStamp(bytes: [UInt8](repeating: 0x00, count: 15)) == nil)
    }
}
