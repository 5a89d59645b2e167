import EngineCore
import Testing

@Suite("Message-ID windows (RFC 7296 §2.3)")
struct MessageIDWindowTests {
    @Test("With window size 1 the initiator waits for each response before the next request")
    func initiatorWindowOfOne() {
        var window = RequestWindow()
        let first = window.allocate(), blocked = window.allocate()
        #expect(first == 0)
        #expect(blocked == nil, "the window is full until 0 is answered")
        let stray = window.acceptResponse(messageID: 1), answered = window.acceptResponse(messageID: 0)
        let duplicate = window.acceptResponse(messageID: 0)
        #expect(!stray, "a response to a request never sent is ignored")
        #expect(answered)
        #expect(!duplicate, "a duplicate response is ignored")
        let next = window.allocate()
        #expect(next == 1)
    }

    @Test("A larger window allows that many outstanding requests")
    func initiatorLargerWindow() {
        var window = RequestWindow(firstMessageID: 5, size: 3)
        let ids = [window.allocate(), window.allocate(), window.allocate(), window.allocate()]
        #expect(ids == [5, 6, 7, nil])
        _ = window.acceptResponse(messageID: 6)
        let blocked = window.allocate()
        #expect(blocked == nil, "5 is still outstanding, so 8 would exceed the window")
        _ = window.acceptResponse(messageID: 5)
        let next = window.allocate()
        #expect(next == 8)
        window.setSize(0)
        #expect(window.size == 3, "SET_WINDOW_SIZE 0 is ignored")
    }

    @Test("Message IDs never wrap: the last one ends the SA")
    func initiatorExhaustion() {
        var window = RequestWindow(firstMessageID: UInt32.max - 1)
        let last = window.allocate()
        #expect(last == UInt32.max - 1)
        _ = window.acceptResponse(messageID: UInt32.max - 1)
        let none = window.allocate()
        #expect(none == nil)
    }

    @Test("The responder tells new requests, retransmissions and out-of-window IDs apart")
    func responderClassification() {
        var window = ResponderWindow(firstMessageID: 1)
        #expect(window.classify(0) == .retransmission)
        #expect(window.classify(1) == .new)
        #expect(window.classify(2) == .outsideWindow)
        window.markProcessed(1)
        #expect(window.classify(1) == .retransmission)
        #expect(window.classify(0) == .outsideWindow, "only the last answer is remembered with window 1")
        #expect(window.classify(2) == .new)
        #expect(window.classify(UInt32.max) == .outsideWindow)
    }
}

@Suite("Responder retransmit cache (RFC 7296 §2.1)")
struct ResponderRetransmitCacheTests {
    @Test("A retransmitted request gets the same bytes; a different request with the same ID gets nothing")
    func sameBytesForSameRequest() {
        var cache = ResponderRetransmitCache()
        cache.store(messageID: 1, request: [1, 2, 3], response: [[9, 9], [8]])
        #expect(cache.response(messageID: 1, request: [1, 2, 3]) == [[9, 9], [8]])
        #expect(cache.response(messageID: 1, request: [1, 2, 4]) == nil)
        #expect(cache.response(messageID: 2, request: [1, 2, 3]) == nil)
    }

    @Test("The cache keeps as many answers as the window, oldest out first")
    func capacity() {
        var cache = ResponderRetransmitCache(capacity: 2)
        for id: UInt32 in 0..<3 { cache.store(messageID: id, request: [UInt8(id)], response: [[UInt8(id)]]) }
        #expect(!cache.contains(messageID: 0))
        #expect(cache.contains(messageID: 1) && cache.contains(messageID: 2))
    }
}

@Suite("Retransmission schedule (RFC 7296 §2.1, §2.4)")
struct RetransmissionScheduleTests {
    @Test("Waits grow exponentially up to the cap")
    func backoff() {
        let schedule = RetransmissionSchedule(initialTimeoutMilliseconds: 500, backoffFactor: 1.8,
                                              maximumTimeoutMilliseconds: 3_000, maximumRetransmissions: 6)
        #expect((0..<6).map { schedule.timeout(afterAttempt: $0) } == [500, 900, 1_620, 2_916, 3_000, 3_000])
        #expect(RetransmissionSchedule.standard.timeout(afterAttempt: 100) == 16_000)
    }

    @Test("A pending request resends at each deadline, then gives up")
    func pendingRequest() {
        let schedule = RetransmissionSchedule(initialTimeoutMilliseconds: 100, backoffFactor: 2, maximumTimeoutMilliseconds: 1_000,
                                              maximumRetransmissions: 2)
        var request = PendingRequest(datagrams: [[1]], destination: .ipv4(127, 0, 0, 1, port: 848), sentAt: .zero, schedule: schedule)
        do { let outcome = request.tick(now: EngineTime(milliseconds: 99)); #expect(outcome == .wait) }
        do { let outcome = request.tick(now: EngineTime(milliseconds: 100)); #expect(outcome == .resend) }
        #expect(request.deadline == EngineTime(milliseconds: 300))
        do { let outcome = request.tick(now: EngineTime(milliseconds: 299)); #expect(outcome == .wait) }
        do { let outcome = request.tick(now: EngineTime(milliseconds: 300)); #expect(outcome == .resend) }
        #expect(request.deadline == EngineTime(milliseconds: 700))
        do { let outcome = request.tick(now: EngineTime(milliseconds: 700)); #expect(outcome == .gaveUp) }
    }

    @Test("Endpoint addresses print as people expect")
    func endpointDescription() {
        #expect(EndpointAddress.ipv4(192, 0, 2, 1, port: 848).description == "192.0.2.1:848")
        let v6 = EndpointAddress(addressOctets: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1], port: 4500)
        #expect(v6.description == "[2001:db8:0:0:0:0:0:1]:4500")
    }
}
