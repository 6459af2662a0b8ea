import CallCore

/// Where a scheduled input comes from. Inputs of one channel are delivered in the order they were
/// scheduled (one socket never reorders); different channels interleave freely.
enum Channel: Int, Sendable, CaseIterable {
    case phone, agent, webhook, timer, store, rest, synthesis
}

/// An input waiting for its virtual time.
struct Scheduled: Sendable {
    enum Payload: Sendable {
        /// Delivered to the machine as is.
        case event(CallEvent)
        /// A mark echo, valid only if the phone has not cleared since (`clearGeneration`).
        case markEcho(name: String, clearGeneration: Int)
        /// The agent process emits its next output.
        case agentStep
        /// The caller starts turn `index` of the plan.
        case callerTurn(Int)
        /// A timer expiry that was cancelled (delivered anyway when the fault says so).
        case timer(TimerKind, generation: Int)
        /// A synthesis step of operation `id`.
        case synthesisStep(Int)
        /// A fault starts.
        case fault(Fault)
    }
    var time: Milliseconds
    var order: Int
    var channel: Channel
    var payload: Payload
}

/// Faults injected at a point in virtual time.
enum Fault: Sendable, Equatable {
    case callerHangsUp
    case agentDisconnects
    case transmitStalls
    case operatorHangsUp
}

/// A binary min-heap on (time, order): deterministic, no hashing.
struct EventQueue: Sendable {
    private var heap: [Scheduled] = []
    private var nextOrder = 0
    /// The time of the last input taken out.
    private var current: Milliseconds = 0
    /// Last delivery time per channel, to keep each channel in order.
    private var channelTail = Array(repeating: Milliseconds(0), count: Channel.allCases.count)

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// Schedules `payload` on `channel` at `time`, or after the channel's last input if that is later.
    mutating func schedule(_ payload: Scheduled.Payload, on channel: Channel, at time: Milliseconds, ordered: Bool = true) {
        var when = max(time, current)  // nothing happens in the past: an overdue deadline fires now
        if ordered {
            when = max(time, channelTail[channel.rawValue])
            channelTail[channel.rawValue] = when
        }
        push(Scheduled(time: when, order: nextOrder, channel: channel, payload: payload))
        nextOrder += 1
    }

    private mutating func push(_ item: Scheduled) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Scheduled? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        current = top.time
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    private func less(_ a: Scheduled, _ b: Scheduled) -> Bool {
        a.time != b.time ? a.time < b.time : a.order < b.order
    }
}
