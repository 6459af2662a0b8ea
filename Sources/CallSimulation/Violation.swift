import CallCore

/// An invariant that did not hold, with where it broke.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    /// `S1`…`S9`, `L1`…`L3`.
    public var invariant: String
    public var message: String
    public var time: Milliseconds

    public var description: String { "\(invariant) at t=\(time)ms: \(message)" }
}
