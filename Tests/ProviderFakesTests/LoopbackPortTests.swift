import ProviderFakes
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `LoopbackPort.free()` gives ports outside the kernel's ephemeral range that a server can bind.
@Suite struct LoopbackPortTests {
    @Test func freePortsAreBelowTheEphemeralRangeAndBindable() throws {
        for _ in 0..<20 {
            let port = try LoopbackPort.free()
            #expect((20_000..<32_768).contains(port))
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(bound == 0, "port \(port) was reported free but does not bind")
        }
    }
}
