import Testing

@testable import Telnyx

@Suite struct ReorderBufferTests {
    @Test func inOrderPassesStraightThrough() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 4, nextSequence: 2)
        for sequence in 2...6 {
            let released = buffer.push(sequence, sequence: sequence)
            #expect(released == [sequence])
        }
        #expect(buffer.bufferedCount == 0)
        #expect(buffer.nextSequence == 7)
    }

    @Test func swappedPairIsReleasedInOrder() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 4, nextSequence: 2)
        do { let released = buffer.push(3, sequence: 3); #expect(released == []) }
        #expect(buffer.bufferedCount == 1)
        do { let released = buffer.push(2, sequence: 2); #expect(released == [2, 3]) }
        do { let released = buffer.push(5, sequence: 5); #expect(released == []) }
        do { let released = buffer.push(4, sequence: 4); #expect(released == [4, 5]) }
    }

    @Test func duplicatesAndLateFramesDropped() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 4)
        do { let released = buffer.push(10, sequence: 10); #expect(released == [10], "first frame sets the start") }
        do { let released = buffer.push(10, sequence: 10); #expect(released == []) }
        do { let released = buffer.push(9, sequence: 9); #expect(released == []) }
        do { let released = buffer.push(12, sequence: 12); #expect(released == []) }
        do { let released = buffer.push(12, sequence: 12); #expect(released == [], "duplicate of a waiting frame") }
        #expect(buffer.droppedCount == 3)
        do { let released = buffer.push(11, sequence: 11); #expect(released == [11, 12]) }
    }

    @Test func gapGivenUpWhenWindowFull() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 3, nextSequence: 1)
        do { let released = buffer.push(1, sequence: 1); #expect(released == [1]) }
        // 2 is lost.
        do { let released = buffer.push(3, sequence: 3); #expect(released == []) }
        do { let released = buffer.push(4, sequence: 4); #expect(released == []) }
        do { let released = buffer.push(5, sequence: 5); #expect(released == []) }
        do { let released = buffer.push(6, sequence: 6); #expect(released == [3, 4, 5, 6]) }
        #expect(buffer.skippedCount == 1)
        do { let released = buffer.push(2, sequence: 2); #expect(released == [], "too late now") }
        #expect(buffer.droppedCount == 1)
    }

    @Test func nonMediaNumbersCloseGaps() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 8, nextSequence: 2)
        do { let released = buffer.push(2, sequence: 2); #expect(released == [2]) }
        do { let released = buffer.push(4, sequence: 4); #expect(released == []) }
        do { let released = buffer.skip(sequence: 3); #expect(released == [4], "a mark used number 3") }
        do { let released = buffer.skip(sequence: 5); #expect(released == []) }
        do { let released = buffer.push(6, sequence: 6); #expect(released == [6]) }
        #expect(buffer.skippedCount == 0)
    }

    @Test func boundedEvenWithOnlyNonMediaWaiting() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 2, nextSequence: 1)
        for sequence in 2...50 { _ = buffer.skip(sequence: sequence) }
        #expect(buffer.bufferedCount == 0)
        do { let released = buffer.push(51, sequence: 51); #expect(released == [51]) }
    }

    @Test func flushReleasesEverythingInOrder() {
        var buffer = TelnyxMediaReorderBuffer<Int>(window: 8, nextSequence: 1)
        do { let released = buffer.push(5, sequence: 5); #expect(released == []) }
        do { let released = buffer.push(3, sequence: 3); #expect(released == []) }
        do { let released = buffer.push(4, sequence: 4); #expect(released == []) }
        do { let released = buffer.push(8, sequence: 8); #expect(released == []) }
        do { let released = buffer.flush(); #expect(released == [3, 4, 5, 8]) }
        #expect(buffer.bufferedCount == 0)
        do { let released = buffer.flush(); #expect(released == []) }
        do { let released = buffer.push(6, sequence: 6); #expect(released == [], "older than what flush released") }
    }

    /// A shuffled stream within the window comes out sorted and complete.
    @Test(arguments: [1, 2, 3, 42])
    func shuffledWithinWindow(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var order = Array(2...201)
        // Shuffle within blocks of 4 (displacement < 4), like network reordering.
        for blockStart in stride(from: 0, to: order.count, by: 4) {
            let blockEnd = min(blockStart + 4, order.count)
            for index in blockStart..<blockEnd {
                order.swapAt(index, blockStart + Int(rng.next() % UInt64(blockEnd - blockStart)))
            }
        }
        #expect(order != Array(2...201), "the stream really is shuffled")
        var buffer = TelnyxMediaReorderBuffer<TelnyxMedia>(window: 8, nextSequence: 2)
        var out: [Int] = []
        for sequence in order {
            out += buffer.push(TelnyxMedia(sequenceNumber: sequence, payload: "x")).map(\.sequenceNumber)
        }
        out += buffer.flush().map(\.sequenceNumber)
        #expect(out == Array(2...201))
        #expect(buffer.droppedCount == 0)
    }
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The buffer's releases collected into arrays, so the tests can compare them.
extension TelnyxMediaReorderBuffer {
    mutating func push(_ frame: Frame, sequence: Int) -> [Frame] {
        var out: [Frame] = []
        push(frame, sequence: sequence) { out.append($0) }
        return out
    }

    mutating func skip(sequence: Int) -> [Frame] {
        var out: [Frame] = []
        skip(sequence: sequence) { out.append($0) }
        return out
    }

    mutating func flush() -> [Frame] {
        var out: [Frame] = []
        flush { out.append($0) }
        return out
    }
}

extension TelnyxMediaReorderBuffer where Frame == TelnyxMedia {
    /// Accepts a media frame keyed by its `sequence_number`.
    mutating func push(_ media: TelnyxMedia) -> [TelnyxMedia] {
        push(media, sequence: media.sequenceNumber)
    }
}
