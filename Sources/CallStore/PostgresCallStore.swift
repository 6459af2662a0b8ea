import Logging
import PostgresNIO
import Synchronization

/// ``CallStore`` on PostgreSQL, over ONE connection that the store owns.
///
/// Why not `PostgresClient`: its pool only works while someone runs `client.run()`; a store that needs an
/// outside service to be usable is easy to misuse. The writer commits one batch at a time anyway, so
/// one connection (serialized, like SQLite) is enough. It is opened by ``connect(_:logger:)`` — so a bad
/// URL or an unreachable server fails at startup — and reopened transparently by the next operation if
/// it drops (the ``StoreWriter`` retries a failed batch). Transactions commit with the server's
/// `synchronous_commit` (on by default: COMMIT returns after the WAL is flushed).
public final class PostgresCallStore: CallStore {
    let core: SQLStoreCore<PostgresDriver>

    private init(core: SQLStoreCore<PostgresDriver>) {
        self.core = core
    }

    /// Connects (and, when `settings.schema` is set, creates that schema and puts it on the search path).
    /// Does not migrate; call ``migrate()`` (``makeCallStore(url:logger:)`` does).
    public static func connect(_ settings: PostgresSettings, logger: Logger) async throws -> PostgresCallStore {
        let driver = PostgresDriver(settings: settings, logger: logger)
        _ = try await driver.connection()
        return PostgresCallStore(core: SQLStoreCore(driver: driver, logger: logger))
    }

    public func migrate() async throws { try await core.migrate() }
    public func write(_ batch: [StoreWrite]) async throws { try await core.write(batch) }
    public func recoverAbandonedCalls(at: Int64) async throws -> [String] { try await core.recoverAbandonedCalls(at: at) }
    public func listCalls(state: CallListState, limit: Int, before: CallCursor?) async throws -> CallPage {
        try await core.listCalls(state: state, limit: limit, before: before)
    }
    public func call(id: String) async throws -> CallDetail? { try await core.call(id: id) }
    public func close() async throws { try await core.close() }
}

/// Runs statements on the store's single PostgreSQL connection, reconnecting when it has dropped.
/// Only ever called under the core's gate, so two reconnects never race.
final class PostgresDriver: SQLDriver {
    let settings: PostgresSettings
    let logger: Logger
    /// The live connection; `closed` once ``close()`` ran, after which nothing reconnects.
    private let current = Mutex<(connection: PostgresConnection?, closed: Bool)>((nil, false))
    private let nextID = Atomic<Int>(1)

    init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    var dialect: SQLDialect { .postgres }

    /// The open connection, or a new one.
    func connection() async throws -> PostgresConnection {
        let (existing, closed) = current.withLock { ($0.connection, $0.closed) }
        if closed { throw CallStoreError.closed }
        if let existing, !existing.isClosed { return existing }
        let configuration = try settings.connectionConfiguration()
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        do {
            if let schema = settings.schema {
                let quoted = PostgresSettings.quoteIdentifier(schema)
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(quoted)"), logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(quoted)"), logger: logger)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        let (old, closedMeanwhile) = current.withLock { slot in
            defer { if !slot.closed { slot.connection = connection } }
            return (slot.connection, slot.closed)
        }
        if let old { try? await old.close() }
        if closedMeanwhile {
            try? await connection.close()
            throw CallStoreError.closed
        }
        logger.debug("connected to PostgreSQL", metadata: ["host": "\(settings.host)", "database": "\(settings.database ?? "")"])
        return connection
    }

    func execute(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .text(let s): bindings.append(s)
            case .int(let i): bindings.append(i)
            case .bool(let b): bindings.append(b)
            case .null: bindings.appendNull()
            }
        }
        let connection = try await connection()
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var out: [SQLRow] = []
        for try await row in rows {
            var columns: [String: SQLValue] = [:]
            for cell in row {
                columns[cell.columnName] = try Self.value(of: cell)
            }
            out.append(SQLRow(columns: columns))
        }
        return out
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        if cell.bytes == nil { return .null }
        switch cell.dataType {
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        case .int8, .int4, .int2: return .int(try cell.decode(Int64.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        default:
            throw CallStoreError.corruptRow("column \(cell.columnName) has unexpected type \(cell.dataType)")
        }
    }

    /// Serializes concurrent migrations from several servers (held until the transaction ends).
    /// The key is "SWBDCALL" as a 64-bit integer.
    func lockForMigration() async throws {
        _ = try await execute("SELECT 1 AS locked FROM pg_advisory_xact_lock(6005341489075407948)", [])
    }

    func close() async throws {
        let connection = current.withLock { slot in
            defer { slot = (nil, true) }
            return slot.connection
        }
        try await connection?.close()
    }
}
