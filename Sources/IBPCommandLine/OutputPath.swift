import ArgumentParser
import Foundation
import IBPFormats

/// Checks, before any work starts, that a file can be created at `path`; the write itself would fail too, but
/// only after a long evaluation or rendering.
/// - Parameters:
///   - flag: the option that named the path, for the message.
///   - createsFolder: the command creates missing folders of `path` (with `createOutputFolder`) just before
///     writing, as `--out-dir` and `train --out` do: then the nearest existing folder above must be writable and
///     nothing on the way may be a file. Otherwise the file's folder must exist and be writable.
public func validateOutputFile(_ path: String, flag: String, createsFolder: Bool = false) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw ValidationError("\(flag) \(path) is a folder, not a file name")
    }
    // A device, FIFO or socket (also behind a link) is never replaced by the written file (`AtomicFile.destination`).
    do {
        _ = try AtomicFile.destination(URL(fileURLWithPath: path))
    } catch let error as AtomicFile.WriteError {
        throw ValidationError("\(flag) \(error)")
    }
    // The permission bits are the user's intent, even for root (whom the probe below lets write anywhere): a file
    // or folder without write bits is not replaced.
    if FileManager.default.fileExists(atPath: path), !hasWriteBits(path) {
        throw ValidationError("\(flag) \(path) is read-only (no write permission bits); make it writable or choose another file")
    }
    guard createsFolder else {
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("\(flag) \(path): folder \(folder.path) does not exist")
        }
        guard canCreateFile(in: folder.path) else {
            throw ValidationError("\(flag) \(path): folder \(folder.path) is not writable")
        }
        return
    }
    var existing = folder.standardizedFileURL
    while !FileManager.default.fileExists(atPath: existing.path, isDirectory: &isFolder) {
        let parent = existing.deletingLastPathComponent()
        if parent.path == existing.path { break }
        existing = parent
    }
    guard isFolder.boolValue else {
        throw ValidationError("\(flag) \(path): \(existing.path) is a file, so the folder \(folder.path) cannot be created")
    }
    guard canCreateFile(in: existing.path) else {
        throw ValidationError("\(flag) \(path): folder \(existing.path) is not writable")
    }
}

/// Whether a file can be created in `folder`, found by creating (and at once removing) an empty probe file:
/// `access(W_OK)` says yes to root for folders such as /proc or a read-only mount, where the write itself
/// would fail only after the work (and name a temporary file).
func canCreateFile(in folder: String) -> Bool {
    guard hasWriteBits(folder), access(folder, W_OK) == 0 else { return false }
    let probe = URL(fileURLWithPath: folder).appendingPathComponent(".ibp-write-probe.\(getpid()).\(UInt32.random(in: 0...UInt32.max))").path
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { return false }
    close(fd)
    unlink(probe)
    return true
}

/// Whether any of the owner, group or other write bits of `path` is set (following links). Root may write without
/// them, but a file or folder made read-only says the user does not want it changed.
func hasWriteBits(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return true }
    return info.st_mode & 0o222 != 0
}

/// Creates the missing folders of the file `path` (call it right before writing, after `validateOutputFile`
/// with `createsFolder`, so that a command that fails earlier leaves no empty folders behind).
/// - Throws: a `SettingsError` (runtime) naming the flag and the folder.
public func createOutputFolder(for path: String, flag: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    if let reason = FolderCreation.create(folder) {
        throw OutputFolderError(message: "\(flag) \(path): cannot create the folder \(folder.path): \(reason)")
    }
}

/// A folder for an output that could not be created (a failure at run time, exit status 1).
public struct OutputFolderError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
