import Foundation

/// The identity of an existing file: its device and inode, equal for every hard link to one file (paths differ,
/// `realpath` keeps them apart). Used wherever two names must not denote one file: a run's outputs against its
/// inputs (IBPCommandLine's `validateRunFiles`), a model given twice (`visualize --model a --model a`), an instance
/// list's properties (`InstanceList`).
public enum FileIdentity {
    /// "device:inode" of the file at `path` (links followed), or nil when it does not exist.
    public static func node(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_dev):\(info.st_ino)"
    }
}
