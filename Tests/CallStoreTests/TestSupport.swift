import Foundation
import Logging
import Testing
@testable import CallStore

/// The two backends every store test runs against.
enum Backend: String, CustomTestStringConvertible, Sendable, CaseIterable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static let postgresURLVariable = "SWITCHBOARD_TEST_POSTGRES_URL"
}

let testLogger: Logger = {
    var logger = Logger(label: "switchboard.store.test")
    logger.logLevel = .critical
    return logger
}()

/// Opens a fresh, migrated store on `backend` (a unique temp SQLite file, or a unique PostgreSQL
/// schema), runs `body`, then closes it and removes the database. The PostgreSQL case FAILS (never
/// skips) when `SWITCHBOARD_TEST_POSTGRES_URL` is not set.
func withFreshStore(
    _ backend: Backend, _ body: (any CallStore) async throws -> Void
) async throws {
    let unique = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    switch backend {
    case .sqlite:
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callstore-\(unique).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let store = try await makeCallStore(url: "sqlite:\(path)", logger: testLogger)
        try await run(body, on: store, cleanup: {})
    case .postgres:
        let base = try #require(
            ProcessInfo.processInfo.environment[Backend.postgresURLVariable],
            """
            \(Backend.postgresURLVariable) is not set, so the PostgreSQL cases cannot run. Start the test \
            server and export the URL: eval "$(scripts/ensure-postgres.sh | tail -1)" (or use the README test command).
            """)
        let schema = "test_\(unique)"
        let separator = base.contains("?") ? "&" : "?"
        let sslDefault = base.contains("sslmode=") ? "" : "&sslmode=disable"
        let dropSchema: () async throws -> Void = {
            // A separate connection: the test may have closed its store.
            var settings = try PostgresSettings(url: base)
            if !base.contains("sslmode=") { settings.tls = .disable }
            let admin = try await PostgresCallStore.connect(settings, logger: testLogger)
            do {
                _ = try await admin.core.driver.execute(
                    "DROP SCHEMA IF EXISTS \(PostgresSettings.quoteIdentifier(schema)) CASCADE", [])
            } catch {
                try? await admin.close()
                throw error
            }
            try await admin.close()
        }
        let store: any CallStore
        do {
            store = try await makeCallStore(url: "\(base)\(separator)schema=\(schema)\(sslDefault)", logger: testLogger)
        } catch {
            try? await dropSchema()
            throw error
        }
        try await run(body, on: store, cleanup: dropSchema)
    }
}

private func run(
    _ body: (any CallStore) async throws -> Void, on store: any CallStore, cleanup: () async throws -> Void
) async throws {
    do {
        try await body(store)
    } catch {
        try? await cleanup()
        try? await store.close()
        throw error
    }
    try await cleanup()
    try await store.close()
}

struct TimeoutError: Error, CustomStringConvertible {
    var seconds: Int
    var description: String { "timed out after \(seconds)s" }
}

/// Runs `body`, failing with ``TimeoutError`` if it takes longer than `seconds`, so no test hangs forever.
func withTimeout<T: Sendable>(
    seconds: Int = 30, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeoutError(seconds: seconds) }
        return value
    }
}

/// A started call with sensible defaults.
func started(_ id: String, at startedAt: Int64, carrier: Carrier = .twilio) -> StoreWrite {
    .started(CallStarted(
        callID: id, carrier: carrier, carrierCallID: "CA-\(id)", agentKind: "local",
        from: "+15551230000", to: "+15559870000", startedAt: startedAt))
}

func message(_ id: String, _ seq: Int, _ text: String = "hello", role: MessageRole = .caller, at: Int64 = 0) -> StoreWrite {
    .message(MessageRecord(callID: id, sequence: seq, role: role, text: text, at: at == 0 ? Int64(1000 + seq) : at))
}
