import Foundation
import Synchronization
import Testing

@testable import CallRuntime

@Suite struct SerialInboxTests {
    @Test func inputsBeforeOpenWaitAndAreAppliedInOrderByTheOpener() {
        let inbox = SerialInbox<Int>()
        #expect(!inbox.enqueue(1))
        #expect(!inbox.enqueue(2))
        #expect(inbox.open())
        #expect(inbox.next() == 1)
        #expect(inbox.next() == 2)
        #expect(inbox.next() == nil)
        #expect(!inbox.open(), "opens once")
    }

    @Test func anInputDeliveredByTheApplierItselfIsAppliedAfterTheCurrentOne() {
        let inbox = SerialInbox<Int>()
        _ = inbox.open()
        #expect(inbox.enqueue(1), "nobody applies: the deliverer becomes the applier")
        var applied: [Int] = []
        while let input = inbox.next() {
            applied.append(input)
            if input == 1 { #expect(!inbox.enqueue(2), "the applier is busy: queued, not applied re-entrantly") }
        }
        #expect(applied == [1, 2])
        #expect(inbox.enqueue(3), "stepped down: the next deliverer applies")
        #expect(inbox.next() == 3)
        #expect(inbox.next() == nil)
    }

    @Test func closingDropsQueuedAndLaterInputs() {
        let inbox = SerialInbox<Int>()
        _ = inbox.open()
        #expect(inbox.enqueue(1))
        #expect(!inbox.enqueue(2))
        inbox.close()
        #expect(inbox.next() == nil)
        #expect(!inbox.enqueue(3))
        #expect(!inbox.open())
    }

    /// Eight threads deliver 2,000 numbered inputs each: every input is applied exactly once, each
    /// thread's inputs in its order, and never two at a time.
    @Test func concurrentDeliverersNeverApplyTwoInputsAtOnce() {
        let inbox = SerialInbox<(thread: Int, number: Int)>()
        _ = inbox.open()
        let threads = 8, perThread = 2_000
        let active = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        let applied = Mutex<[[Int]]>(Array(repeating: [], count: threads))
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for number in 0..<perThread where inbox.enqueue((thread, number)) {
                while let input = inbox.next() {
                    if active.wrappingAdd(1, ordering: .acquiring).newValue != 1 { overlaps.add(1, ordering: .relaxed) }
                    applied.withLock { $0[input.thread].append(input.number) }
                    active.subtract(1, ordering: .releasing)
                }
            }
        }
        #expect(overlaps.load(ordering: .relaxed) == 0)
        let perThreadOrder = applied.withLock { $0 }
        for numbers in perThreadOrder { #expect(numbers == Array(0..<perThread)) }
    }

    @Test(.timeLimit(.minutes(1))) func closeAndWaitReturnsOnlyOnceTheActiveApplierSteppedDown() async {
        let inbox = SerialInbox<Int>()
        _ = inbox.open()
        #expect(inbox.enqueue(1))
        #expect(inbox.next() == 1)  // this test is now the applier, in the middle of applying 1
        let applierSteppedDown = Atomic<Bool>(false)
        async let closed: Bool = {
            await inbox.closeAndWaitUntilIdle()
            return applierSteppedDown.load(ordering: .acquiring)
        }()
        for _ in 0..<100 { await Task.yield() }
        applierSteppedDown.store(true, ordering: .releasing)
        #expect(inbox.next() == nil, "closed meanwhile: the applier steps down")
        #expect(await closed)
        #expect(!inbox.enqueue(2))
    }

    @Test func closeAndWaitWithoutAnApplierReturnsAtOnceAndKeepsOthersOut() async {
        let inbox = SerialInbox<Int>()
        _ = inbox.open()
        await inbox.closeAndWaitUntilIdle()
        #expect(!inbox.enqueue(1))
    }
}
