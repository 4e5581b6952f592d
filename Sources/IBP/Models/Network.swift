/// A model built from an `Architecture`: a body of layers and a final linear head.
/// The head is kept apart because IBP folds the specification into it (`ElidedSpecification`).
public final class Network {
    public let architecture: Architecture
    public let body: [Layer]
    public let head: Linear
    /// Names of the body's outputs as the seed names them: `l1, a1, l2, a2, ...` (nil for flatten).
    public let stageNames: [String?]

    public init(_ architecture: Architecture) {
        self.architecture = architecture
        var layers: [Layer] = []
        var names: [String?] = []
        var shape = architecture.inputShape
        var affineCount = 0
        for (index, spec) in architecture.layers.enumerated() {
            let isHead = index == architecture.layers.count - 1
            let layer: Layer
            switch spec {
            case let .conv(channels, kernel, stride, same):
                affineCount += 1
                layer = Conv2D(inputShape: shape, outChannels: channels, kernel: kernel, stride: stride, same: same,
                               name: "l\(affineCount)")
                names.append("l\(affineCount)")
            case let .linear(units):
                affineCount += 1
                // The seed's checkpoints call the output layer `lo`.
                layer = Linear(inputShape: shape, outFeatures: units, name: isHead ? "lo" : "l\(affineCount)")
                names.append(isHead ? "y" : "l\(affineCount)")
            case let .activation(kind):
                layer = Activation(kind, shape: shape)
                names.append("a\(affineCount)")
            case .flatten:
                layer = Flatten(inputShape: shape)
                names.append(nil)
            case .batchNorm:
                layer = BatchNorm(shape: shape, name: "n\(affineCount)")
                names.append("n\(affineCount)")
            }
            layers.append(layer)
            shape = layer.outputShape
        }
        guard let head = layers.last as? Linear else {
            preconditionFailure("architecture \(architecture.name) must end in a linear layer")
        }
        self.head = head
        self.body = Array(layers.dropLast())
        self.stageNames = Array(names.dropLast())
    }

    /// Every trainable parameter, in layer order.
    public var parameters: [Parameter] { (body + [head as Layer]).flatMap { $0.parameters } }

    public var classes: Int { head.outFeatures }

    /// Runs the body (everything but the head).
    public func forwardBody(_ input: Flow, cache: Bool) -> Flow {
        body.reduce(input) { $1.forward($0, cache: cache) }
    }

    /// Back-propagates through the body; `inputGradient` asks for d/d(input) of the first layer too, and
    /// `parameterGradients` false leaves the parameters' gradients alone (an attack needs only d/d(input)).
    @discardableResult
    public func backwardBody(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool = true) -> Flow {
        var g = grad
        for (i, layer) in body.enumerated().reversed() {
            g = layer.backward(g, inputGradient: i > 0 || inputGradient, parameterGradients: parameterGradients)
        }
        return g
    }

    /// Nominal logits.
    public func logits(_ x: Tensor) -> Tensor {
        head.forward(forwardBody(Flow(values: x), cache: false), cache: false).values
    }

    /// One pass that gives both the nominal logits of `x` and the worst-case elided margins over its eps-box.
    public func logitsAndMargins(_ x: Tensor, labels: [Int], epsilon: Float) -> (logits: Tensor, margins: Tensor) {
        let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
        let n = x.batch
        let h = forwardBody(Flow(values: x.stacked(with: box.centre), radius: box.radius), cache: false)
        let logits = head.forward(Flow(values: h.values.rows(0..<n)), cache: false).values
        let margins = ElidedSpecification.margins(head: head, centre: h.values.rows(n..<2 * n), radius: h.radius!,
                                                  labels: labels)
        return (logits, margins)
    }

    /// The worst-case elided margins over the eps-box of `x` alone (the centre and radius passes, no nominal pass):
    /// what a pure verification needs. Shapes: x (n, inputShape), labels n values in 0..<classes -> (n, classes).
    /// Large batches run in chunks of about `marginChunk` images, one after the other: for `small` and `medium`
    /// every layer's output for a chunk stays under glibc's 32 MiB mmap limit (`HeapTuning`), so it comes from the
    /// heap blocks the last chunk freed instead of fresh pages the kernel must fault in and zero (a tenth of `medium`'s verification time at
    /// batch 1000 on Zen 3, NOTES-perf17.md), and stays nearer the caches. Every row is computed exactly as
    /// unchunked (chunks of at least 64 rows keep `gemm`'s split along rows or columns, never along k), so the
    /// margins are the same bits.
    public func margins(_ x: Tensor, labels: [Int], epsilon: Float) -> Tensor {
        let n = x.batch, chunks = n >= 2 * Network.marginChunk ? (n + Network.marginChunk - 1) / Network.marginChunk : 1
        guard chunks > 1 else { return unchunkedMargins(x, labels: labels, epsilon: epsilon) }
        var data: [Float] = []
        data.reserveCapacity(n * classes)
        for c in 0..<chunks {
            let rows = (n * c / chunks)..<(n * (c + 1) / chunks)
            data += unchunkedMargins(x.rows(rows), labels: Array(labels[rows]), epsilon: epsilon).data
        }
        return Tensor(shape: [n, classes], data: data)
    }

    /// Images per chunk of `margins`: 250 `medium` images' largest activation (32 x 26 x 26) is 21.6 MB.
    static let marginChunk = 250

    func unchunkedMargins(_ x: Tensor, labels: [Int], epsilon: Float) -> Tensor {
        let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
        let h = forwardBody(Flow(values: box.centre, radius: box.radius), cache: false)
        return ElidedSpecification.margins(head: head, centre: h.values, radius: h.radius!, labels: labels)
    }

    /// Zeroes every parameter gradient.
    public func zeroGradients() {
        for p in parameters {
            p.grad.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }
}
