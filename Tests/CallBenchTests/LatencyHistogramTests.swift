import Testing
@testable import CallBench

@Suite struct LatencyHistogramTests {
    @Test func emptyHasNoQuantiles() {
        let histogram = LatencyHistogram()
        #expect(histogram.quantileMilliseconds(0.5) == nil)
        #expect(histogram.maxMilliseconds == nil)
    }

    @Test func quantilesOfOneToAThousandMicroseconds() {
        var histogram = LatencyHistogram()
        for micros in 1...1_000 { histogram.record(micros: Int64(micros)) }
        #expect(histogram.count == 1_000)
        // Rank 500 is 500 µs, in the bucket [500, 510): its upper edge, 0.51 ms.
        #expect(histogram.quantileMilliseconds(0.5) == 0.51)
        #expect(histogram.quantileMilliseconds(0.99) == 1.0)
        #expect(histogram.maxMilliseconds == 1.0)
    }

    @Test func overflowAndNegativeSamples() {
        var histogram = LatencyHistogram()
        histogram.record(micros: -5)
        histogram.record(micros: 5_000_000)
        #expect(histogram.quantileMilliseconds(0.5) == 0.01)
        #expect(histogram.quantileMilliseconds(1.0) == 5_000)
    }

    @Test func mergeAddsSamples() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        a.record(micros: 100)
        b.record(micros: 3_000)
        a.merge(b)
        #expect(a.count == 2)
        #expect(a.maxMilliseconds == 3.0)
    }
}
