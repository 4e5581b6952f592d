import ArgumentParser
import Foundation
import IBPFormats

/// Checks, before any work starts, that a file can be created at `path`; the write itself would fail too, but
/// only after a long evaluation or rendering. `path` must not be a folder, `-`, a symbolic link (`/dev/stdout`
/// included), a device, FIFO or socket (`AtomicFile.destination`), a name over the folder's NAME_MAX, or a file
/// without write bits, or an existing file that holds a model (`FileKind.holdsModel`: no output replaces a model;
/// `convert`, which writes models, checks its own `--force` and passes `replacesModel`); the temporary file the
/// write will use (`AtomicFile.temporaryURL`) is created and removed.
/// - Throws: `ValidationError` (usage, exit 64) naming the flag and the path as given.
/// - Parameters:
///   - flag: the option that named the path, for the message.
///   - createsFolder: the command creates missing folders of `path` (with `createOutputFolder`) just before
///     writing, as `--out-dir` and `train --out` do: then the nearest existing folder above must be writable and
///     nothing on the way may be a file. Otherwise the file's folder must exist and be writable.
///   - replacesModel: the command writes models and has checked itself that replacing this one is asked for.
public func validateOutputFile(_ path: String, flag: String, createsFolder: Bool = false, replacesModel: Bool = false) throws {
    // The path as the OS resolves it (`TypedPath`): `lnk/../z.png` is `z.png` in the folder `lnk/..` names.
    let url = TypedPath.url(path)
    let folder = URL(fileURLWithPath: TypedPath.folder(of: url.path), isDirectory: true)
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw ValidationError("\(flag) \(path) is a folder, not a file name")
    }
    // "-" would be a file named "-" in the working folder; a user typing it means standard output, which no
    // output flag writes (outputs are files, written atomically).
    if path == "-" {
        throw ValidationError("\(flag) -: outputs are written as files, not to standard output; give a file name (./- for a file named '-')")
    }
    // One rule for every output (`AtomicFile.destination`): a symbolic link (also /dev/stdout), a device, FIFO or
    // socket is refused, never written through or replaced by the written file.
    do {
        _ = try AtomicFile.destination(url)
    } catch let error as AtomicFile.WriteError {
        throw ValidationError("\(flag) \(path): \(error.reason)")
    }
    if let reason = AtomicFile.nameTooLong(url) { throw ValidationError("\(flag) \(path): \(reason)") }
    // One rule for what an output may replace (README, "Outputs"): a figure, report or result of an earlier run is
    // replaced, a model never (`--per-sample final.ckpt` would turn a trained checkpoint into CSV text).
    let kind = FileKind.ofFile(atPath: path)
    if kind.holdsModel && !replacesModel {
        throw ValidationError("\(flag) \(path) holds a model (\(kind.description)); no output replaces a model: "
                              + "give another name, or move the model away first")
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
        guard canCreateFile(in: folder.path, named: url.lastPathComponent) else {
            throw ValidationError("\(flag) \(path): folder \(folder.path) is not writable")
        }
        return
    }
    // The nearest existing folder above, by text (each step drops one component as typed, `..` included), so
    // the folder checked is the one the OS creates the missing ones in.
    var existing = folder.path
    while !FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder) {
        let parent = TypedPath.folder(of: existing)
        if parent == existing { break }
        existing = parent
    }
    guard isFolder.boolValue else {
        throw ValidationError("\(flag) \(path): \(existing) is a file, so the folder \(folder.path) cannot be created")
    }
    guard canCreateFile(in: existing, named: url.lastPathComponent) else {
        throw ValidationError("\(flag) \(path): folder \(existing) is not writable")
    }
}

/// Checks, before any work, a folder that outputs will be written into (`visualize --out-dir`, `verify
/// --counterexamples`): it exists as a folder, or the nearest existing folder above it is one in which it can be
/// created. The message names the folder as typed, never a file inside it (a probe name said
/// `--counterexamples run.ckpt/x: ...`); the files written are checked one by one with `validateOutputFile`.
/// - Throws: `ValidationError` (usage, exit 64) naming the flag and the folder.
public func validateOutputFolder(_ path: String, flag: String) throws {
    // The nearest existing folder above, by text as the OS creates the missing ones (`TypedPath`: `lnk/..` is the
    // folder the link's target is in, not the working folder).
    let typed = TypedPath.url(path, isDirectory: true).path
    var existing = typed, isFolder: ObjCBool = false
    while !FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder) {
        let parent = TypedPath.folder(of: existing)
        if parent == existing { break }
        existing = parent
    }
    guard isFolder.boolValue else {
        if existing == typed {
            throw ValidationError("\(flag) \(path) is a file, not a folder; give a folder name")
        }
        throw ValidationError("\(flag) \(path): cannot create the folder: \(existing) is a file, not a folder")
    }
    guard canCreateFile(in: existing, named: "index.md") else {
        throw ValidationError("\(flag) \(path): folder \(existing) is not writable")
    }
}

/// Whether the temporary file of a write of `name` can be created in `folder`, found by creating (and at once
/// removing) exactly the name `AtomicFile` will use (`AtomicFile.temporaryURL`): `access(W_OK)` says yes to root
/// for folders such as /proc or a read-only mount, and a shorter probe name passed where the temporary name of a
/// 250-byte output was too long, so both writes failed only after the work.
func canCreateFile(in folder: String, named name: String) -> Bool {
    guard hasWriteBits(folder), access(folder, W_OK) == 0 else { return false }
    let probe = AtomicFile.temporaryURL(of: URL(fileURLWithPath: TypedPath.join(folder, name))).path
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
    let folder = URL(fileURLWithPath: TypedPath.folder(of: TypedPath.url(path).path), isDirectory: true)
    if let reason = FolderCreation.create(folder) {
        throw OutputFolderError(message: "\(flag) \(path): cannot create the folder \(folder.path): \(reason)")
    }
}

/// A folder for an output that could not be created (a failure at run time, exit status 1).
public struct OutputFolderError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
