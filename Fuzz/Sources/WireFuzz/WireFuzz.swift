import MeshtasticWire

/// One fuzz input: the first byte picks a chunk size, the rest is a byte stream from a
/// "radio". It goes through the frame decoder; every frame, and the raw input itself, is
/// decoded as FromRadio, ToRadio and AdminMessage. Whatever decodes must re-encode to bytes
/// that decode to the same value. A trap here is a bug found.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = input.first else { return 0 }
    let stream = Array(input.dropFirst())
    let chunk = Int(first % 64) + 1

    var decoder = FrameDecoder()
    var payloads: [[UInt8]] = [stream]
    var start = 0
    while start < stream.count {
        let end = min(start + chunk, stream.count)
        for event in decoder.feed(Array(stream[start..<end])) {
            switch event {
            case .frame(let f):
                if f.count > StreamFraming.maxPayload { fatalError("frame of \(f.count) bytes") }
                payloads.append(f)
            case .text(let t):
                if t.utf8.count > FrameDecoder.maxTextLine * 3 { fatalError("text line of \(t.utf8.count) bytes") }
            case .discarded:
                break
            }
        }
        start = end
    }
    _ = decoder.idle()
    if decoder.isInsideFrame { fatalError("still inside a frame after idle()") }

    for p in payloads {
        check(FromRadio.self, p)
        check(ToRadio.self, p)
        check(AdminMessage.self, p)
    }
    return 0
}

func check<M: ProtoMessage>(_: M.Type, _ bytes: [UInt8]) {
    guard let m = try? M(decoding: bytes) else { return }
    let again = m.encoded()
    guard let back = try? M(decoding: again) else { fatalError("\(M.self): our own encoding does not decode") }
    // Strings with invalid UTF-8 are repaired on decode, so compare the second round.
    if back.encoded() != again { fatalError("\(M.self): encoding is not stable") }
}
