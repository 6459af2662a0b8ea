import Foundation
import Testing

@testable import OpenAIRealtime

/// The flat scanner's transcript deltas equal the full decoder's.
@Suite struct FastTranscriptDeltaTests {
    @Test(arguments: [
        #"{"type":"response.output_audio_transcript.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"Sure, I can"}"#,
        #"{"type":"response.output_audio_transcript.delta","response_id":"r","item_id":"i","delta":"say \"hi\" \u00e9"}"#,
        #"{"type":"response.output_audio.delta","response_id":"r","item_id":"i","output_index":1,"content_index":2,"delta":"AAAA"}"#,
    ])
    func fastPathMatchesTheFullDecoder(json: String) throws {
        let full = try RealtimeServerEvent.decode(data: Data(json.utf8))
        #expect(try RealtimeServerEvent.decode(json) == full)
        var text = json
        if let fast = text.withUTF8({ FlatEventScanner.audioDelta($0) }) { #expect(fast == full) }
    }
}
