/// Just enough of the server's Media Streams messages for the load phone (they are built by our own
/// server, so a flat key search is exact): the event, a media payload's stamp and length, a mark's name.
enum BenchServerMessage: Equatable {
    case media(stamp: FrameStamp?, bytes: Int)
    case mark(String)
    case clear
    case other

    static let eventKey = Array(#""event":""#.utf8)
    static let payloadKey = Array(#""payload":""#.utf8)
    static let nameKey = Array(#""name":""#.utf8)

    static func parse(_ text: String) -> BenchServerMessage {
        var text = text
        return text.withUTF8 { bytes in
            guard let eventStart = find(eventKey, in: bytes, from: 0), let eventEnd = quote(in: bytes, from: eventStart) else { return .other }
            let event = bytes[eventStart..<eventEnd]
            if event.elementsEqual("media".utf8) {
                guard let start = find(payloadKey, in: bytes, from: eventEnd), let end = quote(in: bytes, from: start) else { return .other }
                let payload = bytes[start..<end]
                let length = payload.count
                var padding = 0
                if length >= 1 && payload[end - 1] == UInt8(ascii: "=") { padding += 1 }
                if length >= 2 && payload[end - 2] == UInt8(ascii: "=") { padding += 1 }
                return .media(stamp: FrameStamp(base64Prefix: payload), bytes: length / 4 * 3 - padding)
            }
            if event.elementsEqual("mark".utf8) {
                guard let start = find(nameKey, in: bytes, from: eventEnd), let end = quote(in: bytes, from: start) else { return .other }
                return .mark(String(decoding: bytes[start..<end], as: UTF8.self))
            }
            if event.elementsEqual("clear".utf8) { return .clear }
            return .other
        }
    }

    static func quote(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\"") { return index }
            index += 1
        }
        return nil
    }

    static func find(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard bytes.count >= key.count else { return nil }
        var index = start
        while index <= bytes.count - key.count {
            if bytes[index] == key[0] {
                var offset = 1
                while offset < key.count && bytes[index + offset] == key[offset] { offset += 1 }
                if offset == key.count { return index + key.count }
            }
            index += 1
        }
        return nil
    }
}
