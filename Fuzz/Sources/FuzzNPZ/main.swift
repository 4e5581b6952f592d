import Foundation
import FuzzSupport
import IBP
import IBPFormats

// NPZ.parse (zip, zip64, deflate, .npy headers) on every input; archives that parse are then loaded as
// the seed's Chainer checkpoint (one of its three models, by exact array signature). Any error thrown is fine, a crash or hang is not.
let scratch = ScratchFile(name: "input.npz")

runLibFuzzer { start, count in
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard (try? NPZ.parse(Data(bytes))) != nil else { return 0 }
    scratch.write(bytes)
    if let checkpoint = try? Checkpoint.load(scratch.url) {
        _ = checkpoint.makeNetwork()
    }
    return 0
}
