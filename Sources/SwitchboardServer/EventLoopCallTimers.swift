import CallRuntime
import NIOCore
import NIOPosix

/// The calls' timers as NIO scheduled tasks: on the event loop that arms them (the call's sockets' loop,
/// where its inputs are applied), else on one of the shared group's. Cancelling a re-armed deadline frees
/// it at once, where a sleeping child task would live on until its deadline.
struct EventLoopCallTimers: CallTimerScheduler {
    let group: any EventLoopGroup

    func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> any CallTimerHandle {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        return ScheduledCallTimer(scheduled: loop.scheduleTask(in: TimeAmount(delay)) { fire() })
    }
}

/// One armed expiry.
struct ScheduledCallTimer: CallTimerHandle {
    let scheduled: Scheduled<Void>

    func cancel() {
        scheduled.cancel()
    }
}
