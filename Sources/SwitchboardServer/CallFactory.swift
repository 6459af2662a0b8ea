import CallCore
import CallRuntime
import Foundation
import Logging
import NIOPosix

/// Creates, registers and starts the session of a new call.
struct CallFactory: Sendable {
    let configuration: CallConfiguration
    let agent: any AgentConnector
    let store: any CallRecordSink
    let registry: CallRegistry
    let supervisor: CallSupervisor
    let agentKind: String
    let logger: Logger
    let observer: (any CallObserver)?

    enum Admission {
        case started(CallSession)
        /// Already known (a retried webhook): the existing session.
        case existing(CallSession)
        /// Ended recently: acknowledge and ignore.
        case ended
        /// Draining: reject.
        case draining
    }

    func admit(carrier: Carrier, carrierCallID: String, from: String, to: String, control: any CarrierControl, configure: (inout CallConfiguration) -> Void = { _ in }) -> Admission {
        if let existing = registry.session(carrierCallID: carrierCallID) { return .existing(existing) }
        if registry.recentlyEnded(carrierCallID: carrierCallID) { return .ended }
        if supervisor.isDraining { return .draining }
        var callConfiguration = configuration
        configure(&callConfiguration)
        let info = CallInfo(callID: UUID().uuidString.lowercased(), carrier: carrier, carrierCallID: carrierCallID, agentKind: agentKind, from: from, to: to)
        let session = CallSession(
            info: info, configuration: callConfiguration, agent: agent, carrier: control, store: store, logger: logger,
            observer: observer, timers: EventLoopCallTimers(group: MultiThreadedEventLoopGroup.singleton),
            epoch: Int64(Date().timeIntervalSince1970 * 1_000))
        guard registry.add(session, carrierCallID: carrierCallID) else {
            return registry.session(carrierCallID: carrierCallID).map(Admission.existing) ?? .ended
        }
        guard supervisor.start(session) else {
            registry.remove(carrierCallID: carrierCallID)
            return .draining
        }
        return .started(session)
    }
}
