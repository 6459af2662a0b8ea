import Testing
@testable import CallStore

@Suite("CallStore on both backends")
struct CallStoreTests {
    @Test(arguments: Backend.allCases)
    func migrateIsIdempotent(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            // makeCallStore already migrated once.
            try await store.migrate()
            try await store.migrate()
            try await store.write([started("c1", at: 10)])
            try await store.migrate()
            #expect(try await store.call(id: "c1") != nil)
            #expect(try await schemaVersions(store) == Schema.migrations.map(\.version))
        }
    }

    @Test(arguments: Backend.allCases)
    func writesReadBackInSequenceOrder(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            try await store.write([
                started("call-a", at: 1_700_000_000_000, carrier: .telnyx),
                .update(CallUpdate(callID: "call-a", answeredAt: 1_700_000_000_500)),
                .timeline(TimelineRecord(callID: "call-a", sequence: 1, at: 1_700_000_000_600, kind: "BOT_BYE_DETECTED", detail: "")),
                .timeline(TimelineRecord(callID: "call-a", sequence: 0, at: 1_700_000_000_000, kind: "CALL_STARTED", detail: "from=+1555")),
            ])
            try await store.write([
                message("call-a", 2, "ביי ולהתראות", role: .agent),
                message("call-a", 0, "Hi, I need help"),
                .message(MessageRecord(
                    callID: "call-a", sequence: 1, role: .agent, text: "Sure, what is the order number?",
                    interrupted: true, heardText: "Sure, what", at: 1_700_000_000_700)),
            ])
            try await store.write([
                .update(CallUpdate(callID: "call-a", endedAt: 1_700_000_009_000, endReason: "completed", hungUpBy: "agent")),
                .finalized(CallFinalized(callID: "call-a", at: 1_700_000_009_100, failedWrites: 0)),
            ])
            let detail = try #require(try await store.call(id: "call-a"))
            #expect(detail.call == CallRecord(
                id: "call-a", carrier: .telnyx, carrierCallID: "CA-call-a", agentKind: "local",
                from: "+15551230000", to: "+15559870000", startedAt: 1_700_000_000_000,
                answeredAt: 1_700_000_000_500, endedAt: 1_700_000_009_000, finalizedAt: 1_700_000_009_100,
                endReason: "completed", hungUpBy: "agent", failedWrites: 0))
            #expect(detail.messages.map(\.sequence) == [0, 1, 2])
            #expect(detail.messages[0].text == "Hi, I need help")
            #expect(detail.messages[1].interrupted)
            #expect(detail.messages[1].heardText == "Sure, what")
            #expect(detail.messages[1].at == 1_700_000_000_700)
            #expect(detail.messages[2].text == "ביי ולהתראות")
            #expect(detail.messages[2].role == .agent)
            #expect(!detail.messages[2].interrupted && detail.messages[2].heardText == nil)
            #expect(detail.timeline.map(\.kind) == ["CALL_STARTED", "BOT_BYE_DETECTED"])
            #expect(detail.timeline[0].detail == "from=+1555")
            #expect(try await store.call(id: "nope") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func updateChangesOnlyNonNilFields(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            try await store.write([
                started("u", at: 5),
                .update(CallUpdate(callID: "u", answeredAt: 6)),
                .update(CallUpdate(callID: "u", endedAt: 9, endReason: "caller_hangup")),
                .update(CallUpdate(callID: "u", hungUpBy: "caller")),
            ])
            let call = try #require(try await store.call(id: "u")).call
            #expect(call.answeredAt == 6 && call.endedAt == 9 && call.endReason == "caller_hangup" && call.hungUpBy == "caller")
            #expect(call.finalizedAt == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func duplicateSequencesAreNotDuplicated(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            try await store.write([started("d", at: 1), message("d", 0, "first"), message("d", 0, "same batch")])
            try await store.write([message("d", 0, "retried"), message("d", 1, "second")])
            // A whole batch replayed (commit succeeded but the ack was lost) is harmless.
            let replay: [StoreWrite] = [
                started("d", at: 1), message("d", 1, "second"),
                .timeline(TimelineRecord(callID: "d", sequence: 0, at: 1, kind: "CALL_STARTED", detail: "")),
            ]
            try await store.write(replay)
            try await store.write(replay)
            let detail = try #require(try await store.call(id: "d"))
            #expect(detail.messages.map(\.text) == ["first", "second"])
            #expect(detail.timeline.count == 1)
            #expect(try await store.listCalls(state: .all, limit: 10, before: nil).calls.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func listFiltersAndPagesNewestFirst(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            // c3a and c3b share a start time: the id breaks the tie, and paging must not skip either.
            try await store.write([
                started("c1", at: 1000), started("c2", at: 2000), started("c3a", at: 3000),
                started("c3b", at: 3000), started("c5", at: 5000),
                .update(CallUpdate(callID: "c2", endedAt: 2500, endReason: "completed")),
                .update(CallUpdate(callID: "c3b", endedAt: 3500, endReason: "completed")),
            ])
            let all = try await store.listCalls(state: .all, limit: 100, before: nil)
            #expect(all.calls.map(\.id) == ["c5", "c3b", "c3a", "c2", "c1"])
            #expect(all.nextCursor == nil)
            #expect(try await store.listCalls(state: .open, limit: 100, before: nil).calls.map(\.id) == ["c5", "c3a", "c1"])
            #expect(try await store.listCalls(state: .ended, limit: 100, before: nil).calls.map(\.id) == ["c3b", "c2"])

            var pages: [[String]] = []
            var cursor: CallCursor?
            repeat {
                let page = try await store.listCalls(state: .all, limit: 2, before: cursor)
                pages.append(page.calls.map(\.id))
                // The cursor survives a trip through its string form (as in a URL query).
                cursor = try page.nextCursor.map { try #require(CallCursor($0.description)) }
            } while cursor != nil && pages.count < 10
            #expect(pages == [["c5", "c3b"], ["c3a", "c2"], ["c1"]])

            let openPage = try await store.listCalls(state: .open, limit: 1, before: CallCursor(startedAt: 3000, id: "c3b"))
            #expect(openPage.calls.map(\.id) == ["c3a"])
            #expect(openPage.nextCursor == CallCursor(startedAt: 3000, id: "c3a"))

            await #expect(throws: CallStoreError.self) {
                try await store.listCalls(state: .all, limit: 0, before: nil)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func recoveryClosesAbandonedCallsAndKeepsMessages(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            try await store.write([
                started("open", at: 100), message("open", 0, "are you there"), message("open", 1, "yes", role: .agent),
                started("ended", at: 200),
                .update(CallUpdate(callID: "ended", endedAt: 250, endReason: "completed", hungUpBy: "caller")),
                started("done", at: 300),
                .update(CallUpdate(callID: "done", endedAt: 350, endReason: "completed")),
                .finalized(CallFinalized(callID: "done", at: 360, failedWrites: 1)),
            ])
            let recovered = try await store.recoverAbandonedCalls(at: 9_000)
            #expect(recovered == ["open", "ended"])

            let open = try #require(try await store.call(id: "open"))
            #expect(open.call.endedAt == 9_000)
            #expect(open.call.endReason == "server_restart")
            #expect(open.call.finalizedAt == 9_000)
            #expect(open.messages.map(\.text) == ["are you there", "yes"])

            let ended = try #require(try await store.call(id: "ended")).call
            #expect(ended.endedAt == 250 && ended.endReason == "completed" && ended.finalizedAt == 9_000)

            let done = try #require(try await store.call(id: "done")).call
            #expect(done.finalizedAt == 360 && done.failedWrites == 1 && done.endReason == "completed")

            #expect(try await store.recoverAbandonedCalls(at: 10_000) == [])
            #expect(try await store.listCalls(state: .open, limit: 10, before: nil).calls.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func closedStoreRefusesOperations(_ backend: Backend) async throws {
        try await withFreshStore(backend) { store in
            try await store.close()
            try await store.close()  // idempotent
            await #expect(throws: CallStoreError.closed) { try await store.write([started("x", at: 1)]) }
            await #expect(throws: CallStoreError.closed) { try await store.call(id: "x") }
        }
    }
}

/// The versions recorded in `schema_version`, ascending.
func schemaVersions(_ store: any CallStore) async throws -> [Int] {
    let sql = "SELECT version FROM schema_version ORDER BY version"
    let rows: [SQLRow]
    if let s = store as? SQLiteCallStore {
        rows = try await s.core.driver.execute(sql, [])
    } else {
        let p = try #require(store as? PostgresCallStore)
        rows = try await p.core.driver.execute(sql, [])
    }
    return try rows.map { try $0.smallInt("version") }
}
