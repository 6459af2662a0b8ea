import Foundation
import WSClient

/// The single owner of one fake Telnyx call's mutable state: call state, the current media stream,
/// playback queue, timeline, violations, and the order of everything the phone sends (frames on the
/// socket, webhook jobs for the worker). Orders the carrier leaves open are drawn from a seeded PRNG.
actor FakeTelnyxCallCore {
    /// The media stream currently attached to the call.
    struct Stream {
        var id: String
        var request: FakeTelnyxStreamRequest
        /// Set once the socket is open; finishing it closes the socket.
        var out: AsyncStream<FakeOutboundFrame>.Continuation?
        var sequence = 0
        var chunk = 0
        var stopped = false
        var serverClosed = false
        /// Chunks sent after their successor (the shuffle).
        var swapChunks: Set<Int> = []
        var held: String?
        var lastMP3MediaAt: Int?
        /// Webhooks to enqueue once `start` was sent (they were drawn after "open the socket").
        var afterStart: [FakeTelnyxWebhookJob] = []
        var bidirectional: Bool { request.bidirectionalMode != nil }
    }

    let identity: FakeTelnyxCallIdentity
    let options: FakeTelnyxPhoneOptions
    let userId = FakeTelnyxIDs.upperUUID()
    private let started: ContinuousClock.Instant
    let registry: FakeTelnyxCallRegistry
    private let jobs: AsyncStream<FakeTelnyxWebhookJob>.Continuation
    var random: FakeTelnyxRandom

    private(set) var answered = false
    private(set) var ended = false
    private(set) var endReason: FakeCallEndReason?
    private(set) var transferEndsAt: Int?
    private(set) var clientState: String?
    private var pending: [FakeTelnyxCommandDelivery] = []
    private var hangupCause: String?
    private var hangupSource: String?

    var stream: Stream?
    private var streamIds: [String] = []
    private var lastStreamURL = ""
    private var lastCustomParameters: [String: String] = [:]

    var playback = FakePhonePlayback()
    private var events: [FakeCallEvent] = []
    private var violations: [FakeProtocolViolation] = []
    var echoedMarks: [String] = []
    var receivedBytes = 0
    var mediaFramesSent = 0
    var framesReceived = 0
    var framesDroppedAfterHangup = 0
    private var webhooks: [FakeTelnyxWebhookDelivery] = []
    private var commands: [FakeTelnyxCommandDelivery] = []

    init(
        identity: FakeTelnyxCallIdentity, options: FakeTelnyxPhoneOptions, started: ContinuousClock.Instant,
        registry: FakeTelnyxCallRegistry, jobs: AsyncStream<FakeTelnyxWebhookJob>.Continuation
    ) {
        self.identity = identity
        self.options = options
        self.started = started
        self.registry = registry
        self.jobs = jobs
        self.random = FakeTelnyxRandom(seed: options.seed)
    }

    /// Milliseconds since dial.
    nonisolated func offset() -> Int {
        let elapsed = ContinuousClock.now - started
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    func record(_ kind: FakeCallEvent.Kind) { events.append(FakeCallEvent(atMilliseconds: offset(), kind: kind)) }

    func record(_ kinds: [FakeCallEvent.Kind]) { for kind in kinds { record(kind) } }

    func violate(_ kind: FakeProtocolViolation.Kind, _ detail: String, _ message: String) {
        let at = offset()
        violations.append(FakeProtocolViolation(atMilliseconds: at, kind: kind, detail: detail, message: String(message.prefix(200))))
        events.append(FakeCallEvent(atMilliseconds: at, kind: .violation("\(kind.rawValue): \(detail)")))
    }

    // MARK: webhooks

    func enqueue(_ job: FakeTelnyxWebhookJob) { jobs.yield(job) }

    func recordDeliveries(_ deliveries: [FakeTelnyxWebhookDelivery]) {
        for delivery in deliveries {
            webhooks.append(delivery)
            let event = FakeCallEvent(
                atMilliseconds: delivery.atMilliseconds,
                kind: .webhookPosted(event: delivery.eventType, attempt: delivery.attempt, httpStatus: delivery.httpStatus))
            // Keep the timeline in time order: the delivery is recorded once its answer came back.
            let index = events.lastIndex { $0.atMilliseconds <= delivery.atMilliseconds }.map { $0 + 1 } ?? 0
            events.insert(event, at: index)
        }
    }

    private func streamingJob(_ event: String, url: String) -> FakeTelnyxWebhookJob {
        FakeTelnyxWebhookJob(eventType: event, payload: FakeTelnyxPayloads.streaming(identity, clientState: clientState, streamURL: url))
    }

    // MARK: commands from the Call Control API

    func deliver(_ delivery: FakeTelnyxCommandDelivery) { pending.append(delivery) }

    /// Applies the commands received since the last tick; returns the sockets to open.
    func applyCommands() async -> [FakeTelnyxSocketRequest] {
        var sockets: [FakeTelnyxSocketRequest] = []
        let deliveries = pending
        pending = []
        for delivery in deliveries {
            commands.append(delivery)
            record(
                .commandReceived(
                    action: delivery.action.rawValue, httpStatus: delivery.httpStatus, errorCode: delivery.errorCode,
                    duplicate: delivery.duplicate))
            if delivery.callerHungUpFirst {
                record(.callerHungUp)
                await end(.callerHungUp, cause: "normal_clearing", source: "caller", registryKnows: true)
                continue
            }
            guard let command = delivery.command, !ended else { continue }
            if let state = delivery.clientState { clientState = state }
            switch command {
            case .answer(let request):
                answered = true
                let answeredJob = FakeTelnyxWebhookJob(
                    eventType: FakeTelnyxEvent.callAnswered, payload: FakeTelnyxPayloads.answered(identity, clientState: clientState))
                if let request {
                    sockets += startStream(request, alsoBefore: [answeredJob])
                } else {
                    enqueue(answeredJob)
                }
            case .streamingStart(let request):
                sockets += startStream(request, alsoBefore: [])
            case .streamingStop:
                guard let current = stream, !current.stopped else { continue }
                record(.streamStoppedByREST)
                stopStream()
                enqueue(streamingJob(FakeTelnyxEvent.streamingStopped, url: current.request.streamURL))
            case .hangup:
                record(.hangupByREST)
                await end(.hangupByREST, cause: "normal_clearing", source: "callee", registryKnows: true)
            case .transfer(let to):
                record(.transferredTo(to))
                transferEndsAt = offset() + Int(options.transferredCallDuration.components.seconds * 1000)
                    + Int(options.transferredCallDuration.components.attoseconds / 1_000_000_000_000_000)
            }
        }
        return sockets
    }

    /// Attaches a new stream and draws the order of "open the socket", `streaming.started` and `others`.
    private func startStream(_ request: FakeTelnyxStreamRequest, alsoBefore others: [FakeTelnyxWebhookJob]) -> [FakeTelnyxSocketRequest] {
        enum Step { case job(FakeTelnyxWebhookJob), socket }
        let id = FakeTelnyxIDs.upperUUID()
        var next = Stream(id: id, request: request)
        var chunk = 3
        for _ in 0..<max(0, options.shuffledMediaFrames) {
            chunk += 2 + random.below(4)
            next.swapChunks.insert(chunk)
        }
        let steps = random.shuffled(others.map(Step.job) + [.job(streamingJob(FakeTelnyxEvent.streamingStarted, url: request.streamURL)), .socket])
        var socketSeen = false
        for step in steps {
            switch step {
            case .socket: socketSeen = true
            case .job(let job): if socketSeen { next.afterStart.append(job) } else { enqueue(job) }
            }
        }
        stream = next
        streamIds.append(id)
        lastStreamURL = request.streamURL
        lastCustomParameters = Dictionary(request.customParameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        return [FakeTelnyxSocketRequest(streamId: id, request: request)]
    }

    // MARK: ending

    /// Ends the call once: `call.hangup` and (with a stream) `streaming.stopped` in a drawn order, `stop`
    /// on the socket before or after them, then no more webhooks.
    func end(_ reason: FakeCallEndReason, cause: String, source: String, registryKnows: Bool = false) async {
        guard !ended else { return }
        ended = true
        endReason = reason
        hangupCause = cause
        hangupSource = source
        if !registryKnows { await registry.callEnded(callControlId: identity.callControlId) }
        var endJobs = [
            FakeTelnyxWebhookJob(
                eventType: FakeTelnyxEvent.callHangup,
                payload: FakeTelnyxPayloads.hangup(identity, clientState: clientState, cause: cause, source: source))
        ]
        if let current = stream, !current.stopped {
            endJobs.append(streamingJob(FakeTelnyxEvent.streamingStopped, url: current.request.streamURL))
        }
        endJobs = random.shuffled(endJobs)
        if stream?.stopped == false, !random.coin() {
            endJobs[endJobs.count - 1].stopStreamAfter = true
        } else {
            stopStream()
        }
        for job in endJobs { enqueue(job) }
        jobs.finish()
    }

    /// Records the end reason for a call that could not be placed at all (no further webhooks).
    func abandon() async {
        guard !ended else { return }
        ended = true
        endReason = endReason ?? .maxDuration
        await registry.callEnded(callControlId: identity.callControlId)
        stopStream()
        jobs.finish()
    }

    func result() -> FakeCallResult {
        FakeCallResult(
            callSid: identity.callControlId,
            streamSid: stream?.id ?? "",
            accountSid: identity.connectionId,
            streamURL: lastStreamURL,
            customParameters: lastCustomParameters,
            endReason: endReason ?? .maxDuration,
            events: events,
            violations: violations,
            botAudioMillisecondsPlayed: playback.playedMilliseconds,
            botAudioBytesReceived: receivedBytes,
            echoedMarks: echoedMarks,
            durationMilliseconds: offset(),
            telnyx: FakeTelnyxCallDetails(
                callControlId: identity.callControlId, callLegId: identity.callLegId, callSessionId: identity.callSessionId,
                connectionId: identity.connectionId, clientState: clientState, hangupCause: hangupCause,
                hangupSource: hangupSource, streamIds: streamIds, commands: commands, webhooks: webhooks,
                mediaFramesSent: mediaFramesSent, framesReceived: framesReceived,
                framesDroppedAfterHangup: framesDroppedAfterHangup)
        )
    }
}
