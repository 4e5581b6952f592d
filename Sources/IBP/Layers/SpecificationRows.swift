/// Rows X of an affine layer y = W x + b run the other way: X -> X W^T (forward, no bias) and the gradient of
/// sum_r (A_r W) . X_r + g_r (A_r . b) in W and b, which is what the adjoint of CROWN's backward step
/// A <- A W, c += A b needs (CROWN-IBP training, `CROWNIBPMargins`; Zhang et al., ICLR 2020, section 3).
///
/// Shapes: R rows of the layer's input shape (`inputRows`) or output shape (`outputRows`); `rowWeights` has R
/// values. The products are the layer's own GEMMs (dense) or convolution kernels (im2col forward, im2row for the
/// weight gradient), so R = 9 rows per sample cost what a batch of 9n images costs.
protocol SpecificationRowMap: AffineMap {
    /// X W^T: each row of the input shape mapped forward without the bias, shape (R, output shape).
    func applyLinearPart(_ rows: Tensor) -> Tensor
    /// dW += sum_r outputRows_r^T inputRows_r (as a weight gradient with output gradients `outputRows` at inputs
    /// `inputRows`); db += sum_r rowWeights_r outputRows_r, summed over each channel's pixels for a convolution.
    func accumulateRowGradients(outputRows: Tensor, inputRows: Tensor, rowWeights: [Float])
}

extension Linear: SpecificationRowMap {
    func applyLinearPart(_ rows: Tensor) -> Tensor {
        affine(rows, weights: weight.value.data, bias: nil)
    }

    func accumulateRowGradients(outputRows: Tensor, inputRows: Tensor, rowWeights: [Float]) {
        let I = inFeatures, O = outFeatures, R = outputRows.batch
        precondition(inputRows.batch == R && rowWeights.count == R && outputRows.sampleSize == O
                     && inputRows.sampleSize == I, "specification rows do not match linear layer \(weight.name)")
        weight.grad.data.withUnsafeMutableBufferPointer { gw in
            outputRows.data.withUnsafeBufferPointer { a in
                inputRows.data.withUnsafeBufferPointer { x in
                    gemm(transA: true, m: O, n: I, k: R, a: a.baseAddress!, lda: O, b: x.baseAddress!, ldb: I,
                         beta: 1, c: gw.baseAddress!, ldc: I)
                }
                bias.grad.data.withUnsafeMutableBufferPointer { gb in
                    for r in 0..<R where rowWeights[r] != 0 {
                        let g = rowWeights[r]
                        for o in 0..<O { gb[o] += g * a[r * O + o] }
                    }
                }
            }
        }
    }
}

extension Conv2D: SpecificationRowMap {
    func applyLinearPart(_ rows: Tensor) -> Tensor {
        convolve(rows.reshaped(sampleShape: inputShape), weights: weight.value.data, bias: nil)
    }

    func accumulateRowGradients(outputRows: Tensor, inputRows: Tensor, rowWeights: [Float]) {
        let R = outputRows.batch, O = outChannels, P = geometry.outPixels
        precondition(inputRows.batch == R && rowWeights.count == R && outputRows.sampleSize == O * P
                     && inputRows.sampleSize == inputShape.reduce(1, *),
                     "specification rows do not match convolution \(weight.name)")
        _ = accumulate(outputRows.reshaped(sampleShape: outputShape), input: inputRows.reshaped(sampleShape: inputShape),
                       weights: weight.value.data, radius: false, inputGradient: false, parameterGradients: true,
                       biasGradient: false)
        outputRows.data.withUnsafeBufferPointer { a in
            bias.grad.data.withUnsafeMutableBufferPointer { gb in
                for r in 0..<R where rowWeights[r] != 0 {
                    let g = rowWeights[r]
                    for o in 0..<O { gb[o] += g * sum(a.baseAddress! + (r * O + o) * P, count: P) }
                }
            }
        }
    }
}
