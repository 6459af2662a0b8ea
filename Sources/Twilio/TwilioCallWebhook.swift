/// A Twilio call status (`CallStatus` form field).
public struct TwilioCallStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let queued = Self(rawValue: "queued")
    public static let initiated = Self(rawValue: "initiated")
    public static let ringing = Self(rawValue: "ringing")
    public static let inProgress = Self(rawValue: "in-progress")
    public static let completed = Self(rawValue: "completed")
    public static let busy = Self(rawValue: "busy")
    public static let noAnswer = Self(rawValue: "no-answer")
    public static let canceled = Self(rawValue: "canceled")
    public static let failed = Self(rawValue: "failed")

    /// True for statuses after which the call can no longer change (`completed`, `busy`, `no-answer`, `canceled`, `failed`).
    public var isFinal: Bool {
        [Self.completed, .busy, .noAnswer, .canceled, .failed].contains(self)
    }

    public var description: String { rawValue }
}

/// Why a webhook form lacks what we need.
public enum TwilioWebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingField(String)
    case invalidField(name: String, value: String)

    public var description: String {
        switch self {
        case .missingField(let name): "Twilio webhook lacks required field '\(name)'"
        case .invalidField(let name, let value): "Twilio webhook field '\(name)' is invalid: '\(value)'"
        }
    }
}

/// The fields we use from the voice webhook (`POST /twilio/voice`) and the call status callback
/// (`POST /twilio/status`). Other fields are ignored (but still count for the signature check).
public struct TwilioCallWebhook: Sendable, Equatable {
    public var callSid: String
    public var accountSid: String
    public var callStatus: TwilioCallStatus
    public var from: String?
    public var to: String?
    /// `inbound`, `outbound-api`, `outbound-dial`.
    public var direction: String?
    /// Status callbacks only: starts at 0; orders callbacks of one call.
    public var sequenceNumber: Int?

    public init(
        callSid: String, accountSid: String, callStatus: TwilioCallStatus,
        from: String? = nil, to: String? = nil, direction: String? = nil, sequenceNumber: Int? = nil
    ) {
        self.callSid = callSid
        self.accountSid = accountSid
        self.callStatus = callStatus
        self.from = from
        self.to = to
        self.direction = direction
        self.sequenceNumber = sequenceNumber
    }

    /// Reads the fields from a parsed form; `CallSid`, `AccountSid` and `CallStatus` are required.
    public init(form: FormBody) throws(TwilioWebhookError) {
        func required(_ name: String) throws(TwilioWebhookError) -> String {
            guard let value = form[name], !value.isEmpty else { throw .missingField(name) }
            return value
        }
        var sequenceNumber: Int?
        if let raw = form["SequenceNumber"] {
            guard let value = Int(raw), value >= 0 else { throw .invalidField(name: "SequenceNumber", value: raw) }
            sequenceNumber = value
        }
        self.init(
            callSid: try required("CallSid"),
            accountSid: try required("AccountSid"),
            callStatus: TwilioCallStatus(rawValue: try required("CallStatus")),
            from: form["From"],
            to: form["To"],
            direction: form["Direction"],
            sequenceNumber: sequenceNumber
        )
    }
}
