import ArgumentParser

/// The value of a flag that may be given at most once, declared as an array with `.singleValue` parsing:
/// ArgumentParser keeps only the last of repeated values of a plain option, which would silently ignore the
/// others (`--steps 100 --steps 200`). Returns nil when the flag was not given.
/// - Throws: `ValidationError` naming the flag and its values when it was given more than once.
public func once<T>(_ values: [T], _ flag: String) throws -> T? {
    guard values.count <= 1 else {
        throw ValidationError("\(flag) was given \(values.count) times (\(values.map { "\($0)" }.joined(separator: ", "))); give it once")
    }
    return values.first
}
