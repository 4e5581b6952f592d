import Foundation
import FuzzSupport
import IBPFormats

// VNNLIB.parse (S-expressions, declarations, the box, the output condition in disjunctive normal form) on every
// input; properties that parse are checked for consistency. Any error thrown is fine, a crash or hang is not.
runLibFuzzer { start, count in
    let data = Data(bytes: start!, count: count)
    guard let property = try? VNNLIB.parse(data, path: "fuzz.vnnlib") else { return 0 }
    precondition(property.inputCount > 0 && property.outputCount > 0 && !property.disjuncts.isEmpty)
    precondition(zip(property.lower, property.upper).allSatisfy { $0 <= $1 && $0.isFinite && $1.isFinite })
    precondition(property.disjuncts.allSatisfy { $0.allSatisfy { $0.coefficients.count == property.outputCount } })
    let centre = zip(property.lower, property.upper).map { (Double($0) + Double($1)) / 2 }
    precondition(property.contains(input: centre))
    _ = property.isCounterexample(output: [Double](repeating: 0, count: property.outputCount))
    return 0
}
