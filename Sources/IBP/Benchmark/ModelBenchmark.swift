/// Throughput of one model on random data: training steps, IBP verification and PGD.
public struct ModelBenchmark {
    public let model: String
    public let network: Network
    public var stopwatch: Stopwatch
    private var rng: RandomSource

    /// A network of the named architecture, orthogonally initialised from `seed`.
    public init?(model: String, stopwatch: Stopwatch, seed: UInt64 = 1) {
        guard let architecture = Architecture.named(model) else { return nil }
        self.model = model
        self.network = Network(architecture)
        self.stopwatch = stopwatch
        Initializer.orthogonal(network, seed: seed)
        rng = RandomSource(seed: seed)
    }

    /// Random inputs in [0, 1] and random labels.
    private mutating func batch(_ n: Int) -> (x: Tensor, labels: [Int]) {
        let shape = [n] + network.architecture.inputShape
        let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform() })
        return (x, (0..<n).map { _ in Int(rng.next() % UInt64(network.classes)) })
    }

    /// Samples/s of `IBPLoss.lossAndGradient` + `Adam.step` (eps 0.3, kappa 0.5), with or without the interval pass.
    /// `precision` bf16 runs the step's products in bfloat16 (`GEMMPrecision.with`), measure `...-train-step-bf16`.
    public mutating func trainStep(bounds: Bool, batch n: Int = 100, precision: GEMMPrecision = .fp32) -> BenchmarkRow {
        let (x, labels) = batch(n)
        let network = network
        var adam = Adam(parameters: network.parameters)
        let rates = GEMMPrecision.with(precision) {
            stopwatch.rates(items: n) {
                _ = IBPLoss.lossAndGradient(network: network, x: x, labels: labels, epsilon: 0.3, kappa: 0.5,
                                            bounds: bounds)
                adam.step(network.parameters, learningRate: 1e-3)
            }
        }
        let measure = (bounds ? "ibp-train-step" : "nominal-train-step") + (precision == .bf16 ? "-bf16" : "")
        return BenchmarkRow(model: model, measure: measure, observations: rates, unit: "samples/s")
    }

    /// Samples/s of `CROWNIBPLoss.lossAndGradient` + `Adam.step` (eps 0.3, kappa 0.5, beta 0.5: the middle of the
    /// ramp, where both bounds are computed), measure `crown-ibp-train-step`; nil for a model with non-ReLU
    /// activations, which CROWN-IBP training does not handle.
    public mutating func crownIBPTrainStep(batch n: Int = 100) -> BenchmarkRow? {
        guard network.architecture.layers.allSatisfy({ if case let .activation(k) = $0 { k == .relu } else { true } })
        else { return nil }
        let (x, labels) = batch(n)
        let network = network
        var adam = Adam(parameters: network.parameters)
        let rates = stopwatch.rates(items: n) {
            _ = CROWNIBPLoss.lossAndGradient(network: network, x: x, labels: labels, epsilon: 0.3, kappa: 0.5, beta: 0.5)
            adam.step(network.parameters, learningRate: 1e-3)
        }
        return BenchmarkRow(model: model, measure: "crown-ibp-train-step", observations: rates, unit: "samples/s")
    }

    /// Images/s of `Network.margins` (elided IBP margins at eps 0.3: centre and radius passes, as PyTorch's yardstick).
    public mutating func verify(batch n: Int = 1000) -> BenchmarkRow {
        let (x, labels) = batch(n)
        let network = network
        let rates = stopwatch.rates(items: n) {
            _ = network.margins(x, labels: labels, epsilon: 0.3)
        }
        return BenchmarkRow(model: model, measure: "ibp-verify", observations: rates, unit: "images/s")
    }

    /// Images/s of a bound method's worst-case elided margins at eps 0.1 (`BoundMethod.bounds` with the
    /// specification, upper bounds only, as `evaluate` verifies), measure `<method>-verify`.
    public mutating func verify(_ method: BoundMethodName, batch n: Int) -> BenchmarkRow {
        let (x, labels) = batch(n)
        let network = network
        let rates = stopwatch.rates(items: n) {
            _ = try! method.method.bounds(network.layers, box: InputBox(around: x, epsilon: 0.1),
                                          specification: Specification.elided(labels: labels, classes: 10),
                                          upperOnly: true)
        }
        return BenchmarkRow(model: model, measure: "\(method.rawValue)-verify", observations: rates, unit: "images/s")
    }

    /// Images/s of a 20-step PGD attack (eps 0.3).
    public mutating func pgd20(batch n: Int = 100) -> BenchmarkRow {
        let (x, labels) = batch(n)
        let network = network
        var attackRNG = RandomSource(seed: 7)
        let rates = stopwatch.rates(items: n) {
            _ = PGD(epsilon: 0.3, steps: 20).attack(network, x: x, labels: labels, rng: &attackRNG)
        }
        return BenchmarkRow(model: model, measure: "pgd20", observations: rates, unit: "images/s")
    }
}
