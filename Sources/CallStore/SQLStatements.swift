/// Builds the statements of a write batch and the read queries, for one dialect.
///
/// A batch is applied grouped by kind — call inserts, then updates, messages, timeline, finalizations —
/// each group in batch order. That has the same effect as strict batch order (inserts are independent
/// rows; updates of a call commute except with each other, and keep their order), and lets rows of a
/// kind go in multi-row INSERTs: a few statements per group commit instead of one per write.
struct SQLStatements: Sendable {
    let dialect: SQLDialect
    /// Rows per multi-row INSERT; 500 × 7 binds stays far below SQLite's 32,766 and PostgreSQL's 65,535.
    static let rowsPerInsert = 500

    static let callColumns = """
        id, carrier, carrier_call_id, agent_kind, from_number, to_number, started_at, answered_at, \
        ended_at, finalized_at, end_reason, hung_up_by, failed_writes
        """

    func statements(for batch: [StoreWrite]) -> [SQLStatement] {
        var started: [CallStarted] = []
        var updates: [CallUpdate] = []
        var messages: [MessageRecord] = []
        var timeline: [TimelineRecord] = []
        var finalized: [CallFinalized] = []
        for write in batch {
            switch write {
            case .started(let r): started.append(r)
            case .update(let r): updates.append(r)
            case .message(let r): messages.append(r)
            case .timeline(let r): timeline.append(r)
            case .finalized(let r): finalized.append(r)
            }
        }
        var out: [SQLStatement] = []
        for chunk in started.chunked(Self.rowsPerInsert) {
            out.append(insert(
                table: "calls",
                columns: ["id", "carrier", "carrier_call_id", "agent_kind", "from_number", "to_number", "started_at"],
                conflict: "(id)",
                rows: chunk.map { [.text($0.callID), .text($0.carrier.rawValue), .text($0.carrierCallID),
                                   .text($0.agentKind), .text($0.from), .text($0.to), .int($0.startedAt)] }))
        }
        for u in updates {
            out.append(SQLStatement(
                sql: """
                    UPDATE calls SET answered_at = COALESCE(\(p(2)), answered_at), \
                    ended_at = COALESCE(\(p(3)), ended_at), end_reason = COALESCE(\(p(4)), end_reason), \
                    hung_up_by = COALESCE(\(p(5)), hung_up_by) WHERE id = \(p(1))
                    """,
                binds: [.text(u.callID), SQLValue(u.answeredAt), SQLValue(u.endedAt), SQLValue(u.endReason),
                        SQLValue(u.hungUpBy)]))
        }
        for chunk in messages.chunked(Self.rowsPerInsert) {
            out.append(insert(
                table: "messages",
                columns: ["call_id", "seq", "role", "text", "interrupted", "heard_text", "at"],
                conflict: "(call_id, seq)",
                rows: chunk.map { [.text($0.callID), .int(Int64($0.sequence)), .text($0.role.rawValue), .text($0.text),
                                   .bool($0.interrupted), SQLValue($0.heardText), .int($0.at)] }))
        }
        for chunk in timeline.chunked(Self.rowsPerInsert) {
            out.append(insert(
                table: "timeline",
                columns: ["call_id", "seq", "at", "kind", "detail"],
                conflict: "(call_id, seq)",
                rows: chunk.map { [.text($0.callID), .int(Int64($0.sequence)), .int($0.at), .text($0.kind),
                                   .text($0.detail)] }))
        }
        for f in finalized {
            out.append(SQLStatement(
                sql: """
                    UPDATE calls SET finalized_at = COALESCE(finalized_at, \(p(2))), failed_writes = \(p(3)) \
                    WHERE id = \(p(1))
                    """,
                binds: [.text(f.callID), .int(f.at), .int(Int64(f.failedWrites))]))
        }
        return out
    }

    private func insert(table: String, columns: [String], conflict: String, rows: [[SQLValue]]) -> SQLStatement {
        var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var binds: [SQLValue] = []
        binds.reserveCapacity(rows.count * columns.count)
        for (r, row) in rows.enumerated() {
            if r > 0 { sql += ", " }
            sql += "("
            for (c, value) in row.enumerated() {
                if c > 0 { sql += ", " }
                binds.append(value)
                sql += p(binds.count)
            }
            sql += ")"
        }
        sql += " ON CONFLICT \(conflict) DO NOTHING"
        return SQLStatement(sql: sql, binds: binds)
    }

    func listCalls(state: CallListState, limit: Int, before: CallCursor?) -> SQLStatement {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        switch state {
        case .open: conditions.append("ended_at IS NULL")
        case .ended: conditions.append("ended_at IS NOT NULL")
        case .all: break
        }
        if let before {
            binds.append(.int(before.startedAt))
            binds.append(.text(before.id))
            conditions.append("(started_at < \(p(1)) OR (started_at = \(p(1)) AND id < \(p(2))))")
        }
        binds.append(.int(Int64(limit)))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") + " "
        return SQLStatement(
            sql: "SELECT \(Self.callColumns) FROM calls \(whereClause)ORDER BY started_at DESC, id DESC LIMIT \(p(binds.count))",
            binds: binds)
    }

    func callByID(_ id: String) -> SQLStatement {
        SQLStatement(sql: "SELECT \(Self.callColumns) FROM calls WHERE id = \(p(1))", binds: [.text(id)])
    }

    func messages(of id: String) -> SQLStatement {
        SQLStatement(
            sql: "SELECT call_id, seq, role, text, interrupted, heard_text, at FROM messages WHERE call_id = \(p(1)) ORDER BY seq",
            binds: [.text(id)])
    }

    func timeline(of id: String) -> SQLStatement {
        SQLStatement(
            sql: "SELECT call_id, seq, at, kind, detail FROM timeline WHERE call_id = \(p(1)) ORDER BY seq",
            binds: [.text(id)])
    }

    func recover(at: Int64) -> SQLStatement {
        SQLStatement(
            sql: """
                UPDATE calls SET ended_at = COALESCE(ended_at, \(p(1))), \
                end_reason = COALESCE(end_reason, 'server_restart'), finalized_at = \(p(1)) \
                WHERE finalized_at IS NULL RETURNING id, started_at
                """,
            binds: [.int(at)])
    }

    private func p(_ index: Int) -> String { dialect.placeholder(index) }
}

extension SQLRow {
    func callRecord() throws -> CallRecord {
        let carrierName = try string("carrier")
        guard let carrier = Carrier(rawValue: carrierName) else {
            throw CallStoreError.corruptRow("unknown carrier \(carrierName)")
        }
        return CallRecord(
            id: try string("id"), carrier: carrier, carrierCallID: try string("carrier_call_id"),
            agentKind: try string("agent_kind"), from: try string("from_number"), to: try string("to_number"),
            startedAt: try int("started_at"), answeredAt: try optionalInt("answered_at"),
            endedAt: try optionalInt("ended_at"), finalizedAt: try optionalInt("finalized_at"),
            endReason: try optionalString("end_reason"), hungUpBy: try optionalString("hung_up_by"),
            failedWrites: try smallInt("failed_writes"))
    }

    func messageRecord() throws -> MessageRecord {
        let roleName = try string("role")
        guard let role = MessageRole(rawValue: roleName) else {
            throw CallStoreError.corruptRow("unknown message role \(roleName)")
        }
        return MessageRecord(
            callID: try string("call_id"), sequence: try smallInt("seq"), role: role, text: try string("text"),
            interrupted: try bool("interrupted"), heardText: try optionalString("heard_text"), at: try int("at"))
    }

    func timelineRecord() throws -> TimelineRecord {
        TimelineRecord(
            callID: try string("call_id"), sequence: try smallInt("seq"), at: try int("at"),
            kind: try string("kind"), detail: try string("detail"))
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0 ..< Swift.min($0 + size, count)] }
    }
}
