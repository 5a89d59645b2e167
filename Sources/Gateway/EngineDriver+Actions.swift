import EngineCore
import Logging
import NIOCore
import WireCore

/// Carrying out one action the engine asked for: a datagram to its peer by the route it last used,
/// a timer, a log line. `perform` (EngineDriver.swift) decides when; these do it.
extension EngineDriver {
    /// Performs one action.
    func execute(_ action: Action, fromISAKMP: Bool) {
        switch action {
        case .send(let datagram, let peer):
            send(datagram, to: peer)
        case .scheduleTimer(let id, let deadline):
            if fromISAKMP { isakmpTimers.insert(id) } else { isakmpTimers.remove(id) }
            schedule(id, at: deadline)
        case .cancelTimer(let id):
            timers.removeValue(forKey: id)?.cancel()
        case .installSA(let installation):
            // The data plane (GroupSA) is not built yet; the member reads its holdings instead.
            logger.info("SA installed", metadata: ["code": "GW-SA-INSTALL", "sa": "\(installation.reference)",
                                                   "direction": "\(installation.direction.rawValue)"])
        case .removeSA(let reference):
            logger.info("SA removed", metadata: ["code": "GW-SA-REMOVE", "sa": "\(reference)"])
        case .persist(let record):
            // Only reached without a committer (perform hands records to it).
            logger.debug("state change not persisted (no state file)", metadata: ["code": "GW-PERSIST", "record": "\(record)"])
        case .log(let event):
            if event.level == .warning || event.level == .error { warningsByCode[event.code, default: 0] += 1 }
            switch event.code {
            case "GCKS-REKEY-SENT": rekeysSent += 1
            case "GDOI-PULL-REGISTERED": gdoiRegistrations += 1
            default: break
            }
            // LogEvent never carries key material (EngineCore.Action).
            logger.log(level: event.level.swiftLogLevel, "\(event.message)", metadata: ["code": "\(event.code)"])
        }
    }

    func send(_ datagram: [UInt8], to peer: EndpointAddress) {
        if let sendInterceptor, sendInterceptor(datagram, peer) { return }
        guard let route = routes[peer] ?? defaultRoute else {
            logger.warning("no socket to reach peer", metadata: ["code": "GW-NO-ROUTE", "peer": "\(peer)"])
            return
        }
        switch route {
        case .datagram(let channel, let port, let marker):
            var buffer = channel.allocator.buffer(capacity: datagram.count + WireLimits.nonESPMarkerLength)
            // RFC 3948 §2.2: IKE on the NAT-T port always goes behind the marker, also when our GDOI
            // member floated to the key server's port 4500 (RFC 3947 §4).
            if marker || port == .natTraversal || (engineTakesISAKMP && peer.port == 4500) { buffer.writeInteger(UInt32(0)) }
            buffer.writeBytes(datagram)
            do {
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: try peer.socketAddress, data: buffer), promise: nil)
            } catch {
                logger.warning("cannot address peer", metadata: ["code": "GW-NO-ROUTE", "peer": "\(peer)"])
            }
        case .stream(let channel):
            // RFC 8229 §3: Length | non-ESP marker | IKE message.
            do {
                channel.writeAndFlush(try TCPEncapsulationEncoder.frame(ike: ByteBuffer(bytes: datagram)), promise: nil)
            } catch {
                logger.warning("message too long for a TCP frame", metadata: ["code": "GW-TCP-FRAME", "peer": "\(peer)"])
            }
        }
    }

    func schedule(_ id: TimerID, at deadline: EngineTime) {
        timers.removeValue(forKey: id)?.cancel()
        guard !stopped else { return }
        let delay = max(0, deadline.milliseconds(since: clock()))
        timers[id] = eventLoop.scheduleTask(in: .milliseconds(delay)) { [self] in fire(id) }
    }
}
