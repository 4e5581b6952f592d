import IBPFormats

/// A way to bound every stage of a chain of layers, and the rows of a specification, over an input box.
/// A method is one type written once against `Primitive` (a `switch` the compiler checks), in one file:
/// `IntervalMethod` (IBP), `SoundIntervalMethod` (IBP rounded outwards), `CROWNMethod` (CROWN and CROWN-IBP).
public protocol BoundMethod {
    var name: BoundMethodName { get }
    /// Bounds over `box` of the input and of every layer's output (`ChainBounds.stages`), and of the rows C z + d
    /// of `specification` on the last layer's output z, when given.
    /// With `upperOnly` (verification), the method may skip what a verdict does not read: the specification's lower
    /// bounds (then -infinity) and stages no later bound depends on (then `stages` ends early).
    /// - Throws: `BoundMethodError` when the method cannot handle a layer of the chain.
    func bounds(_ layers: [Layer], box: InputBox, specification: Specification?, upperOnly: Bool) throws
        -> ChainBounds
}

extension BoundMethod {
    /// Every stage and both bounds of the specification's rows.
    public func bounds(_ layers: [Layer], box: InputBox, specification: Specification?) throws -> ChainBounds {
        try bounds(layers, box: box, specification: specification, upperOnly: false)
    }
}

/// The bound methods by their command-line names (`--bounds ibp,crown-ibp,crown`).
public enum BoundMethodName: String, CaseIterable, Codable, Sendable, NamedChoice {
    /// Interval bound propagation (Gowal et al., ICCV 2019, section 3).
    case ibp
    /// IBP with every bound rounded outwards, so a certificate is a proof about the real-arithmetic network.
    case soundIBP = "sound-ibp"
    /// IBP for every intermediate layer, one CROWN backward pass from the specification (Zhang et al., ICLR 2020).
    case crownIBP = "crown-ibp"
    /// Every pre-activation layer bounded by its own CROWN backward pass (Zhang et al., NeurIPS 2018).
    case crown

    public var method: any BoundMethod { method(stoppingWhen: nil) }

    /// The method, which throws `BoundMethodError.stopped` soon after `stop` returns true (checked between layers
    /// and row blocks by CROWN and CROWN-IBP, whose passes over a wide layer take seconds; IBP is one pass).
    public func method(stoppingWhen stop: (() -> Bool)?) -> any BoundMethod {
        switch self {
        case .ibp: return IntervalMethod()
        case .soundIBP: return SoundIntervalMethod()
        case .crownIBP: return CROWNMethod(intermediate: .ibp, stoppingWhen: stop)
        case .crown: return CROWNMethod(intermediate: .crown, stoppingWhen: stop)
        }
    }

    /// Whether the grid bisection of `CurveEvaluator` may assume that a sample certified at some eps is certified at
    /// every smaller eps. True for IBP only: interval arithmetic is inclusion-isotone (a box inside another maps to
    /// bounds inside the other's; Moore, Kearfott and Cloud, *Introduction to Interval Analysis*, SIAM 2009,
    /// ch. 5), and the eps-box grows with eps, so IBP's worst-case margins do not decrease. CROWN and CROWN-IBP pick
    /// their ReLU relaxations from the intermediate bounds (the lower slope 0 or 1 by |l| against u), so a larger
    /// box can give a different, occasionally tighter, relaxation; sound IBP is left out for want of a check.
    /// In floats even IBP is monotone only up to rounding (see `CurveEvaluator`).
    public var isInclusionMonotone: Bool { self == .ibp }

    /// Why this method cannot bound the chain `layers`, or nil when it can: CROWN and CROWN-IBP have no relaxation of
    /// max pooling (`Primitive.maxPool`), and CROWN refuses a chain whose backward passes would take more than
    /// `CROWNCost.limit` multiply-adds per sample. Known from the layers alone, so callers refuse before any work.
    public func refusal(_ layers: [Layer]) -> BoundMethodError? {
        switch self {
        case .ibp, .soundIBP:
            return nil
        case .crownIBP, .crown:
            if let index = layers.firstIndex(where: { if case .maxPool = $0.primitive { return true }; return false }) {
                return .unsupportedLayer(method: rawValue, layer: LayerName.of(index, "max pooling"))
            }
            guard self == .crown else { return nil }
            let work = workPerBox(layers)
            return work > CROWNCost.limit ? .tooCostly(method: rawValue, work: work, limit: CROWNCost.limit) : nil
        }
    }

    /// Why this method cannot bound `boxes` input boxes of `layers` in one command (`evaluate` over images x eps,
    /// `visualize curves` over images x grid), or nil when it can: `refusal(layers)`, or `commandRefusal` of
    /// `workPerBox(layers)` x `boxes`. A per-box limit alone let a chain just under it run 21.8 s per image, some 60
    /// hours over MNIST's 10,000 test images (trial 31).
    public func refusal(_ layers: [Layer], boxes: Int) -> BoundMethodError? {
        refusal(layers) ?? commandRefusal(work: ResourceLimits.product(workPerBox(layers), boxes), boxes: boxes)
    }

    /// The estimated multiply-adds of one box of `layers` under this method where a command's work is limited:
    /// CROWN's (`CROWNCost`, on the chain with diagonal maps folded as `CROWNMethod` folds them); 0 for the others,
    /// whose work is linear in the depth.
    public func workPerBox(_ layers: [Layer]) -> Int {
        self == .crown ? CROWNCost.multiplyAdds(BatchNormFolding.foldingDiagonals(layers).layers) : 0
    }

    /// `workPerBox` of each of `models` times `boxesPerModel`, summed: a command's work (saturated at Int.max), and
    /// each model's `workPerBox` (for `commandRefusal`).
    public func work(_ models: [[Layer]], boxesPerModel: Int) -> (work: Int, perBox: [Int]) {
        let perBox = models.map(workPerBox)
        return (ResourceLimits.sum(perBox.map { ResourceLimits.product($0, boxesPerModel) }), perBox)
    }

    /// The refusal of a command whose `work` multiply-adds (the sum of `workPerBox` over every model and box it
    /// bounds; saturated at Int.max) over `boxes` input boxes are over `CROWNCost.commandLimit`, or nil. `perBox`:
    /// the `workPerBox` of each model the command bounds; when they differ the refusal says that its work per box
    /// is an average (trial 34: c64L4 with c32L4 was "about 97,788,912,640 each", neither model's).
    public func commandRefusal(work: Int, boxes: Int, perBox: [Int] = []) -> BoundMethodError? {
        work > CROWNCost.commandLimit ? .tooCostlyCommand(method: rawValue, work: work, boxes: boxes,
                                                          limit: CROWNCost.commandLimit,
                                                          averaged: Set(perBox).count > 1) : nil
    }

    /// How many of `count` equal parts (images, samples) of a command's `work` fit in `CROWNCost.commandLimit`: the
    /// largest k with k x (work / count) within it.
    public static func fitting(_ count: Int, work: Int) -> Int {
        guard count > 0, work > 0 else { return count }
        let part = max(work / count, 1)
        return min(count, CROWNCost.commandLimit / part)
    }

    /// What to do when the methods `refused` of the list a flag gave (`given`) cannot bound `layers`, as a phrase for
    /// the end of the refusal: drop them when another given method can bound the network ("drop crown from
    /// --bounds"), else name the methods that can ("give ibp or sound-ibp in --bounds instead"). The error itself
    /// (`BoundMethodError.unsupportedLayer`) says only what cannot be bound: "use ibp" was wrong advice to a
    /// user who had given ibp already.
    public static func advice(refused: [BoundMethodName], given: [BoundMethodName], layers: [Layer], flag: String) -> String {
        advice(refused: refused, given: given, networks: [layers], flag: flag)
    }

    /// `advice(refused:given:layers:flag:)` for a command over several networks: a method is offered only when it
    /// can bound every one of them ("... can bound these networks").
    public static func advice(refused: [BoundMethodName], given: [BoundMethodName], networks: [[Layer]],
                              flag: String) -> String {
        func boundsAll(_ method: BoundMethodName) -> Bool {
            !refused.contains(method) && networks.allSatisfy { method.refusal($0) == nil }
        }
        let others = given.filter(boundsAll)
        let names = refused.map(\.rawValue).joined(separator: " and ")
        if !others.isEmpty {
            let also = others.map(\.rawValue).joined(separator: " and ")
            let what = networks.count == 1 ? "this network" : "these networks"
            return "drop \(names) from \(flag) (\(also), also given, can bound \(what))"
        }
        let able = allCases.filter(boundsAll).map(\.rawValue)
        return "give \(able.joined(separator: " or ")) in \(flag) instead"
    }

    /// Throws `refusal(layers)` when there is one, so a run of several models can refuse one before evaluating any.
    /// - Throws: `BoundMethodError.unsupportedLayer` naming the method and the layer (index and kind).
    public func checkSupports(_ layers: [Layer]) throws {
        if let refusal = refusal(layers) { throw refusal }
    }

    /// Parses one name; the error lists the valid ones.
    public init(parsing text: String) throws {
        guard let name = BoundMethodName(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
            throw BoundMethodError.unknownMethod(text)
        }
        self = name
    }
}

public enum BoundMethodError: Error, CustomStringConvertible, Equatable {
    case unknownMethod(String)
    /// The method has no rule for a layer kind (e.g. CROWN and max pooling).
    case unsupportedLayer(method: String, layer: String)
    /// The method's stop condition (a time limit, Ctrl-C) held before it finished.
    case stopped(method: String)
    /// The method's estimated work per sample (`CROWNCost`) is over the limit.
    case tooCostly(method: String, work: Int, limit: Int)
    /// The method's estimated work for all the boxes a command bounds (every model's) is over the command's limit
    /// (`BoundMethodName.fitting` says how many images or samples fit); `averaged`: the models' work per box
    /// differs, so the work per box said is their average.
    case tooCostlyCommand(method: String, work: Int, boxes: Int, limit: Int, averaged: Bool)

    public var description: String {
        switch self {
        case let .unknownMethod(text):
            return "unknown bound method '\(text)'; use one of "
                + BoundMethodName.allCases.map(\.rawValue).joined(separator: ", ")
        case let .unsupportedLayer(method, layer):
            return "bound method \(method) cannot bound \(layer)"
        case let .stopped(method):
            return "bound method \(method) stopped before it finished (time limit or Ctrl-C)"
        case let .tooCostly(method, work, limit):
            return "bound method \(method) cannot bound this network in reasonable time: its backward passes need about "
                + "\(work == .max ? "more than 2^63" : ResourceLimits.grouped(work)) multiply-adds per sample (one pass "
                + "from every neuron, growing with the square of the depth), over the limit of \(ResourceLimits.grouped(limit))"
        case let .tooCostlyCommand(method, work, boxes, limit, averaged):
            return "bound method \(method) would need about \(work == .max ? "more than 2^63" : ResourceLimits.grouped(work)) "
                + "multiply-adds for the \(ResourceLimits.grouped(boxes)) input boxes this command bounds (about "
                + "\(ResourceLimits.grouped(work / max(boxes, 1))) each"
                + (averaged ? ", an average over models whose work per box differs" : "")
                + "), over the limit of \(ResourceLimits.grouped(limit)) for one command (hours of work)"
        }
    }
}

/// An interval [lower, upper] for a batch; both tensors have the same shape (n, ...).
public struct Interval {
    public var lower: Tensor
    public var upper: Tensor

    public init(lower: Tensor, upper: Tensor) {
        precondition(lower.shape == upper.shape, "lower \(lower.shape) and upper \(upper.shape) differ")
        self.lower = lower
        self.upper = upper
    }

    /// [mu - r, mu + r], rounded to nearest.
    public init(_ box: IntervalBounds) {
        self.init(lower: box.lower, upper: box.upper)
    }

    public var shape: [Int] { lower.shape }
}

/// What a bound method returns for a batch of n inputs.
public struct ChainBounds {
    /// stages[0] is the input box, stages[i + 1] the output of layer i; shapes (n, ...). Complete unless the method
    /// was asked for upper bounds only.
    public var stages: [Interval]
    /// Bounds of the specification's rows C z + d, shape (n, k); nil when no specification was given.
    public var specification: Interval?
    /// Per sample: every bound the method computed for it (stages, specification) is finite. A sample whose bounds
    /// left the finite floats anywhere gets no verdict (`Verification.verified`), whatever its margins say.
    public var finite: [Bool]
}

extension ChainBounds {
    /// Marks the samples of a batch tensor (n, ...) with a non-finite value.
    static func markNonFinite(_ t: Tensor, in finite: inout [Bool]) {
        t.markNonFiniteSamples(in: &finite)
    }
}
