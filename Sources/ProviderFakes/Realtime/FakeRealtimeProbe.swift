/// An optional observer of a ``FakeRealtimeServer``'s traffic, for measurements (the capacity benchmark
/// stamps and times audio with it). Called on the session's own tasks: keep it cheap. When
/// ``FakeRealtimeServer/Options/probe`` is nil nothing is called.
public protocol FakeRealtimeProbe: Sendable {
    /// A client text frame arrived on session `session` (before it is parsed).
    func received(_ text: String, session: Int)
    /// A server event is about to be written on session `session`; returns the text to write
    /// (the same text, or a replacement with the same meaning).
    func sending(_ text: String, session: Int) -> String
}
