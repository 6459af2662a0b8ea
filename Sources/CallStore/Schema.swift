/// The schema, as an ordered list of migrations. Version N is applied once, in a transaction, and recorded
/// in `schema_version`. The DDL is written once for both SQLite and PostgreSQL (SQLite accepts the
/// `BIGINT`/`BOOLEAN` type names). Never edit a shipped migration; append a new one.
///
/// No foreign keys on `messages`/`timeline`: a group commit holds writes of many calls, and one write
/// misordered or orphaned must not fail the others' transaction. Rows are joined by `call_id` only.
enum Schema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE IF NOT EXISTS calls (
                id TEXT PRIMARY KEY,
                carrier TEXT NOT NULL CHECK (carrier IN ('twilio', 'telnyx')),
                carrier_call_id TEXT NOT NULL,
                agent_kind TEXT NOT NULL,
                from_number TEXT NOT NULL,
                to_number TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                answered_at BIGINT,
                ended_at BIGINT,
                finalized_at BIGINT,
                end_reason TEXT,
                hung_up_by TEXT,
                failed_writes BIGINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX IF NOT EXISTS calls_started_idx ON calls (started_at, id)",
            "CREATE INDEX IF NOT EXISTS calls_unfinalized_idx ON calls (finalized_at, started_at)",
            """
            CREATE TABLE IF NOT EXISTS messages (
                call_id TEXT NOT NULL,
                seq BIGINT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('caller', 'agent', 'system')),
                text TEXT NOT NULL,
                interrupted BOOLEAN NOT NULL,
                heard_text TEXT,
                at BIGINT NOT NULL,
                PRIMARY KEY (call_id, seq)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS timeline (
                call_id TEXT NOT NULL,
                seq BIGINT NOT NULL,
                at BIGINT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL,
                PRIMARY KEY (call_id, seq)
            )
            """,
        ]),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let createVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version BIGINT PRIMARY KEY,
            applied_at BIGINT NOT NULL
        )
        """
}
