/// Standard base64 for the few bytes of a stamp and whole frames, without Foundation on the hot path.
enum Base64Lite {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    /// Encodes with `=` padding.
    static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let v = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(alphabet[Int(v & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest > 0 {
            var v = UInt32(input[index]) << 16
            if rest == 2 { v |= UInt32(input[index + 1]) << 8 }
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return out
    }

    /// Decodes unpadded groups of 4 characters; nil on any other character.
    static func decode(_ chars: some Collection<UInt8>) -> [UInt8]? {
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var value: UInt32 = 0
        var filled = 0
        for char in chars {
            let digit = reverse[Int(char)]
            guard digit != 0xFF else { return nil }
            value = value << 6 | UInt32(digit)
            filled += 1
            if filled == 4 {
                out.append(UInt8(truncatingIfNeeded: value >> 16))
                out.append(UInt8(truncatingIfNeeded: value >> 8))
                out.append(UInt8(truncatingIfNeeded: value))
                value = 0
                filled = 0
            }
        }
        return out
    }
}
