#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ports for servers that must know their port before they listen (a public URL that names it).
public enum LoopbackPort {
    /// Below Linux's default ephemeral range (32768–60999), so no outgoing connection — of this test run
    /// or any other process — can be given the port between choosing it and binding it; a port chosen by
    /// binding port 0 comes from that very range and can be taken by the next `connect`.
    static let candidates = 20_000..<32_768

    /// A TCP port on 127.0.0.1 that nothing listens on: a random candidate that binds, released at once.
    public static func free() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: candidates)
            if try canBind(port) { return port }
        }
        throw LoopbackPortError(description: "no free port in \(candidates) after 200 tries")
    }

    static func canBind(_ port: Int) throws -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw LoopbackPortError(description: "socket() failed (errno \(errno))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// No port could be found or probed.
public struct LoopbackPortError: Error, CustomStringConvertible {
    public let description: String
}
