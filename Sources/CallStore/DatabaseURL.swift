import Foundation
import Logging
import PostgresNIO

/// Opens the store named by a `SWITCHBOARD_DATABASE_URL` and applies pending migrations.
///
/// Accepted forms:
/// - `sqlite:PATH` (relative to the working directory) or `sqlite:///absolute/path`
/// - `sqlite::memory:` — private in-memory database
/// - `postgres://user:pass@host:port/db` (also `postgresql://`), optional query `sslmode=` (`disable`,
///   `prefer` (default), `require`, `verify-ca`, `verify-full`, as in libpq) and `schema=` (created if
///   missing and used as the search path).
public func makeCallStore(url: String, logger: Logger) async throws -> any CallStore {
    let store: any CallStore
    switch try DatabaseURL(url) {
    case .sqlite(let location):
        store = try await SQLiteCallStore.open(location, logger: logger)
    case .postgres(let settings):
        store = try await PostgresCallStore.connect(settings, logger: logger)
    }
    do {
        try await store.migrate()
    } catch {
        try? await store.close()
        throw error
    }
    return store
}

/// A parsed database URL.
public enum DatabaseURL: Sendable, Hashable {
    case sqlite(SQLiteCallStore.Location)
    case postgres(PostgresSettings)

    /// Parses; throws ``CallStoreError/invalidURL(_:)`` with the reason.
    public init(_ url: String) throws {
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path == ":memory:" {
                self = .sqlite(.memory)
                return
            }
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else {
                throw CallStoreError.invalidURL("sqlite URL needs a path: sqlite:PATH or sqlite::memory:")
            }
            self = .sqlite(.file(path: path))
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(try PostgresSettings(url: url))
        } else {
            throw CallStoreError.invalidURL(
                "expected sqlite:PATH, sqlite::memory: or postgres://user:pass@host:port/db, got \(Self.redacted(url))")
        }
    }

    /// The URL without its password, for error messages and logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "<unparseable URL>"
    }
}

/// Where and how to reach PostgreSQL.
public struct PostgresSettings: Sendable, Hashable {
    /// TLS use, with libpq's `sslmode` meanings.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS if the server offers it, certificate not verified.
        case prefer
        /// TLS required, certificate not verified.
        case require
        /// TLS required, certificate chain verified, host name not.
        case verifyCA = "verify-ca"
        /// TLS required, certificate chain and host name verified.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var tls: TLSMode
    /// When set, the schema is created if missing and becomes the connection's `search_path`.
    public var schema: String?

    public init(
        host: String, port: Int = 5432, username: String, password: String?, database: String?,
        tls: TLSMode = .prefer, schema: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.schema = schema
    }

    /// Parses `postgres://user:pass@host:port/db?sslmode=…&schema=…`.
    public init(url: String) throws {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw CallStoreError.invalidURL("not a postgres:// URL: \(DatabaseURL.redacted(url))")
        }
        guard let host = c.host, !host.isEmpty else {
            throw CallStoreError.invalidURL("postgres URL needs a host: \(DatabaseURL.redacted(url))")
        }
        guard let user = c.user, !user.isEmpty else {
            throw CallStoreError.invalidURL("postgres URL needs a user (postgres://user:pass@host/db)")
        }
        let port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw CallStoreError.invalidURL("port out of range: \(port)") }
        var database = c.path
        if database.hasPrefix("/") { database.removeFirst() }
        var tls = TLSMode.prefer
        var schema: String?
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw CallStoreError.invalidURL(
                        "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "schema":
                guard let value = item.value, !value.isEmpty else { throw CallStoreError.invalidURL("empty schema") }
                schema = value
            default:
                throw CallStoreError.invalidURL("unsupported postgres URL parameter \(item.name)")
            }
        }
        self.init(
            host: host, port: port, username: user, password: c.password,
            database: database.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }, tls: tls, schema: schema)
    }

    /// The postgres-nio connection configuration (builds the TLS context when needed).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .prefer, .require, .verifyCA, .verifyFull:
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.certificateVerification = switch tls {
            case .verifyFull: .fullVerification
            case .verifyCA: .noHostnameVerification
            default: .none
            }
            let context = try NIOSSLContext(configuration: tlsConfiguration)
            tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// `"name"` with embedded quotes doubled, safe to splice into SQL as an identifier.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
