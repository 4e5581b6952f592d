import Foundation

/// Softmax cross-entropy, mean over the batch: L = mean(logsumexp(z) - z_y).
public enum CrossEntropy {
    /// The loss and d(loss)/d(logits) (already divided by the batch size).
    public static func lossAndGradient(_ logits: Tensor, labels: [Int]) -> (loss: Float, grad: Tensor) {
        let n = logits.batch, k = logits.sampleSize
        var grad = Tensor(zeros: logits.shape)
        var total: Double = 0
        for s in 0..<n {
            let row = s * k
            var top = -Float.infinity
            for j in 0..<k { top = max(top, logits.data[row + j]) }
            var sum: Float = 0
            for j in 0..<k {
                let e = expf(logits.data[row + j] - top)
                grad.data[row + j] = e
                sum += e
            }
            total += Double(logf(sum) + top - logits.data[row + labels[s]])
            for j in 0..<k { grad.data[row + j] /= sum * Float(n) }
            grad.data[row + labels[s]] -= 1 / Float(n)
        }
        return (Float(total / Double(n)), grad)
    }

    /// Each row's predicted class (`Verification.predictedClass`): the largest logit, or -1 when a logit is not
    /// finite.
    public static func predictions(_ logits: Tensor) -> [Int] {
        let k = logits.sampleSize
        return (0..<logits.batch).map { s in Verification.predictedClass(logits.data[(s * k)..<((s + 1) * k)]) }
    }
}
