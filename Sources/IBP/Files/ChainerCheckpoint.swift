import Foundation
import IBPFormats

extension Checkpoint {
    /// Reads the seed's Chainer `.npz` (arrays `l1/W` (out,in,kh,kw) or (out,in), `l1/b`, ..., `lo/W`, `lo/b`),
    /// inferring the architecture: conv layers for 4-D weights, linear for 2-D, sigmoid activations as in the
    /// seed's model, VALID padding, and the strides that make every layer's shape fit the next.
    static func loadChainer(_ url: URL) throws -> Checkpoint {
        let path = url.path
        let arrays = try NPZ.read(url)
        var layerNames: [String] = []
        var i = 1
        while arrays["l\(i)/W"] != nil { layerNames.append("l\(i)"); i += 1 }
        layerNames.append("lo")
        for name in layerNames {
            for suffix in ["W", "b"] where arrays["\(name)/\(suffix)"] == nil {
                throw CheckpointError(path: path, reason: "missing array \(name)/\(suffix)")
            }
        }
        let known = Set(layerNames.flatMap { ["\($0)/W", "\($0)/b"] })
        if let extra = arrays.keys.sorted().first(where: { !known.contains($0) }) {
            throw CheckpointError(path: path, reason: "unexpected array \(extra)")
        }
        let weights = layerNames.map { arrays["\($0)/W"]! }
        let convCount = weights.prefix { $0.shape.count == 4 }.count
        guard weights.dropFirst(convCount).allSatisfy({ $0.shape.count == 2 }) else {
            throw CheckpointError(path: path, reason: "expected 4-D conv weights followed by 2-D linear weights")
        }
        guard let architecture = inferArchitecture(weights: weights, convCount: convCount) else {
            throw CheckpointError(path: path, reason: "no stride choice makes the layer shapes fit a 1x28x28 input")
        }
        let network = Network(architecture)
        let params: [(name: String, array: NDArray)] = try network.parameters.map { p in
            guard let a = arrays[p.name], a.shape == p.value.shape else {
                throw CheckpointError(path: path, reason: "array \(p.name) does not have shape \(p.value.shape)")
            }
            if a.values.contains(where: { !$0.isFinite }) {
                throw CheckpointError(path: path, reason: "array \(p.name) holds a non-finite value")
            }
            return (p.name, a)
        }
        var checkpoint = Checkpoint(network: network, settings: ["source": url.lastPathComponent])
        checkpoint.parameters = params
        return checkpoint
    }

    private static func inferArchitecture(weights: [NDArray], convCount: Int) -> Architecture? {
        let sigmoid = Architecture.LayerSpec.activation(.sigmoid)
        func attempt(_ strides: [Int]) -> Architecture? {
            var shape = [1, 28, 28]
            var layers: [Architecture.LayerSpec] = []
            for (index, w) in weights.enumerated() {
                if index < convCount {
                    let (out, inC, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
                    guard inC == shape[0], kh == kw, kh <= shape[1] else { return nil }
                    let g = ConvGeometry(channels: inC, height: shape[1], width: shape[2], kernel: kh,
                                         stride: strides[index], same: false)
                    shape = [out, g.outHeight, g.outWidth]
                    layers += [.conv(channels: out, kernel: kh, stride: strides[index], same: false), sigmoid]
                } else {
                    if index == convCount { layers.append(.flatten) }
                    guard w.shape[1] == shape.reduce(1, *) else { return nil }
                    shape = [w.shape[0]]
                    layers += [.linear(units: w.shape[0])] + (index == weights.count - 1 ? [] : [sigmoid])
                }
            }
            guard shape == [10] || shape.count == 1 else { return nil }
            let candidate = Architecture(name: "chainer", layers: layers)
            let vissmall = Architecture.named("vissmall")!
            return candidate.layers == vissmall.layers ? vissmall : candidate
        }
        var strides = [Int](repeating: 1, count: convCount)
        // Try every stride in 1...4 per conv layer (at most 4^convCount shapes to check).
        while true {
            if let found = attempt(strides) { return found }
            var k = 0
            while k < convCount && strides[k] == 4 { strides[k] = 1; k += 1 }
            if k == convCount { return nil }
            strides[k] += 1
        }
    }
}
