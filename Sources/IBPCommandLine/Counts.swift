import ArgumentParser
import Foundation
import IBPFormats

/// The most PGD steps any tool runs per start (`evaluate --pgd-steps`, `verify --attack-steps`, `visualize
/// --pgd-steps`): one cap, so that a typo such as 2000000000 is refused at once instead of running for days.
/// 10,000 steps is 500 times the default of `evaluate` and 100 times `verify`'s.
public let maxAttackSteps = 10_000

/// The one rule for counts against the data (new-user report, kind 3): a count flag given larger than the images
/// it counts is refused, never clamped in silence.
/// - Throws: `ValidationError` (usage, exit 64) naming the flag, the value and the number of images available.
public func validateCount(_ value: Int, flag: String, available: Int, what: String) throws {
    guard value <= available else {
        throw ValidationError("\(flag) \(FlagText.show(flag, value)) is more than there are \(what) (\(available)); give at most \(available)")
    }
}

/// The number of labels in the split's labels file of `folder`, read from its header only (nil when the folder or
/// file cannot be read, or holds no labels: the loader then reports that in its own words).
public func mnistCount(in folder: URL, split: MNIST.Split) -> Int? {
    guard let url = try? MNIST.locate(split.labelsFileName, in: folder),
          let labels = try? IDX.readLabels(url), labels.countInFile > 0 else { return nil }
    return labels.countInFile
}
