/// The phone carrier a call came through.
public enum Carrier: String, Sendable, Hashable, Codable, CaseIterable {
    case twilio
    case telnyx
}

/// Who spoke a transcript message.
public enum MessageRole: String, Sendable, Hashable, Codable, CaseIterable {
    case caller
    case agent
    case system
}

/// A call began. Creates the call row; a repeated write of the same call id is ignored.
public struct CallStarted: Sendable, Hashable, Codable {
    /// Our call id.
    public var callID: String
    public var carrier: Carrier
    /// The carrier's id for the call (Twilio `CallSid`, Telnyx `call_control_id`).
    public var carrierCallID: String
    /// Which agent handles the call (`openai-realtime`, `pipeline`, `local`, ...).
    public var agentKind: String
    public var from: String
    public var to: String
    /// Unix milliseconds.
    public var startedAt: Int64

    public init(
        callID: String, carrier: Carrier, carrierCallID: String, agentKind: String,
        from: String, to: String, startedAt: Int64
    ) {
        self.callID = callID
        self.carrier = carrier
        self.carrierCallID = carrierCallID
        self.agentKind = agentKind
        self.from = from
        self.to = to
        self.startedAt = startedAt
    }
}

/// A change to a call row: only the non-nil fields are written; nil leaves the stored value as is.
public struct CallUpdate: Sendable, Hashable, Codable {
    public var callID: String
    /// Unix milliseconds.
    public var answeredAt: Int64?
    /// Unix milliseconds.
    public var endedAt: Int64?
    public var endReason: String?
    /// Who hung up (e.g. `caller`, `agent`, `system`).
    public var hungUpBy: String?

    public init(
        callID: String, answeredAt: Int64? = nil, endedAt: Int64? = nil,
        endReason: String? = nil, hungUpBy: String? = nil
    ) {
        self.callID = callID
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.hungUpBy = hungUpBy
    }
}

/// One transcript message. Unique on (`callID`, `sequence`): writing the same sequence again is a no-op.
public struct MessageRecord: Sendable, Hashable, Codable {
    public var callID: String
    /// Position of the message in its call, from 0; unique per call.
    public var sequence: Int
    public var role: MessageRole
    public var text: String
    /// True when the caller barged in before the message finished playing.
    public var interrupted: Bool
    /// The part of an interrupted message the caller actually heard, when known.
    public var heardText: String?
    /// Unix milliseconds.
    public var at: Int64

    public init(
        callID: String, sequence: Int, role: MessageRole, text: String,
        interrupted: Bool = false, heardText: String? = nil, at: Int64
    ) {
        self.callID = callID
        self.sequence = sequence
        self.role = role
        self.text = text
        self.interrupted = interrupted
        self.heardText = heardText
        self.at = at
    }
}

/// One lifecycle event of a call (e.g. `BOT_BYE_DETECTED`). Unique on (`callID`, `sequence`), idempotent.
public struct TimelineRecord: Sendable, Hashable, Codable {
    public var callID: String
    /// Position of the entry in its call's timeline; unique per call.
    public var sequence: Int
    /// Unix milliseconds.
    public var at: Int64
    public var kind: String
    public var detail: String

    public init(callID: String, sequence: Int, at: Int64, kind: String, detail: String) {
        self.callID = callID
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.detail = detail
    }
}

/// The call is finalized: every write of it was acknowledged (or reported failed, counted here).
public struct CallFinalized: Sendable, Hashable, Codable {
    public var callID: String
    /// Unix milliseconds.
    public var at: Int64
    /// How many of this call's writes the store reported as failed.
    public var failedWrites: Int

    public init(callID: String, at: Int64, failedWrites: Int) {
        self.callID = callID
        self.at = at
        self.failedWrites = failedWrites
    }
}

/// Any single write the store accepts; a batch of them is committed in one transaction.
public enum StoreWrite: Sendable, Hashable {
    case started(CallStarted)
    case update(CallUpdate)
    case message(MessageRecord)
    case timeline(TimelineRecord)
    case finalized(CallFinalized)

    /// The call this write belongs to.
    public var callID: String {
        switch self {
        case .started(let r): r.callID
        case .update(let r): r.callID
        case .message(let r): r.callID
        case .timeline(let r): r.callID
        case .finalized(let r): r.callID
        }
    }
}
