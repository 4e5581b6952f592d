extension Network {
    /// Multiply-adds of one nominal forward pass of one sample: sum over affine layers of
    /// out x in for a linear layer and out-channels x patch size x out-pixels for a convolution.
    public var forwardMultiplyAdds: Int {
        (body + [head as Layer]).reduce(0) { total, layer in
            if let conv = layer as? Conv2D {
                return total + conv.outChannels * conv.geometry.patchSize * conv.geometry.outPixels
            }
            if let linear = layer as? Linear { return total + linear.outFeatures * linear.inFeatures }
            return total
        }
    }

    /// FLOPs of one training step per sample: each pass is a forward (2 x multiply-adds) and a backward
    /// (input and weight gradients, twice the forward); an IBP step runs three passes (nominal, centre, radius).
    public func trainingFLOPs(bounds: Bool) -> Double {
        Double(2 * forwardMultiplyAdds) * 3 * (bounds ? 3 : 1)
    }

    /// FLOPs of IBP verification per sample (`Network.margins`, `ibp-verify`): two forward passes, the centre
    /// through W and the radius through |W| (the elided head counted as the last layer).
    public var verificationFLOPs: Double { Double(2 * forwardMultiplyAdds) * 2 }
}
