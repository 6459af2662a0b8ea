import Foundation
import NIOCore
import NIOPosix

/// Sizing of NIO's shared event-loop group.
public enum EventLoopThreads {
    /// One event loop per CPU this process may use: a server pinned to one core (`taskset -c 0`) runs
    /// one loop instead of one per core of the machine fighting over it. Call before anything touches
    /// `MultiThreadedEventLoopGroup.singleton`; `NIO_SINGLETON_GROUP_LOOP_COUNT` still wins when set.
    public static func matchAllowedCPUs(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil, let allowed = CPUAffinity.allowedCPUCount else { return }
        NIOSingletons.groupLoopCountSuggestion = min(allowed, System.coreCount)
    }

    /// The number of loops of NIO's shared group (creating it if it does not exist yet).
    public static var sharedLoopCount: Int {
        Array(MultiThreadedEventLoopGroup.singleton.makeIterator()).count
    }
}
