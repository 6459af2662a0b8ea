import Testing
@testable import CallStore

@Suite("Database URLs")
struct DatabaseURLTests {
    @Test func sqliteForms() throws {
        #expect(try DatabaseURL("sqlite:switchboard.sqlite") == .sqlite(.file(path: "switchboard.sqlite")))
        #expect(try DatabaseURL("sqlite:///var/lib/sb.db") == .sqlite(.file(path: "/var/lib/sb.db")))
        #expect(try DatabaseURL("sqlite::memory:") == .sqlite(.memory))
    }

    @Test func postgresForm() throws {
        let url = try DatabaseURL("postgres://sb:p%40ss@db.example.com:6543/calls?sslmode=require")
        #expect(url == .postgres(PostgresSettings(
            host: "db.example.com", port: 6543, username: "sb", password: "p@ss", database: "calls", tls: .require)))
        let defaults = try PostgresSettings(url: "postgresql://sb@localhost/calls")
        #expect(defaults.port == 5432 && defaults.password == nil && defaults.tls == .prefer && defaults.schema == nil)
    }

    @Test(arguments: [
        "", "sqlite:", "mysql://u:p@h/db", "postgres://u:p@/db", "postgres://h/db",
        "postgres://u:p@h/db?sslmode=sometimes", "postgres://u:p@h/db?color=blue",
    ])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: CallStoreError.self) { try DatabaseURL(url) }
    }

    @Test func errorMessagesHideThePassword() {
        do {
            _ = try DatabaseURL("mysql://user:hunter2@h/db")
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func cursorRoundTrips() {
        let cursor = CallCursor(startedAt: 1_700_000_000_000, id: "call_with_underscores")
        #expect(CallCursor(cursor.description) == cursor)
        #expect(CallCursor("garbage") == nil)
        #expect(CallCursor("x_1") == nil)
    }
}
