import Foundation
import IBPFormats

/// bytes(architecture, batch) <= limit, checked before any work: every size that follows from a checkpoint or a
/// flag (parameters, values per stage, multiply-adds, each convolution's im2col workspace, a batch's memory) is
/// computed from the `Architecture` alone and compared with a stated limit, so a 4 MiB file cannot make a tool
/// allocate gigabytes (issue #11, kind 4). A refusal is one line that names the layer or flag, the size and
/// the limit.
///
/// The sizes mirror how the layers allocate: `Conv2D` lowers slices of `Conv2D.sliceFloats` patch values (at
/// least one image) in up to 8 chunks, each with its patch matrix and GEMM output, plus zero-bordered copies of
/// its images for padded (SAME) convolutions; every layer keeps its workspace between calls; `|W|` is kept per
/// layer; IBP stacks the nominal rows and the interval centres (2 rows per sample) and carries a radius row.
public enum ResourceLimits {
    /// Trainable parameters: 2^25 = 33,554,432 floats (128 MiB; the paper's `large` model has 13.3 million).
    public static let maxParameters = 1 << 25
    /// Values of one sample at any stage: 2^20 (the `large` model's widest stage holds 50,176).
    public static let maxValuesPerSample = 1 << 20
    /// Multiply-adds of one nominal forward pass of one sample: 2^31 (the `large` model needs 0.11 billion).
    public static let maxMultiplyAddsPerSample = 1 << 31
    /// The im2col workspace one convolution keeps for a batch: 1 GiB (the `large` model's biggest is 17 MiB at batch 500).
    public static let maxLayerWorkspaceBytes = 1 << 30
    /// Estimated memory of one batch (activations, workspaces, parameters and their copies): 8 GiB.
    public static let maxBatchBytes = 1 << 33
    /// Largest checkpoint file read: the parameters with both Adam moments, plus 16 MiB of header.
    public static let maxCheckpointBytes = 3 * 4 * maxParameters + (1 << 24)
    /// Channels, kernel sizes, strides and input sides: 4096; linear units: 65,536.
    public static let maxDimension = 4096
    public static let maxUnits = 1 << 16

    /// What runs on a batch: evaluation (IBP margins with the nominal pass, and PGD) or IBP training.
    public enum Workload: Equatable, Sendable {
        case evaluation(batch: Int)
        case training(batch: Int)

        var batch: Int {
            switch self {
            case .evaluation(let n), .training(let n): return n
            }
        }
    }

    /// The sizes of one architecture and workload.
    public struct Estimate: Equatable, Sendable {
        public var parameters = 0
        /// The largest stage, in values per sample.
        public var valuesPerSample = 0
        public var multiplyAddsPerSample = 0
        /// The largest single convolution workspace, in bytes, and the layer that needs it.
        public var largestWorkspaceBytes = 0
        public var largestWorkspaceLayer = ""
        /// Everything one batch is estimated to hold, in bytes.
        public var batchBytes = 0
    }

    /// A size over its limit, as one line.
    public struct Exceeded: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// One layer with the shape it reads and writes: its parameters' prefix as `Network` names them (`l1`, ...,
    /// `lo`; what a checkpoint's tensors are called) and its name in messages (`LayerName`: `layer 1 (conv ...)`).
    struct Step {
        var name: String
        var label: String
        var spec: Architecture.LayerSpec
        var input: [Int]
        var output: [Int]
    }

    /// Checks `architecture` for `workload`; returns the estimate when every size is within its limit.
    /// - Parameter batchFlag: the flag that set the batch (`--batch-size`, `--limit`), named when the batch's
    ///   memory is over the limit; without it the message speaks of the batch alone.
    /// - Throws: `Exceeded`, naming the layer (or flag), the size and the limit.
    @discardableResult
    public static func check(_ architecture: Architecture, for workload: Workload, batchFlag: String? = nil) throws -> Estimate {
        let steps = try walk(architecture)
        var e = Estimate()
        var stageSum = 0
        // Values, radius and (training) their gradients are rows of 3 * batch samples.
        let n = max(1, workload.batch)
        let valueRows = product(2, n), radiusRows = n
        var workspaceSum = 0, weightCopies = 0
        for step in steps {
            let outValues = step.output.reduce(1, *)
            e.valuesPerSample = max(e.valuesPerSample, outValues)
            stageSum = sum(stageSum, outValues)
            switch step.spec {
            case let .conv(channels, kernel, stride, same):
                let g = ConvGeometry(channels: step.input[0], height: step.input[1], width: step.input[2], kernel: kernel,
                                     stride: stride, same: same)
                let k = g.patchSize, p = g.outPixels, o = channels
                e.parameters = sum(e.parameters, product(o, k), o)
                weightCopies = sum(weightCopies, product(o, k))
                e.multiplyAddsPerSample = sum(e.multiplyAddsPerSample, product(o, k, p))
                let bytes = product(convWorkspaceFloats(g, outChannels: o, rows: valueRows, training: workload.isTraining), 4)
                if bytes > e.largestWorkspaceBytes { (e.largestWorkspaceBytes, e.largestWorkspaceLayer) = (bytes, step.label) }
                guard bytes <= maxLayerWorkspaceBytes else {
                    throw Exceeded(message: "\(step.label) needs a \(format(bytes)) im2col workspace for "
                                   + "\(count(n, "image")) of \(g.channels) channel\(g.channels == 1 ? "" : "s"), over the "
                                   + "limit of \(format(maxLayerWorkspaceBytes))")
                }
                workspaceSum = sum(workspaceSum, bytes)
            case let .linear(units):
                let inputs = step.input.reduce(1, *)
                e.parameters = sum(e.parameters, product(units, inputs), units)
                weightCopies = sum(weightCopies, product(units, inputs))
                e.multiplyAddsPerSample = sum(e.multiplyAddsPerSample, product(units, inputs))
            case .activation, .flatten:
                break
            case .batchNorm:
                // gamma, beta and the two running averages per channel; one multiply-add per value.
                e.parameters = sum(e.parameters, product(4, step.input[0]))
                e.multiplyAddsPerSample = sum(e.multiplyAddsPerSample, step.input.reduce(1, *))
            }
            guard e.parameters <= maxParameters else {
                throw Exceeded(message: "\(step.label) brings the parameters to \(grouped(e.parameters)), over the "
                               + "limit of \(grouped(maxParameters))")
            }
            guard e.multiplyAddsPerSample <= maxMultiplyAddsPerSample else {
                throw Exceeded(message: "\(step.label) brings the work per image to \(grouped(e.multiplyAddsPerSample)) "
                               + "multiply-adds, over the limit of \(grouped(maxMultiplyAddsPerSample))")
            }
        }
        // Parameters with their |W| copies; training adds gradients and both Adam moments.
        let parameterFloats = sum(e.parameters, weightCopies, workload.isTraining ? product(3, e.parameters) : 0)
        let input = architecture.inputShape.reduce(1, *)
        // Evaluation: two live stages of the IBP rows, and PGD's cached forward pass of the batch.
        // Training: every stage cached for the backward pass, plus two live gradient stages.
        let rows = sum(valueRows, radiusRows), cached = sum(input, stageSum, product(2, e.valuesPerSample))
        let activationFloats = workload.isTraining
            ? product(rows, cached)
            : sum(product(rows, 2, e.valuesPerSample), product(n, cached))
        e.batchBytes = sum(product(4, sum(parameterFloats, activationFloats)), workspaceSum)
        guard e.batchBytes <= maxBatchBytes else {
            let what = workload.isTraining ? "a training batch" : "an evaluation batch"
            throw Exceeded(message: "\(batchFlag.map { "\($0) \(n): " } ?? "")\(what) of \(count(n, "image")) of "
                           + "\(architecture.name) needs about \(format(e.batchBytes)), over the limit of \(format(maxBatchBytes))"
                           + (batchFlag == nil ? "" : "; use a smaller \(batchFlag!)"))
        }
        return e
    }

    /// Walks the layers, checking every dimension against `maxDimension`/`maxUnits` and every stage against
    /// `maxValuesPerSample`, so that no later product can overflow. Names follow `Network`.
    static func walk(_ architecture: Architecture) throws -> [Step] {
        let shapeOK = architecture.inputShape.count == 3 && architecture.inputShape.allSatisfy { (1...maxDimension).contains($0) }
        guard shapeOK else {
            throw Exceeded(message: "is not a supported model: the input shape \(architecture.inputShape) is not "
                           + "(channels, height, width) with sides in 1...\(maxDimension)")
        }
        guard case .linear? = architecture.layers.last else {
            let last = architecture.layers.isEmpty ? "it has no layers"
                : "its last layer, \(architecture.layerName(architecture.layers.count - 1)), is not linear"
            throw Exceeded(message: "is not a supported model: \(last) (the model must end in its logits)")
        }
        var shape = architecture.inputShape
        guard shape.reduce(1, *) <= maxValuesPerSample else {
            throw Exceeded(message: "the input of shape \(shape) holds \(grouped(shape.reduce(1, *))) values per sample, "
                           + "over the limit of \(grouped(maxValuesPerSample))")
        }
        var steps: [Step] = []
        var affine = 0
        for (index, spec) in architecture.layers.enumerated() {
            let isHead = index == architecture.layers.count - 1
            var name = affine == 0 ? "input" : "a\(affine)"
            let label = architecture.layerName(index)
            let input = shape
            switch spec {
            case let .conv(channels, kernel, stride, same):
                affine += 1
                name = "l\(affine)"
                guard shape.count == 3 else {
                    throw Exceeded(message: "\(label) is an invalid convolution: it follows a flatten")
                }
                let bounds = 1...maxDimension
                guard bounds.contains(channels), bounds.contains(kernel), bounds.contains(stride) else {
                    throw Exceeded(message: "\(label) is an invalid convolution: channels \(channels), kernel "
                                   + "\(kernel), stride \(stride); each must be in 1...\(maxDimension)")
                }
                guard same || (kernel <= shape[1] && kernel <= shape[2]) else {
                    throw Exceeded(message: "\(label) is an invalid convolution: a \(kernel)x\(kernel) VALID kernel "
                                   + "on a \(shape[1])x\(shape[2]) input")
                }
                let g = ConvGeometry(channels: shape[0], height: shape[1], width: shape[2], kernel: kernel, stride: stride,
                                     same: same)
                shape = [channels, g.outHeight, g.outWidth]
            case let .linear(units):
                affine += 1
                name = isHead ? "lo" : "l\(affine)"
                guard (1...maxUnits).contains(units) else {
                    throw Exceeded(message: "\(label) is an invalid linear layer: \(units) units; a linear layer may "
                                   + "have 1...\(maxUnits)")
                }
                shape = [units]
            case .flatten:
                shape = [shape.reduce(1, *)]
            case .activation:
                break
            case .batchNorm:
                name = "n\(affine)"
                guard affine > 0 else {
                    throw Exceeded(message: "\(label) is an invalid batch normalisation: it must follow a conv or "
                                   + "linear layer")
                }
            }
            guard shape.reduce(1, *) <= maxValuesPerSample else {
                throw Exceeded(message: "\(label) outputs shape \(shape), \(grouped(shape.reduce(1, *))) values per "
                               + "sample, over the limit of \(grouped(maxValuesPerSample))")
            }
            steps.append(Step(name: name, label: label, spec: spec, input: input, output: shape))
        }
        return steps
    }

    /// Floats a convolution's workspace holds for `rows` samples: per chunk the patch matrix and the GEMM output
    /// of one slice (training: also the output gradient, dW and db), plus the bordered copies of padded inputs
    /// that the workers make at the same time.
    static func convWorkspaceFloats(_ g: ConvGeometry, outChannels o: Int, rows: Int, training: Bool) -> Int {
        let k = g.patchSize, p = g.outPixels
        let slice = max(1, Conv2D.sliceFloats / product(k, p))
        let chunks = min(8, (rows + slice - 1) / slice)
        let perChunk = sum(product(k + o, slice, p), training ? sum(product(o, k), o) : 0)
        let borderedSide = ((g.outHeight - 1) * g.strideH + g.kernelHeight, (g.outWidth - 1) * g.strideW + g.kernelWidth)
        let bordered = g.isUnpadded ? 0 : product(chunks, slice, g.channels, borderedSide.0, borderedSide.1)
        return sum(product(chunks, perChunk), bordered)
    }

    /// Bytes in binary units: "6.6 GB" style with one decimal ("512 MiB", "6.1 GiB").
    static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) bytes" }
        return value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
    }

    /// 1234567 as "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Products and sums that saturate at Int.max instead of trapping (hostile sizes are reported, not multiplied).
    static func product(_ factors: Int...) -> Int {
        factors.reduce(1) { a, b in
            let (r, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? Int.max : r
        }
    }

    static func sum(_ terms: Int...) -> Int { sum(terms) }

    static func sum(_ terms: [Int]) -> Int {
        terms.reduce(0) { a, b in
            let (r, overflow) = a.addingReportingOverflow(b)
            return overflow ? Int.max : r
        }
    }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}

extension ResourceLimits.Workload {
    var isTraining: Bool {
        if case .training = self { return true }
        return false
    }
}
