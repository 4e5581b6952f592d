import Foundation
import IBPFormats

extension Checkpoint {
    /// The seed's model classes (its `models.py`), each recognised by its exact array signature (every name and
    /// shape): `vissmall`, the figure model (sigmoid); `SmallCNN` = this project's `small` (ReLU, strides 2, 1);
    /// `MediumCNN` = `medium` (ReLU, strides 1, 2, 1, 2). Chainer convolutions pad nothing by default, so all are
    /// VALID, as in Gowal et al. 2019, table 1. Two classes cannot share a signature, and any other set of arrays
    /// is refused: a Chainer `.npz` holds weights only, so its activations and strides cannot be told from it.
    public static let seedModels = ["vissmall", "small", "medium"]

    /// Reads the seed's Chainer `.npz` (arrays `l1/W` (out,in,kh,kw) or (out,in), `l1/b`, ..., `lo/W`, `lo/b`).
    /// - Parameter forced: `--architecture`: read the arrays as this model (their names and shapes must match
    ///   it exactly) instead of recognising one of `seedModels`.
    static func loadChainer(_ data: Data, path: String, architecture forced: Architecture?) throws -> Checkpoint {
        func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
        let arrays: [String: NDArray]
        do {
            arrays = try NPZ.parse(data, path: path)
        } catch let e as NPZError {
            if case .notAnArray(let entry) = e.problem {
                throw fail("not a checkpoint (a zip archive whose entry \(entry) is not a .npy array, as in a PyTorch "
                           + ".pt file); expected a .ckpt (safetensors) or a Chainer .npz")
            }
            throw e
        }
        let found = arrays.keys.sorted().map { (name: $0, shape: arrays[$0]!.shape) }
        let architecture: Architecture
        if let forced {
            let expected = try parameterShapes(forced, path: path)
            if let missing = expected.first(where: { arrays[$0.name] == nil }) {
                throw fail("missing array \(parameterLabel(missing.name, in: forced)) (--architecture \(forced.name) needs \(listing(expected)))")
            }
            let names = Set(expected.map(\.name))
            if let extra = found.first(where: { !names.contains($0.name) }) {
                throw fail("unexpected array \(extra.name) for --architecture \(forced.name) (it needs \(listing(expected)))")
            }
            if let wrong = expected.first(where: { arrays[$0.name]!.shape != $0.shape }) {
                throw fail("array \(parameterLabel(wrong.name, in: forced)) has shape \(arrays[wrong.name]!.shape), --architecture \(forced.name) "
                           + "needs \(wrong.shape)")
            }
            architecture = forced
        } else {
            architecture = try recogniseSeedModel(found, path: path)
        }
        try checkResources(architecture, path: path)
        let network = Network(architecture)
        let params: [(name: String, array: NDArray)] = network.parameters.map { ($0.name, arrays[$0.name]!) }
        for (name, array) in params {
            if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
                throw fail("array \(parameterLabel(name, in: architecture)) holds a non-finite value (\(array.values[bad])) at \(array.describe(index: bad)); "
                           + "every weight must be a finite float32")
            }
        }
        var checkpoint = Checkpoint(network: network, settings: ["source": TypedPath.url(path).lastPathComponent])
        checkpoint.parameters = params
        return checkpoint
    }

    /// The seed model whose signature is exactly `found`, or an error that lists what was found, how the
    /// nearest seed model differs, and `--architecture`.
    private static func recogniseSeedModel(_ found: [(name: String, shape: [Int])], path: String) throws -> Architecture {
        var nearest: (name: String, differences: [String], score: Int)?
        for name in seedModels {
            let architecture = Architecture.named(name)!
            let expected = try parameterShapes(architecture, path: path)
            let byName = Dictionary(uniqueKeysWithValues: found.map { ($0.name, $0.shape) })
            var differences: [String] = []
            var score = 0
            for e in expected {
                switch byName[e.name] {
                case nil: differences.append("needs \(e.name) \(e.shape)")
                case let shape? where shape != e.shape: differences.append("has \(e.name) \(e.shape)")
                default: score += 1
                }
            }
            let names = Set(expected.map(\.name))
            for f in found where !names.contains(f.name) { differences.append("has no \(f.name)") }
            if differences.isEmpty { return architecture }
            if nearest == nil || score > nearest!.score { nearest = (name, differences, score) }
        }
        let hint = nearest.map { "; the nearest, \($0.name), " + $0.differences.prefix(4).joined(separator: ", ")
            + ($0.differences.count > 4 ? " (and \($0.differences.count - 4) more differences)" : "") } ?? ""
        throw CheckpointError(path: path, reason: "not one of the seed's models (\(seedModels.joined(separator: ", "))): "
                              + "found \(listing(found))\(hint); if you know the model, pass --architecture NAME "
                              + "(\(Architecture.names.joined(separator: ", "))) to read it as that model")
    }

    /// `l1/W [16, 1, 4, 4], l1/b [16], ...`, at most 12 entries.
    private static func listing(_ arrays: [(name: String, shape: [Int])]) -> String {
        let shown = arrays.prefix(12).map { "\($0.name) \($0.shape)" }.joined(separator: ", ")
        let rest = arrays.count - min(arrays.count, 12)
        return arrays.isEmpty ? "no arrays" : shown + (rest > 0 ? " and \(rest) more" : "")
    }
}
