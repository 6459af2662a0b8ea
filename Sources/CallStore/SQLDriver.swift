/// A value bound to or read from a SQL statement, independent of the backend.
enum SQLValue: Sendable, Hashable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case null

    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.int) ?? .null }
}

/// A decoded result row: column name to value.
struct SQLRow: Sendable {
    var columns: [String: SQLValue]

    func string(_ name: String) throws -> String {
        guard case .text(let v)? = columns[name] else { throw Self.bad(name, "text", columns[name]) }
        return v
    }

    func optionalString(_ name: String) throws -> String? {
        switch columns[name] {
        case .null?: return nil
        case .text(let v)?: return v
        case let other: throw Self.bad(name, "text or null", other)
        }
    }

    func int(_ name: String) throws -> Int64 {
        guard case .int(let v)? = columns[name] else { throw Self.bad(name, "integer", columns[name]) }
        return v
    }

    func optionalInt(_ name: String) throws -> Int64? {
        switch columns[name] {
        case .null?: return nil
        case .int(let v)?: return v
        case let other: throw Self.bad(name, "integer or null", other)
        }
    }

    /// SQLite stores booleans as 0/1 integers; PostgreSQL as `boolean`.
    func bool(_ name: String) throws -> Bool {
        switch columns[name] {
        case .bool(let v)?: return v
        case .int(let v)?: return v != 0
        case let other: throw Self.bad(name, "boolean", other)
        }
    }

    func smallInt(_ name: String) throws -> Int {
        let v = try int(name)
        guard let i = Int(exactly: v) else { throw CallStoreError.corruptRow("column \(name) out of range: \(v)") }
        return i
    }

    private static func bad(_ name: String, _ expected: String, _ got: SQLValue?) -> CallStoreError {
        .corruptRow("column \(name): expected \(expected), got \(got.map { "\($0)" } ?? "no such column")")
    }
}

/// How placeholders and a few statements are spelled in a backend.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The placeholder for the 1-based parameter `index`.
    func placeholder(_ index: Int) -> String {
        switch self {
        case .sqlite: "?\(index)"
        case .postgres: "$\(index)"
        }
    }

    /// SQLite takes the write lock at BEGIN IMMEDIATE, so a transaction never fails half-way on a lock upgrade.
    var begin: String {
        switch self {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgres: "BEGIN"
        }
    }
}

/// One backend connection. Calls are serialized by the owner (``SQLStoreCore``), never concurrent.
protocol SQLDriver: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one statement and returns its rows (empty for statements without results).
    func execute(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// Runs once inside the migration transaction, before the schema version is read (e.g. take a lock).
    func lockForMigration() async throws
    func close() async throws
}

/// A statement with its binds, built once per dialect.
struct SQLStatement: Sendable {
    var sql: String
    var binds: [SQLValue]
}
