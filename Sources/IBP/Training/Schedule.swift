/// The paper's training schedule: warm-up at eps 0 and kappa 1, then a linear ramp of eps up to its target and
/// of kappa down to its final value, then constant; the learning rate is multiplied by `decayFactor` at each
/// step in `decaySteps`.
public struct Schedule: Codable, Equatable, Sendable {
    public var epsilonTrain: Float
    public var kappaFinal: Float = 0.5
    public var warmupSteps: Int = 2000
    public var rampSteps: Int = 10000
    public var learningRate: Float = 1e-3
    public var decaySteps: [Int] = [15000, 25000]
    public var decayFactor: Float = 0.1
    /// The shape of the eps ramp (`--eps-schedule`); nil in runs recorded before it was: linear. Kappa always
    /// ramps linearly.
    public var epsilonRamp: EpsilonRamp?

    public init(epsilonTrain: Float) { self.epsilonTrain = epsilonTrain }

    /// Fraction of the ramp completed before step `step` (0-based).
    private func ramp(_ step: Int) -> Float {
        guard step >= warmupSteps else { return 0 }
        guard rampSteps > 0 else { return 1 }
        return min(Float(step - warmupSteps) / Float(rampSteps), 1)
    }

    public func epsilon(at step: Int) -> Float {
        guard let shape = epsilonRamp, shape != .linear else { return epsilonTrain * ramp(step) }
        return epsilonTrain * Float(shape.fraction(step: step, start: warmupSteps, length: rampSteps))
    }

    public func kappa(at step: Int) -> Float { 1 + (kappaFinal - 1) * ramp(step) }

    public func learningRate(at step: Int) -> Float {
        decaySteps.filter { step >= $0 }.reduce(learningRate) { lr, _ in lr * decayFactor }
    }
}
