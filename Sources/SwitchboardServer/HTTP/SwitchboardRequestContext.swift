import Hummingbird
import NIOCore

/// The request context of every HTTP route: Hummingbird's basic context plus the connection's channel.
struct SwitchboardRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The HTTP connection.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
