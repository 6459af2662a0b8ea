import Testing

@testable import Telnyx

@Suite struct DeduplicatorTests {
    @Test func secondDeliveryIsDuplicate() {
        var dedupe = TelnyxWebhookDeduplicator()
        do { let duplicate = dedupe.isDuplicate("e1"); #expect(!duplicate) }
        do { let duplicate = dedupe.isDuplicate("e1"); #expect(duplicate) }
        do { let duplicate = dedupe.isDuplicate("e2"); #expect(!duplicate) }
        #expect(dedupe.count == 2)
    }

    @Test func boundedForgetsOldest() {
        var dedupe = TelnyxWebhookDeduplicator(capacity: 3)
        for id in ["a", "b", "c", "d"] { do { let duplicate = dedupe.isDuplicate(id); #expect(!duplicate) } }
        #expect(dedupe.count == 3)
        #expect(!dedupe.contains("a"))
        #expect(dedupe.contains("b") && dedupe.contains("c") && dedupe.contains("d"))
        do { let duplicate = dedupe.isDuplicate("d"); #expect(duplicate) }
        do { let duplicate = dedupe.isDuplicate("a"); #expect(!duplicate, "forgotten id is new again") }
        #expect(!dedupe.contains("b"), "re-adding 'a' evicted the next oldest")
    }

    @Test func largeCapacityStaysBounded() {
        var dedupe = TelnyxWebhookDeduplicator(capacity: 10_000)
        for index in 0..<25_000 { _ = dedupe.isDuplicate("id-\(index)") }
        #expect(dedupe.count == 10_000)
        #expect(dedupe.contains("id-24999") && dedupe.contains("id-15000"))
        #expect(!dedupe.contains("id-14999"))
    }

    @Test func sharedIsAtomicAcrossTasks() async {
        let shared = TelnyxSharedWebhookDeduplicator(capacity: 100)
        let fresh = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { !shared.isDuplicate("same-id") } }
            var count = 0
            for await isFresh in group where isFresh { count += 1 }
            return count
        }
        #expect(fresh == 1)
    }
}
