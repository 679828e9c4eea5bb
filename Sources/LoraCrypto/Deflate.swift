import CZlib

/// Raw deflate (RFC 1951, no zlib or gzip header: 6 bytes less per message) through the
/// system zlib, for the content of long messages before they are sealed.
enum Deflate {
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // windowBits −15: raw deflate; memLevel 9 and level 9: the bytes on air cost far more
        // than the CPU here.
        guard deflateInit2_(&stream, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let capacity = Int(deflateBound(&stream, uLong(input.count))) + 16
        return run(&stream, input, capacity: capacity) { deflate(&$0, Z_FINISH) }
    }

    /// Inflates, refusing anything that would be longer than `expectedLength` (a small
    /// frame must not become a large allocation) or that does not end where the data ends.
    static func decompress(_ input: [UInt8], expectedLength: Int) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        guard let out = run(&stream, input, capacity: expectedLength + 1, { inflate(&$0, Z_FINISH) }),
              stream.avail_in == 0, out.count == expectedLength else { return nil }
        return out
    }

    /// One Z_FINISH call of `step` over all of `input` into a buffer of `capacity` bytes; the
    /// output when the stream ended, else nil.
    private static func run(_ stream: inout z_stream, _ input: [UInt8], capacity: Int, _ step: (inout z_stream) -> Int32) -> [UInt8]? {
        var input = input
        var output = [UInt8](repeating: 0, count: capacity)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress; stream.avail_in = uInt(inp.count)
                stream.next_out = out.baseAddress; stream.avail_out = uInt(out.count)
                return step(&stream)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
