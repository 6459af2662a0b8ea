import EventLoopExecution
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// Records what the queue writes, and the flushes between.
private final class Recorder: Sendable {
    let log = Mutex<[String]>([])
    func append(_ entry: String) { log.withLock { $0.append(entry) } }
    var entries: [String] { log.withLock { $0 } }
}

/// Counts flushes reaching the head of an embedded pipeline.
private final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private(set) var count = 0

    func flush(context: ChannelHandlerContext) {
        count += 1
        context.flush()
    }
}

@Suite struct EventLoopWriteQueueTests {
    @Test func itemsQueuedBeforeAndAfterOpeningGoOutInOrderWithOneFlush() throws {
        let channel = EmbeddedChannel()
        let flushes = FlushCounter()
        try channel.pipeline.syncOperations.addHandler(flushes)
        let recorder = Recorder()
        let queue = EventLoopWriteQueue<String>(limit: 8) { item, _ in recorder.append(item) }
        try queue.append("a")
        try queue.append("b", droppable: true)
        queue.open(on: channel)
        try queue.append("c")
        #expect(recorder.entries.isEmpty)  // written by the loop, not by the sender
        channel.embeddedEventLoop.run()
        #expect(recorder.entries == ["a", "b", "c"])
        #expect(flushes.count == 1)
        try queue.append("d")
        channel.embeddedEventLoop.run()
        #expect(recorder.entries == ["a", "b", "c", "d"])
        #expect(flushes.count == 2)
    }

    @Test func droppableItemsAreRefusedWhileTheChannelIsNotWritable() throws {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        let queue = EventLoopWriteQueue<String>(limit: 8) { item, _ in recorder.append(item) }
        queue.open(on: channel)
        channel.isWritable = false
        #expect(throws: EventLoopWriteQueue<String>.Refusal.full) { try queue.append("audio", droppable: true) }
        try queue.append("control")
        channel.isWritable = true
        try queue.append("audio", droppable: true)
        channel.embeddedEventLoop.run()
        #expect(recorder.entries == ["control", "audio"])
    }

    @Test func theLimitBoundsWhatWaitsAndTheLastItemClosesTheQueue() throws {
        let recorder = Recorder()
        let queue = EventLoopWriteQueue<String>(limit: 2) { item, _ in recorder.append(item) }
        try queue.append("a")
        try queue.append("b")
        #expect(throws: EventLoopWriteQueue<String>.Refusal.full) { try queue.append("c") }
        #expect(queue.appendLast("close"))
        #expect(!queue.appendLast("close again"))
        #expect(throws: EventLoopWriteQueue<String>.Refusal.closed) { try queue.append("late") }
        let channel = EmbeddedChannel()
        queue.open(on: channel)
        channel.embeddedEventLoop.run()
        #expect(recorder.entries == ["a", "b", "close"])
    }

    @Test func finishDropsWhatIsPendingAndRefusesMore() throws {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        let queue = EventLoopWriteQueue<String>(limit: 8) { item, _ in recorder.append(item) }
        queue.open(on: channel)
        try queue.append("never written")
        queue.finish()
        channel.embeddedEventLoop.run()
        #expect(recorder.entries.isEmpty)
        #expect(queue.isClosed)
        #expect(throws: EventLoopWriteQueue<String>.Refusal.closed) { try queue.append("late") }
    }

    @Test func drainNowWritesWhatIsQueuedBeforeTheCallersOwnFrame() throws {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        let queue = EventLoopWriteQueue<String>(limit: 8) { item, _ in recorder.append(item) }
        queue.open(on: channel)
        try queue.append("queued")
        queue.drainNow(channel)
        recorder.append("pong")
        channel.embeddedEventLoop.run()
        #expect(recorder.entries == ["queued", "pong"])
    }
}
