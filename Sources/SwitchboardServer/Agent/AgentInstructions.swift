import CallCore

/// What we ask the agent to say when the machine requests a response. A `Say: "…"` phrase makes the
/// wording exact (the local agent speaks it verbatim; a real model follows it).
public struct AgentInstructions: Sendable {
    public var greeting = "Greet the caller briefly and ask how you can help."
    public var reprompt = #"The caller has been silent for a while. Say: "Are you still there?""#
    public var politeEnd = #"The call is ending now. Say: "It seems you are busy, so I will let you go. Thank you for calling. Goodbye!""#

    public init() {}

    public func text(for request: ResponseRequest) -> String {
        switch request {
        case .greeting: greeting
        case .reprompt: reprompt
        case .politeEnd: politeEnd
        }
    }
}
