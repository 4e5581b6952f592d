/// What a figure knows about a stage before any bound is computed: its name, kind and shape (without the batch
/// axis). Figures are laid out from outlines alone, so their size is known, and checked, before any work.
public struct StageOutline: Equatable, Sendable {
    public var name: String
    public var kind: StageBounds.Kind
    public var shape: [Int]

    public init(name: String, kind: StageBounds.Kind, shape: [Int]) {
        self.name = name
        self.kind = kind
        self.shape = shape
    }

    /// Number of values in the stage.
    public var count: Int { shape.reduce(1, *) }
}

extension StageBounds {
    public var outline: StageOutline { StageOutline(name: name, kind: kind, shape: shape) }
}

extension Network {
    /// The stages `stageBounds` returns (`x`, `l1`, `a1`, ..., `y`), as outlines, without propagating anything.
    public func stageOutlines() -> [StageOutline] {
        var out = [StageOutline(name: "x", kind: .input, shape: architecture.inputShape)]
        for (layer, name) in zip(body, stageNames) {
            if let name { out.append(StageOutline(name: name, kind: stageKind(name), shape: layer.outputShape)) }
        }
        out.append(StageOutline(name: "y", kind: .logits, shape: [classes]))
        return out
    }
}
