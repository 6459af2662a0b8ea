import NIOCore
import NIOPosix
import Synchronization

/// A `TaskExecutor` that runs each job on the NIO event loop it was enqueued from (the loop that read
/// the frame, resumed the continuation or completed the future), or on the group's next loop when
/// enqueued from elsewhere.
///
/// Under `withTaskExecutorPreference`, a media frame read on a loop is decoded, handed to the call's
/// loop, decided and written back out on that same thread: each `AsyncStream` hop becomes an in-loop
/// enqueue instead of a wake-up of another thread. Tasks are not tied to a loop (jobs of one task may
/// run on different loops over its life); actors and the call's one loop still serialize as usual.
///
/// Overload: an event loop runs every ready task before it reads its sockets again, so a loop that
/// cannot keep up would stop reading altogether. Once `spillThreshold` jobs wait on the loops, further
/// jobs go to Swift's shared pool instead, whose threads the kernel interleaves with the loop's I/O;
/// they come back to the loops as the backlog drains.
///
/// Jobs must not block: they share the thread with socket I/O, like any event-loop work.
public final class EventLoopTaskExecutor: TaskExecutor {
    private let group: any EventLoopGroup
    private let backlog = Atomic<Int>(0)
    /// Jobs waiting on the loops beyond which new jobs run on Swift's shared pool.
    public let spillThreshold: Int

    /// - Parameters:
    ///   - group: where jobs enqueued from outside an event loop run.
    ///   - spillThreshold: see the type's documentation (about a few milliseconds of work).
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, spillThreshold: Int = 256) {
        self.group = group
        self.spillThreshold = spillThreshold
    }

    /// Jobs enqueued on the loops and not yet run.
    public var waitingJobs: Int { backlog.load(ordering: .relaxed) }

    public func enqueue(_ job: consuming ExecutorJob) {
        guard backlog.load(ordering: .relaxed) < spillThreshold else {
            globalConcurrentExecutor.enqueue(job)
            return
        }
        backlog.wrappingAdd(1, ordering: .relaxed)
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { [self] in
            backlog.wrappingSubtract(1, ordering: .relaxed)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
