import NIOCore
import NIOPosix

/// A `TaskExecutor` that runs each job on the NIO event loop it was enqueued from (the loop that read
/// the frame, resumed the continuation or completed the future), or on the group's next loop when
/// enqueued from elsewhere.
///
/// Under `withTaskExecutorPreference`, a media frame read on a loop is decoded, handed to the call's
/// loop, decided and written back out on that same thread: each `AsyncStream` hop becomes an in-loop
/// enqueue instead of a wake-up of another thread. Tasks are not tied to a loop (jobs of one task may
/// run on different loops over its life); actors and the call's one loop still serialize as usual.
///
/// Jobs must not block: they share the thread with socket I/O, like any event-loop work.
public final class EventLoopTaskExecutor: TaskExecutor {
    private let group: any EventLoopGroup

    /// - Parameter group: where jobs enqueued from outside an event loop run.
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { [self] in
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
