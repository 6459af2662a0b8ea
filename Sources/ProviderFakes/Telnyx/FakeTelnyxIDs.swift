import Foundation

/// Telnyx-shaped identifiers.
public enum FakeTelnyxIDs {
    /// A `call_control_id`: `v3:` followed by URL-safe base64 (it contains `-` and `_`, so it must be
    /// percent-encoded in paths only where the client chooses to; the `:` stays legal in a path segment).
    public static func callControlId() -> String {
        var bytes = [UInt8](repeating: 0, count: 36)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "v3:" + base64
    }

    /// A lowercase UUID (`call_leg_id`, `call_session_id`, event ids).
    public static func uuid() -> String { UUID().uuidString.lowercased() }

    /// An uppercase UUID (`stream_id`, `user_id`, as in Telnyx's media frames).
    public static func upperUUID() -> String { UUID().uuidString }

    /// A Call Control App id (`connection_id`, 19 digits).
    public static func connectionId() -> String {
        var out = String(Int.random(in: 1...9))
        for _ in 0..<18 { out += String(Int.random(in: 0...9)) }
        return out
    }
}

/// Telnyx's `occurred_at`/`start_time` format: ISO 8601 UTC with microseconds (`2018-02-02T22:25:27.521992Z`).
public enum FakeTelnyxDates {
    /// `date` as Telnyx writes it.
    public static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let micros = min(999_999, Int(((seconds - whole) * 1_000_000).rounded(.down)))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: whole)) + "." + String(format: "%06d", micros) + "Z"
    }
}

/// A small seeded PRNG (SplitMix64) for the orders and shuffles a fake call chooses (and the bench
/// phones' masking keys).
public struct FakeTelnyxRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly chosen Bool.
    mutating func coin() -> Bool { next() & 1 == 1 }

    /// A value in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

    /// `items` in a seeded random order (Fisher–Yates).
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var items = items
        guard items.count > 1 else { return items }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(index, below(index + 1))
        }
        return items
    }
}
