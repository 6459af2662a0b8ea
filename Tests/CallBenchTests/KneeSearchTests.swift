import Testing
@testable import CallBench

@Suite struct KneeSearchTests {
    /// Runs the search against a machine whose true knee is `knee`.
    func search(knee: Int, start: Int = 100, ceiling: Int = 4_000) -> (best: Int?, runs: [Int]) {
        var search = KneeSearch(start: start, ceiling: ceiling, resolution: 50, maxRuns: 10)
        var runs: [Int] = []
        while let calls = search.next() {
            runs.append(calls)
            search.record(calls: calls, passed: calls <= knee)
        }
        return (search.best, runs)
    }

    @Test(arguments: [130, 777, 1_000, 2_500])
    func bracketsTheKneeWithinTheResolution(knee: Int) {
        let (best, runs) = search(knee: knee)
        let found = try! #require(best)
        #expect(found <= knee)
        #expect(knee - found <= 50)
        #expect(runs.count <= 10)
    }

    @Test func onlyFailuresUnderHeavyStealAreRepeatedAndAtMostTwice() {
        #expect(KneeSearch.repeatsStep(passed: false, stealPercent: 10.9, attempt: 1))
        #expect(KneeSearch.repeatsStep(passed: false, stealPercent: 10.9, attempt: 2))
        #expect(!KneeSearch.repeatsStep(passed: false, stealPercent: 10.9, attempt: 3), "three runs of one step at most")
        #expect(!KneeSearch.repeatsStep(passed: false, stealPercent: 2.0, attempt: 1), "a failure on a quiet machine counts")
        #expect(!KneeSearch.repeatsStep(passed: false, stealPercent: nil, attempt: 1), "no steal reading: counts")
        #expect(!KneeSearch.repeatsStep(passed: true, stealPercent: 30, attempt: 1), "a pass always counts")
    }

    @Test func noPassingRunMeansNoKnee() {
        let (best, runs) = search(knee: 10)
        #expect(best == nil)
        #expect(runs == [100, 50])
    }

    @Test func stopsAtTheCeiling() {
        let (best, runs) = search(knee: 100_000, ceiling: 800)
        #expect(best == 800)
        #expect(runs == [100, 200, 400, 800])
    }
}
