public enum BoundMethodName: String, CaseIterable, Sendable { case ibp, soundIBP = "sound-ibp", crownIBP = "crown-ibp", crown }

extension Network {
    public func stageBounds(_ x: Tensor, epsilon: Float, sample: Int, method: BoundMethodName) throws -> [StageBounds] {
        guard method == .ibp else {
            throw SettingsError(message: "bound method \(method.rawValue) is not available in this build (figures use ibp only)")
        }
        return stageBounds(x, epsilon: epsilon, sample: sample)
    }
}
