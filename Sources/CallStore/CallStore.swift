/// Durable storage of calls, their transcript and their timeline.
///
/// Two backends implement it: ``SQLiteCallStore`` (default) and ``PostgresCallStore``; build one from a
/// `SWITCHBOARD_DATABASE_URL` with ``makeCallStore(url:logger:)``. Every method is safe to call from any
/// task; each backend serializes its operations on one connection.
public protocol CallStore: Sendable {
    /// Creates or upgrades the schema (tracked in `schema_version`). Idempotent.
    func migrate() async throws

    /// Commits the whole batch in ONE transaction (group commit): all of it, or nothing and a thrown error.
    /// Writes apply in batch order. Repeating a batch is harmless (inserts are idempotent, updates absolute).
    func write(_ batch: [StoreWrite]) async throws

    /// Closes every call that was never finalized (left over by a crash or restart): sets `ended_at`
    /// (if unset) to `at`, `end_reason` (if unset) to `server_restart`, and `finalized_at` to `at`.
    /// Messages and timeline are kept. Returns the ids of the calls it closed, oldest first.
    /// Run it at startup, before any new call is accepted.
    func recoverAbandonedCalls(at: Int64) async throws -> [String]

    /// Calls newest first (by `startedAt`, then id), at most `limit`, strictly older than `before`.
    func listCalls(state: CallListState, limit: Int, before: CallCursor?) async throws -> CallPage

    /// One call with its messages and timeline ordered by sequence, or nil when unknown.
    func call(id: String) async throws -> CallDetail?

    /// Closes the connection. Later operations throw ``CallStoreError/closed``.
    func close() async throws
}

/// Which calls ``CallStore/listCalls(state:limit:before:)`` returns.
public enum CallListState: String, Sendable, Hashable, CaseIterable {
    /// Not ended yet.
    case open
    /// Has an end time.
    case ended
    case all
}

/// A stored call row.
public struct CallRecord: Sendable, Hashable, Codable {
    public var id: String
    public var carrier: Carrier
    public var carrierCallID: String
    public var agentKind: String
    public var from: String
    public var to: String
    public var startedAt: Int64
    public var answeredAt: Int64?
    public var endedAt: Int64?
    public var finalizedAt: Int64?
    public var endReason: String?
    public var hungUpBy: String?
    public var failedWrites: Int

    public init(
        id: String, carrier: Carrier, carrierCallID: String, agentKind: String, from: String, to: String,
        startedAt: Int64, answeredAt: Int64? = nil, endedAt: Int64? = nil, finalizedAt: Int64? = nil,
        endReason: String? = nil, hungUpBy: String? = nil, failedWrites: Int = 0
    ) {
        self.id = id
        self.carrier = carrier
        self.carrierCallID = carrierCallID
        self.agentKind = agentKind
        self.from = from
        self.to = to
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.finalizedAt = finalizedAt
        self.endReason = endReason
        self.hungUpBy = hungUpBy
        self.failedWrites = failedWrites
    }

    /// The cursor that pages past this call.
    public var cursor: CallCursor { CallCursor(startedAt: startedAt, id: id) }
}

/// A call with its transcript and timeline, both ordered by sequence.
public struct CallDetail: Sendable, Hashable, Codable {
    public var call: CallRecord
    public var messages: [MessageRecord]
    public var timeline: [TimelineRecord]

    public init(call: CallRecord, messages: [MessageRecord], timeline: [TimelineRecord]) {
        self.call = call
        self.messages = messages
        self.timeline = timeline
    }
}

/// One page of ``CallStore/listCalls(state:limit:before:)``.
public struct CallPage: Sendable, Hashable {
    public var calls: [CallRecord]
    /// Pass as `before` to get the next (older) page; nil when this page is the last.
    public var nextCursor: CallCursor?

    public init(calls: [CallRecord], nextCursor: CallCursor?) {
        self.calls = calls
        self.nextCursor = nextCursor
    }
}

/// Position in the newest-first call list. Its `description` (`<startedAt>_<id>`) round-trips through
/// ``init(_:)`` so it can travel in a URL query.
public struct CallCursor: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    public var startedAt: Int64
    public var id: String

    public init(startedAt: Int64, id: String) {
        self.startedAt = startedAt
        self.id = id
    }

    /// Parses `<startedAt>_<id>`; nil when malformed.
    public init?(_ description: String) {
        guard let sep = description.firstIndex(of: "_"),
              let startedAt = Int64(description[..<sep]) else { return nil }
        self.startedAt = startedAt
        self.id = String(description[description.index(after: sep)...])
    }

    public var description: String { "\(startedAt)_\(id)" }
}

/// Errors of the call store.
public enum CallStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database URL is not `sqlite:PATH`, `sqlite::memory:` or `postgres://user:pass@host:port/db`.
    case invalidURL(String)
    /// The store was closed.
    case closed
    /// A stored row does not decode (unknown enum value, missing column, wrong type).
    case corruptRow(String)
    /// The schema in the database is newer than this program knows.
    case schemaTooNew(found: Int, known: Int)
    /// An argument is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidURL(let why): "invalid database URL: \(why)"
        case .closed: "the call store is closed"
        case .corruptRow(let why): "corrupt row in call store: \(why)"
        case .schemaTooNew(let found, let known):
            "database schema version \(found) is newer than this program's \(known); upgrade Switchboard"
        case .invalidArgument(let why): "invalid argument: \(why)"
        }
    }
}
