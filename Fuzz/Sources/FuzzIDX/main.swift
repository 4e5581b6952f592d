import Foundation
import FuzzSupport
import IBPFormats

// Each input is read both as an IDX3 images file (any size) and as an IDX1 labels file, raw or gzip
// (the reader detects gzip by its magic bytes). Any error thrown is fine, a crash or hang is not.
let scratch = ScratchFile(name: "input-idx-ubyte")

runLibFuzzer { start, count in
    scratch.write(UnsafeRawBufferPointer(start: start, count: count))
    _ = try? IDX.readImages(scratch.url, size: nil, limit: 3)
    _ = try? IDX.readLabels(scratch.url)
    return 0
}
