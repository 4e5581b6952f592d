import Foundation
import FuzzSupport
import IBP
import IBPFormats

// Safetensors.parse on every input; inputs that parse are then loaded as a checkpoint (architecture
// metadata, shapes, Adam state, non-finite values). Any error thrown is fine, a crash or hang is not.
let scratch = ScratchFile(name: "input.ckpt")

runLibFuzzer { start, count in
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard (try? Safetensors.parse(Data(bytes))) != nil else { return 0 }
    scratch.write(bytes)
    if let checkpoint = try? Checkpoint.load(scratch.url) {
        _ = checkpoint.makeNetwork()
    }
    return 0
}
