import ArgumentParser
import Foundation

/// Checks, before any work starts, that a file can be created at `path`: its folder exists, is a folder and
/// is writable. The write itself would fail too, but only after a long evaluation or rendering.
/// - Parameter flag: the option that named the path, for the message.
public func validateOutputFile(_ path: String, flag: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(flag) \(path): folder \(folder.path) does not exist")
    }
    guard access(folder.path, W_OK) == 0 else {
        throw ValidationError("\(flag) \(path): folder \(folder.path) is not writable")
    }
}
