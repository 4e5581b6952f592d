/// Initialisation as in the paper's code: orthogonal weights (conv kernels flattened to out x (in*kh*kw)),
/// zero biases.
public enum Initializer {
    public static func orthogonal(_ network: Network, seed: UInt64) {
        var rng = RandomSource(seed: seed)
        for p in network.parameters {
            if p.value.shape.count == 1 {
                p.value.data = [Float](repeating: 0, count: p.value.count)
            } else {
                let rows = p.value.shape[0], cols = p.value.count / rows
                p.value.data = orthogonalMatrix(rows: rows, cols: cols, rng: &rng)
            }
        }
        // Batch normalisation starts as the identity: gamma 1, beta 0, running mean 0, variance 1.
        for layer in network.batchNorms { layer.reset() }
    }

    /// A rows x cols matrix with orthonormal rows (if rows <= cols) or columns, by modified Gram-Schmidt
    /// on Gaussian vectors, which is what QR of a Gaussian matrix yields up to signs.
    static func orthogonalMatrix(rows: Int, cols: Int, rng: inout RandomSource) -> [Float] {
        let count = min(rows, cols), length = max(rows, cols)
        var vectors = [[Double]]()
        vectors.reserveCapacity(count)
        for _ in 0..<count {
            var v = (0..<length).map { _ in rng.normal() }
            for u in vectors {
                var dot = 0.0
                for i in 0..<length { dot += u[i] * v[i] }
                for i in 0..<length { v[i] -= dot * u[i] }
            }
            var norm = 0.0
            for i in 0..<length { norm += v[i] * v[i] }
            norm = norm.squareRoot()
            vectors.append(v.map { $0 / norm })
        }
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                out[r * cols + c] = Float(rows <= cols ? vectors[r][c] : vectors[c][r])
            }
        }
        return out
    }
}
