import Foundation
import Logging
import Synchronization

/// The backend-independent implementation of ``CallStore`` over one ``SQLDriver`` connection.
/// Every operation holds a ``SerialGate``, so transactions on the single connection never interleave.
final class SQLStoreCore<Driver: SQLDriver>: Sendable {
    let driver: Driver
    let logger: Logger
    private let statements: SQLStatements
    private let gate = SerialGate()
    private let closedFlag = ClosedFlag()

    init(driver: Driver, logger: Logger) {
        self.driver = driver
        self.logger = logger
        self.statements = SQLStatements(dialect: driver.dialect)
    }

    func migrate() async throws {
        try await transaction {
            try await driver.lockForMigration()
            _ = try await driver.execute(Schema.createVersionTable, [])
            let rows = try await driver.execute("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version", [])
            let current = try rows.first.map { try $0.smallInt("v") } ?? 0
            if current > Schema.latestVersion {
                throw CallStoreError.schemaTooNew(found: current, known: Schema.latestVersion)
            }
            let p = driver.dialect.placeholder
            for migration in Schema.migrations where migration.version > current {
                for sql in migration.statements {
                    _ = try await driver.execute(sql, [])
                }
                _ = try await driver.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (\(p(1)), \(p(2)))",
                    [.int(Int64(migration.version)), .int(Self.nowMillis())])
                logger.info("call store schema migrated", metadata: ["version": "\(migration.version)"])
            }
        }
    }

    func write(_ batch: [StoreWrite]) async throws {
        guard !batch.isEmpty else { return }
        let planned = statements.statements(for: batch)
        try await transaction {
            for statement in planned {
                _ = try await driver.execute(statement.sql, statement.binds)
            }
        }
    }

    func recoverAbandonedCalls(at: Int64) async throws -> [String] {
        let statement = statements.recover(at: at)
        let rows = try await transaction { try await driver.execute(statement.sql, statement.binds) }
        let closed = try rows.map { (id: try $0.string("id"), startedAt: try $0.int("started_at")) }
            .sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
            .map(\.id)
        if !closed.isEmpty {
            logger.warning("closed calls abandoned by a previous run", metadata: [
                "count": "\(closed.count)", "end_reason": "server_restart",
            ])
        }
        return closed
    }

    func listCalls(state: CallListState, limit: Int, before: CallCursor?) async throws -> CallPage {
        guard (1...1000).contains(limit) else {
            throw CallStoreError.invalidArgument("limit must be 1...1000, got \(limit)")
        }
        // One row more than asked tells whether an older page exists.
        let statement = statements.listCalls(state: state, limit: limit + 1, before: before)
        let rows = try await locked { try await driver.execute(statement.sql, statement.binds) }
        var calls = try rows.map { try $0.callRecord() }
        var next: CallCursor?
        if calls.count > limit {
            calls.removeLast(calls.count - limit)
            next = calls.last?.cursor
        }
        return CallPage(calls: calls, nextCursor: next)
    }

    func call(id: String) async throws -> CallDetail? {
        let byID = statements.callByID(id), messages = statements.messages(of: id), timeline = statements.timeline(of: id)
        return try await locked { () -> CallDetail? in
            guard let row = try await driver.execute(byID.sql, byID.binds).first else { return nil }
            return CallDetail(
                call: try row.callRecord(),
                messages: try await driver.execute(messages.sql, messages.binds).map { try $0.messageRecord() },
                timeline: try await driver.execute(timeline.sql, timeline.binds).map { try $0.timelineRecord() })
        }
    }

    func close() async throws {
        try await gate.withGate {
            guard closedFlag.close() else { return }
            try await driver.close()
        }
    }

    /// Holds the gate and fails fast once closed.
    private func locked<T>(_ body: () async throws -> T) async throws -> T {
        try await gate.withGate {
            guard !closedFlag.isClosed else { throw CallStoreError.closed }
            return try await body()
        }
    }

    /// BEGIN … COMMIT around `body` while holding the gate; ROLLBACK when anything throws.
    private func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try await locked {
            _ = try await driver.execute(driver.dialect.begin, [])
            do {
                let value = try await body()
                _ = try await driver.execute("COMMIT", [])
                return value
            } catch {
                do {
                    _ = try await driver.execute("ROLLBACK", [])
                } catch let rollbackError {
                    logger.debug("rollback failed", metadata: ["error": "\(rollbackError)"])
                }
                throw error
            }
        }
    }

    /// Wall-clock Unix milliseconds, only for `schema_version.applied_at`.
    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// Set once when the store closes.
final class ClosedFlag: Sendable {
    private let closed = Mutex(false)

    var isClosed: Bool { closed.withLock { $0 } }

    /// Marks closed; false when it already was.
    func close() -> Bool {
        closed.withLock { c in
            defer { c = true }
            return !c
        }
    }
}
