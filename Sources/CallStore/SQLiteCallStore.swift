import Logging
import SQLiteNIO

/// ``CallStore`` on SQLite (the default backend), one connection, WAL journal.
///
/// Durability: `journal_mode=WAL` with `synchronous=FULL`. A write is acknowledged only after COMMIT
/// returned, and with FULL the WAL is fsynced at every commit, so an acknowledged write survives a
/// process crash AND a power loss / OS crash. (NORMAL would survive only a process crash: its last
/// commits can roll back on power loss, which would break "acknowledged = persisted".) The cost is one
/// fsync per commit, which the ``StoreWriter``'s group commit amortizes over a whole batch.
public final class SQLiteCallStore: CallStore {
    let core: SQLStoreCore<SQLiteDriver>

    /// Where the database lives.
    public enum Location: Sendable, Hashable {
        /// A private in-memory database that disappears on close (tests, demos).
        case memory
        /// A database file (created when missing); a relative path is relative to the working directory.
        case file(path: String)
    }

    private init(core: SQLStoreCore<SQLiteDriver>) {
        self.core = core
    }

    /// Opens (creating if needed) the database and applies the connection settings. Does not migrate;
    /// call ``migrate()`` (``makeCallStore(url:logger:)`` does).
    public static func open(_ location: Location, logger: Logger) async throws -> SQLiteCallStore {
        let storage: SQLiteConnection.Storage = switch location {
        case .memory: .memory
        case .file(let path): .file(path: path)
        }
        let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        let driver = SQLiteDriver(connection: connection)
        do {
            if case .file = location {
                let mode = try await driver.execute("PRAGMA journal_mode=WAL", []).first?.columns.values.first
                if mode != .text("wal") {
                    logger.warning("SQLite did not switch to WAL journal", metadata: ["journal_mode": "\(String(describing: mode))"])
                }
            }
            _ = try await driver.execute("PRAGMA synchronous=FULL", [])
            // Bounded wait for a lock held by another process (replaces sqlite-nio's retry-forever handler).
            _ = try await driver.execute("PRAGMA busy_timeout=5000", [])
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteCallStore(core: SQLStoreCore(driver: driver, logger: logger))
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

/// Runs statements on one SQLite connection.
///
/// Uses sqlite-nio's EventLoopFuture API on purpose: its async API refuses to run in a cancelled task,
/// and ``StoreWriter`` must still commit what is queued while its cancelled `run()` drains.
struct SQLiteDriver: SQLDriver {
    let connection: SQLiteConnection
    var dialect: SQLDialect { .sqlite }

    func execute(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let data: [SQLiteData] = binds.map {
            switch $0 {
            case .text(let s): .text(s)
            case .int(let i): .integer(SQLiteInt64(i))
            case .bool(let b): .integer(b ? 1 : 0)
            case .null: .null
            }
        }
        let rows = try await connection.query(sql, data).get()
        return try rows.map { row in
            var columns: [String: SQLValue] = [:]
            for column in row.columns {
                switch column.data {
                case .integer(let i): columns[column.name] = .int(Int64(i))
                case .text(let s): columns[column.name] = .text(s)
                case .null: columns[column.name] = .null
                case .float, .blob:
                    throw CallStoreError.corruptRow("column \(column.name) has unexpected type: \(column.data)")
                }
            }
            return SQLRow(columns: columns)
        }
    }

    /// BEGIN IMMEDIATE already holds SQLite's single write lock.
    func lockForMigration() async throws {}

    func close() async throws {
        try await connection.close().get()
    }
}
