import Foundation

/// A Twilio Call resource as the fake REST API returns it.
public struct FakeCallResource: Sendable, Equatable {
    /// `CA…`
    public var sid: String
    /// `AC…`
    public var accountSid: String
    /// `in-progress` or `completed`.
    public var status: String
    /// Caller number.
    public var from: String
    /// Called number.
    public var to: String
    /// When the call was answered.
    public var startTime: Date
    /// When it ended, if it has.
    public var endTime: Date?

    /// The snake_case JSON body Twilio sends for a Call resource.
    public func json() -> String {
        let duration = endTime.map { String(max(0, Int($0.timeIntervalSince(startTime).rounded()))) }
        let uri = "/2010-04-01/Accounts/\(accountSid)/Calls/\(sid).json"
        let object: [String: Any] = [
            "sid": sid,
            "account_sid": accountSid,
            "api_version": "2010-04-01",
            "status": status,
            "direction": "inbound",
            "from": from,
            "from_formatted": from,
            "to": to,
            "to_formatted": to,
            "start_time": FakeTwilioDates.rfc2822(startTime),
            "end_time": endTime.map(FakeTwilioDates.rfc2822) ?? NSNull(),
            "duration": duration ?? NSNull(),
            "date_created": FakeTwilioDates.rfc2822(startTime),
            "date_updated": FakeTwilioDates.rfc2822(endTime ?? startTime),
            "parent_call_sid": NSNull(),
            "phone_number_sid": NSNull(),
            "price": NSNull(),
            "price_unit": "USD",
            "answered_by": NSNull(),
            "caller_name": NSNull(),
            "forwarded_from": NSNull(),
            "group_sid": NSNull(),
            "queue_time": "0",
            "trunk_sid": NSNull(),
            "uri": uri,
            "subresource_uris": [
                "notifications": uri.replacingOccurrences(of: ".json", with: "/Notifications.json"),
                "recordings": uri.replacingOccurrences(of: ".json", with: "/Recordings.json"),
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Twilio's date format (RFC 2822, GMT).
enum FakeTwilioDates {
    static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}

/// The live calls shared by fake phones and the fake REST API, so REST commands reach the phone.
public actor FakeTwilioCallRegistry {
    private struct Entry {
        var resource: FakeCallResource
        var streamLive: Bool
        var commands: AsyncStream<FakeTwilioRemoteCommand>.Continuation
    }

    private var calls: [String: Entry] = [:]

    public init() {}

    /// Adds a live call; the returned stream carries the REST commands for it.
    func register(callSid: String, accountSid: String, from: String, to: String) -> AsyncStream<FakeTwilioRemoteCommand> {
        let (stream, continuation) = AsyncStream.makeStream(of: FakeTwilioRemoteCommand.self, bufferingPolicy: .unbounded)
        let resource = FakeCallResource(
            sid: callSid, accountSid: accountSid, status: "in-progress", from: from, to: to, startTime: Date(), endTime: nil)
        calls[callSid]?.commands.finish()
        calls[callSid] = Entry(resource: resource, streamLive: true, commands: continuation)
        return stream
    }

    /// The current resource of a call the registry knows (live or ended).
    public func resource(callSid: String) -> FakeCallResource? {
        calls[callSid]?.resource
    }

    /// Hangs up a live call: returns the completed resource, or nil if the call is unknown or already ended.
    func hangUp(callSid: String, accountSid: String) -> FakeCallResource? {
        guard var entry = calls[callSid], entry.resource.accountSid == accountSid, entry.resource.status == "in-progress" else {
            return nil
        }
        entry.resource.status = "completed"
        entry.resource.endTime = Date()
        if entry.streamLive { entry.commands.yield(.hangUp) }
        entry.streamLive = false
        entry.commands.finish()
        calls[callSid] = entry
        return entry.resource
    }

    /// Redirects a live call to new TwiML: the stream ends, the call stays in progress. Nil if not live.
    func transfer(callSid: String, accountSid: String, twiml: String) -> FakeCallResource? {
        guard var entry = calls[callSid], entry.resource.accountSid == accountSid, entry.resource.status == "in-progress" else {
            return nil
        }
        if entry.streamLive { entry.commands.yield(.transfer(twiml: twiml)) }
        entry.streamLive = false
        calls[callSid] = entry
        return entry.resource
    }

    /// The phone reports the call ended on its own (caller hang-up, socket closed, max duration).
    func callEnded(callSid: String) {
        guard var entry = calls[callSid] else { return }
        entry.streamLive = false
        if entry.resource.status == "in-progress" {
            entry.resource.status = "completed"
            entry.resource.endTime = Date()
        }
        entry.commands.finish()
        calls[callSid] = entry
    }

    /// The phone reports its stream ended after a transfer; the call stays in progress.
    func streamEnded(callSid: String) {
        guard var entry = calls[callSid] else { return }
        entry.streamLive = false
        entry.commands.finish()
        calls[callSid] = entry
    }
}
