import NIOCore
import NIOPosix
import Testing
@testable import EventLoopExecution

@Suite struct EventLoopTaskExecutorTests {
    @Test func aTaskResumedByAnEventLoopRunsOnThatLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let executor = EventLoopTaskExecutor(group: group)
        let seen = try await withTaskExecutorPreference(executor) {
            var seen: [Bool] = []
            for loop in loops + loops {
                // A future completed on `loop`: the continuation is resumed there, and the task goes on there.
                try await loop.scheduleTask(in: .milliseconds(1)) {}.futureResult.get()
                seen.append(loop.inEventLoop)
            }
            return seen
        }
        #expect(seen == [true, true, true, true])
        try await group.shutdownGracefully()
    }

    @Test func childTasksInheritThePreferenceAndRunOnTheGroup() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let executor = EventLoopTaskExecutor(group: group)
        let onLoop = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Bool.self) { children in
                for _ in 0..<8 { children.addTask { loop.inEventLoop } }
                var all: [Bool] = []
                for await value in children { all.append(value) }
                return all
            }
        }
        #expect(onLoop == Array(repeating: true, count: 8))
        try await group.shutdownGracefully()
    }

    @Test func jobsBeyondTheBacklogRunOnTheSharedPool() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let executor = EventLoopTaskExecutor(group: group, spillThreshold: 1)
        let placements = await withTaskExecutorPreference(executor) {
            // This body runs on the loop and adds both children before it suspends: the first child
            // waits on the loop (backlog 1 = the threshold), so the second one is handed to the pool.
            await withTaskGroup(of: (Int, Bool).self) { children in
                children.addTask { (1, loop.inEventLoop) }
                children.addTask { (2, loop.inEventLoop) }
                var placements: [Int: Bool] = [:]
                for await (child, onLoop) in children { placements[child] = onLoop }
                return placements
            }
        }
        #expect(placements == [1: true, 2: false])
        #expect(executor.waitingJobs == 0)
        try await group.shutdownGracefully()
    }

    @Test func aStreamHandOffStaysOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let executor = EventLoopTaskExecutor(group: group)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let loopsOfConsumer = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: [ObjectIdentifier?].self) { children in
                children.addTask {
                    var loops: [ObjectIdentifier?] = []
                    for await _ in stream {
                        loops.append(MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0 as AnyObject) })
                    }
                    return loops
                }
                children.addTask {
                    for value in 0..<100 {
                        continuation.yield(value)
                        await Task.yield()
                    }
                    continuation.finish()
                    return []
                }
                var result: [ObjectIdentifier?] = []
                for await loops in children where !loops.isEmpty { result = loops }
                return result
            }
        }
        #expect(loopsOfConsumer.count == 100)
        #expect(loopsOfConsumer.allSatisfy { $0 != nil })
        try await group.shutdownGracefully()
    }
}

@Suite struct CPUAffinityTests {
    @Test func countsTheBitsOfTheAllowedMask() {
        #expect(CPUAffinity.allowedCPUCount(status: "Name:\tx\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n") == 2)
        #expect(CPUAffinity.allowedCPUCount(status: "Cpus_allowed:\t1\n") == 1)
        #expect(CPUAffinity.allowedCPUCount(status: "Cpus_allowed:\tff,00000001\n") == 9)
        #expect(CPUAffinity.allowedCPUCount(status: "Name:\tx\n") == nil)
        #expect(CPUAffinity.allowedCPUCount(status: "Cpus_allowed:\t0\n") == nil)
    }

    @Test func thisProcessHasAtLeastOneCPU() throws {
        let count = try #require(CPUAffinity.allowedCPUCount)
        #expect(count >= 1)
    }
}
