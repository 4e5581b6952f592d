import ArgumentParser
import Foundation
import IBPFormats
import IBPRender

/// One file a run reads or writes, as the user named it.
public struct RunFile {
    /// The flag or argument that named it (`--plot`, `OUTPUT`, `MODEL`).
    public let flag: String
    public let path: String
    /// An output that may replace a model (`convert --force`, which has checked that it replaces one); see
    /// `validateOutputFile`.
    public let replacesModel: Bool
    public init(_ flag: String, _ path: String, replacesModel: Bool = false) {
        self.flag = flag
        self.path = path
        self.replacesModel = replacesModel
    }
}

/// The file `path` names, as a string that is equal for two spellings of the same file (`TypedPath.resolved`):
/// absolute, with the links, `.` and `..` of the longest existing part resolved by the OS, so `./a`, `dir/../a`,
/// `/abs/a` and a link to `a` give the same string, and `lnk/../a` the file the OS would write (not `./a`, as
/// the text resolution of `..` said: with `lnk -> real/sub` it is `real/a`).
public func resolvedPath(_ path: String) -> String {
    TypedPath.resolved(path)
}

/// Refuses an input file named twice among `files` (a list flag's values, or several flags that each add one
/// item, like `visualize compare`'s columns): compared by resolved path and, for existing files, by device and
/// inode, so `a.ckpt`, `./a.ckpt`, a symbolic and a hard link are one file. The README lists visualize's `--model`
/// among the flags that refuse a repeated value; a model twice would draw the same column twice.
/// - Throws: `ValidationError` (usage, exit 64) naming both flags and paths.
public func validateDistinctInputs(_ files: [RunFile], what: String = "file") throws {
    var seen: [(file: RunFile, key: String, node: String?)] = []
    for file in files {
        let key = resolvedPath(file.path), node = FileIdentity.node(file.path)
        if let earlier = seen.first(where: { $0.key == key || (node != nil && $0.node == node) }) {
            if earlier.file.flag == file.flag && earlier.file.path == file.path {
                throw ValidationError("\(file.flag) \(file.path) is given twice; give each \(what) once")
            }
            let same = earlier.file.path == file.path ? "" : " (the same \(what) as \(file.path))"
            throw ValidationError("\(earlier.file.flag) \(earlier.file.path) is also given as \(file.flag)\(same); "
                                  + "give each \(what) once")
        }
        seen.append((file, key, node))
    }
}

/// Checks, before any work, the files of one run (issue 11, kinds 2 and 4): no output is also an input or another
/// output of the same run, comparing resolved paths (`resolvedPath`) and, for existing files, device and inode
/// (hard links); then every output can be written (`validateOutputFile`: not a folder or link, its folder exists
/// or can be created, writable). `convert X.ckpt X.ckpt` would otherwise replace the model it reads,
/// and `--out a.png --dump-bounds a.png` would keep only the last of two files.
/// - Throws: `ValidationError` (usage, exit 64) naming both flags and the user's path.
public func validateRunFiles(outputs: [RunFile], inputs: [RunFile] = [], createsFolders: Bool = true) throws {
    let keyed = (outputs.map { ($0, true) } + inputs.map { ($0, false) }).map { file, isOutput in
        (file: file, isOutput: isOutput, key: resolvedPath(file.path), node: FileIdentity.node(file.path))
    }
    // Each output is compared with the earlier outputs, then with the inputs, through tables of the first index
    // per resolved path and per device:inode: linear, since a batch names thousands of outputs (the pairwise loop
    // took 5.5 s for `--samples 0-1999 --epsilons 0.1,0.2`). The file named is the first that matches, as before.
    var inputIndex: [String: Int] = [:], outputIndex: [String: Int] = [:]
    func first(_ table: [String: Int], _ file: (key: String, node: String?)) -> Int? {
        [table["path " + file.key], file.node.flatMap { table["node " + $0] }].compactMap { $0 }.min()
    }
    func remember(_ table: inout [String: Int], _ file: (key: String, node: String?), _ index: Int) {
        if table["path " + file.key] == nil { table["path " + file.key] = index }
        if let node = file.node, table["node " + node] == nil { table["node " + node] = index }
    }
    for (j, b) in keyed.enumerated() where !b.isOutput { remember(&inputIndex, (b.key, b.node), j) }
    for (i, a) in keyed.enumerated() where a.isOutput {
        if let j = first(outputIndex, (a.key, a.node)) ?? first(inputIndex, (a.key, a.node)) {
            let b = keyed[j]
            let role = b.isOutput ? "is also written as" : "is also read as"
            throw ValidationError("\(a.file.flag) \(a.file.path) \(role) \(b.file.flag) \(b.file.path); give a different output file")
        }
        remember(&outputIndex, (a.key, a.node), i)
    }
    // After the comparison: an output that is an input is named as such, not by a property of the input
    // (`verify net.onnx p.vnnlib --out p.vnnlib` on a read-only property said "is read-only").
    for output in outputs {
        try validateOutputFile(output.path, flag: output.flag, createsFolder: createsFolders, replacesModel: output.replacesModel)
    }
}

/// The figure format of an output file (issue 11, kind 3), one rule in every tool that writes figures: the name
/// must end in `.png`, `.svg` or `.pdf` (any case), and that extension is the format; a `--format` given too
/// must agree with it.
/// - Throws: `ValidationError` naming the flag, the path and the extensions allowed.
public func figureFormat(of path: String, flag: String, format: FigureFormat? = nil) throws -> FigureFormat {
    // A folder is the more useful thing to say than its (missing) extension.
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw ValidationError("\(flag) \(path) is a folder, not a file name")
    }
    guard let implied = FigureFormat(path: path) else {
        throw ValidationError("\(flag) \(path): a figure file must end in .png, .svg or .pdf (its format)")
    }
    if let format, format != implied {
        throw ValidationError("\(flag) \(path) ends in .\(implied.fileExtension) but --format is \(format.rawValue)")
    }
    return implied
}

/// Requires `path` to end in `.extension` (any case): the file written has that format, and a name that says
/// otherwise (`convert X.ckpt out.png`) is a mistake.
/// - Throws: `ValidationError` naming the flag, the path and the extension needed.
public func requireExtension(_ path: String, _ fileExtension: String, flag: String, writes what: String) throws {
    // `dir/.onnx` ends in the extension but is a hidden file with no name (its pathExtension is empty).
    if TypedPath.url(path).lastPathComponent.lowercased() == "." + fileExtension.lowercased() {
        throw ValidationError("\(flag) \(path): the file needs a name before .\(fileExtension) (e.g. model.\(fileExtension))")
    }
    guard TypedPath.url(path).pathExtension.lowercased() == fileExtension.lowercased() else {
        throw ValidationError("\(flag) \(path): \(what) is written, so the name must end in .\(fileExtension)")
    }
}
