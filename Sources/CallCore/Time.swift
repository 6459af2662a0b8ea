/// Milliseconds on the clock of whoever drives the machine (the runtime's monotonic clock, or the
/// simulator's virtual clock). The core never reads a clock: every input carries `now`.
public typealias Milliseconds = Int64

/// Milliseconds of μ-law 8 kHz audio in `byteCount` bytes (8 bytes per millisecond).
@inlinable
public func muLawMilliseconds(byteCount: Int) -> Milliseconds {
    Milliseconds(byteCount / 8)
}
