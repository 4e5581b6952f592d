import ArgumentParser
import Foundation
import IBPFormats

/// Every file a `--data` folder can supply (issue 11, kind 1 of the new-user report): the images and labels of
/// both splits, under the plain and the `.gz` name, whether or not they exist now. An output among them would
/// replace the data (or, written beside the other spelling, make the folder ambiguous), so `validateRunFiles`
/// compares outputs against all eight. `flag` names the folder in messages (`--data`, or `--data (default)`
/// when the folder is the default one).
public func dataFiles(in folder: String, flag: String = "--data") -> [RunFile] {
    MNIST.Split.allCases.flatMap { split in
        [split.imagesFileName, split.labelsFileName].flatMap { base in
            [base, base + ".gz"].map { RunFile(flag, TypedPath.join(folder, $0)) }
        }
    }
}

/// The folder a command reads MNIST from: the one given, else the default, named as a flag for messages.
public func dataFiles(given: String?, default folder: @autoclosure () -> String) -> [RunFile] {
    given.map { dataFiles(in: $0) } ?? dataFiles(in: folder(), flag: "--data (default)")
}

/// Refuses an empty path given to any path flag (`--data ""` would read the working folder, `--out ""` name no
/// file): every tool calls this in `validate()` with all its path flags and arguments.
/// - Throws: `ValidationError` (usage, exit 64) naming the flag.
public func refuseEmptyPaths(_ paths: [(flag: String, value: String?)]) throws {
    for (flag, value) in paths where value?.trimmingCharacters(in: .whitespaces).isEmpty == true {
        throw ValidationError("\(flag) is an empty path; give a file or folder name")
    }
}

/// `refuseEmptyPaths` for a flag given as a list (repeated, or the arguments of a command).
public func refuseEmptyPaths(_ flag: String, _ values: [String]) throws {
    try refuseEmptyPaths(values.map { (flag, $0) })
}
