extension CallStateMachine {
    /// One chunk of agent audio: forwarded to the phone with a mark after it, or dropped when the call
    /// can no longer play it (S2), when its response was interrupted (barge-in), or when a later response
    /// already started playing (S7).
    mutating func audioDelta(responseID: String, itemID: String, audio: AudioPayload, into actions: inout [CallAction]) {
        guard canSendToPhone, audio.byteCount > 0 else { return }
        let index = ensureResponse(responseID)
        guard !responses[index].outputClosed, !responses[index].interrupted else { return }
        if outputResponseID != responseID {
            if let previous = outputResponseID, let previousIndex = responseIndex(previous) {
                responses[previousIndex].outputClosed = true
            }
            outputResponseID = responseID
        }
        sendAudio(audio, responseIndex: index, itemID: itemID, into: &actions)
    }

    mutating func sendAudio(_ audio: AudioPayload, responseIndex index: Int, itemID: String, into actions: inout [CallAction]) {
        let milliseconds = audio.milliseconds
        var itemEnd = milliseconds
        if let itemIndex = responses[index].items.firstIndex(where: { $0.itemID == itemID }) {
            responses[index].items[itemIndex].sentMilliseconds += milliseconds
            itemEnd = responses[index].items[itemIndex].sentMilliseconds
        } else {
            responses[index].items.append(ItemPlayback(itemID: itemID, sentMilliseconds: milliseconds))
        }
        responses[index].sentMilliseconds += milliseconds
        responses[index].finalMarkSequence = nil  // audio after a final mark makes it stale
        responses[index].playbackConfirmed = false
        sentMillisecondsTotal += milliseconds
        actions.append(.sendAudio(audio))
        let sequence = nextMarkSequence
        nextMarkSequence += 1
        pendingMarks.append(PendingMark(sequence: sequence, responseID: responses[index].id, itemID: itemID, itemEndMilliseconds: itemEnd, cumulativeMilliseconds: sentMillisecondsTotal, isFinal: false))
        actions.append(.sendMark(name: markName(sequence)))
    }

    /// When a response's audio is complete, send one more mark after it: its echo means the caller
    /// heard the whole response (principle 4).
    mutating func sendFinalMarkIfComplete(_ index: Int, sessionClosed: Bool = false, into actions: inout [CallAction]) {
        let response = responses[index]
        guard response.finalMarkSequence == nil, !response.playbackConfirmed, !response.interrupted else { return }
        let synthesisOpen = syntheses.contains { $0.responseID == response.id && $0.progress != .done }
        let complete = (response.audioDone || response.status != nil || sessionClosed) && !synthesisOpen
        guard complete else { return }
        guard canSendToPhone else { return }
        if !response.hasAudio && pendingMarks.isEmpty || response.hasAudio && response.playedMilliseconds >= response.sentMilliseconds {
            responses[index].playbackConfirmed = true  // nothing left to play
            return
        }
        let sequence = nextMarkSequence
        nextMarkSequence += 1
        responses[index].finalMarkSequence = sequence
        pendingMarks.append(PendingMark(sequence: sequence, responseID: response.id, itemID: nil, itemEndMilliseconds: 0, cumulativeMilliseconds: sentMillisecondsTotal, isFinal: true))
        actions.append(.sendMark(name: markName(sequence)))
    }

    /// A mark after everything sent so far; nil when nothing is queued at the phone.
    mutating func sendPlaybackMark(into actions: inout [CallAction]) -> Int? {
        guard canSendToPhone, !pendingMarks.isEmpty else { return nil }
        let sequence = nextMarkSequence
        nextMarkSequence += 1
        pendingMarks.append(PendingMark(sequence: sequence, responseID: nil, itemID: nil, itemEndMilliseconds: 0, cumulativeMilliseconds: sentMillisecondsTotal, isFinal: true))
        actions.append(.sendMark(name: markName(sequence)))
        return sequence
    }

    func markName(_ sequence: Int) -> String {
        "m\(markGeneration).\(sequence)"
    }

    /// Parses `m<generation>.<sequence>`.
    static func parseMark(_ name: String) -> (generation: Int, sequence: Int)? {
        guard name.hasPrefix("m"), let dot = name.firstIndex(of: ".") else { return nil }
        guard let generation = Int(name[name.index(after: name.startIndex)..<dot]),
            let sequence = Int(name[name.index(after: dot)...])
        else { return nil }
        return (generation, sequence)
    }

    /// The carrier echoed a mark: everything before it has played. Echoes of marks cleared by a
    /// barge-in (older generation) and unknown names are ignored.
    mutating func markPlayed(name: String, at now: Milliseconds, into actions: inout [CallAction]) {
        guard let (generation, sequence) = Self.parseMark(name), generation == markGeneration else { return }
        guard let last = pendingMarks.firstIndex(where: { $0.sequence == sequence }) else { return }
        for mark in pendingMarks[...last] {
            playedMillisecondsTotal = max(playedMillisecondsTotal, mark.cumulativeMilliseconds)
            guard let responseID = mark.responseID, let index = responseIndex(responseID) else { continue }
            if let itemID = mark.itemID, let itemIndex = responses[index].items.firstIndex(where: { $0.itemID == itemID }) {
                responses[index].items[itemIndex].playedMilliseconds = max(responses[index].items[itemIndex].playedMilliseconds, mark.itemEndMilliseconds)
                responses[index].playedMilliseconds = responses[index].items.reduce(0) { $0 + $1.playedMilliseconds }
            }
            let allAudioPlayed = responses[index].finalMarkSequence != nil && responses[index].playedMilliseconds >= responses[index].sentMilliseconds
            if mark.isFinal && responses[index].finalMarkSequence == mark.sequence || allAudioPlayed && !responses[index].playbackConfirmed {
                responses[index].playbackConfirmed = true
                settleIfKnown(index, at: now, into: &actions)
            }
        }
        pendingMarks.removeSubrange(...last)
        if pendingMarks.isEmpty {
            botFinishedAt = now
        }
    }

    /// Audio sent to the phone but not yet confirmed played.
    var unplayedMilliseconds: Milliseconds {
        max(0, sentMillisecondsTotal - playedMillisecondsTotal)
    }

    /// Whether the end's anchor mark was echoed.
    func playbackMarkConfirmed(_ sequence: Int?) -> Bool {
        guard let sequence else { return true }
        return !pendingMarks.contains { $0.sequence <= sequence }
    }
}
