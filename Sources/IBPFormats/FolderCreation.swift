import Foundation

/// Creating an output folder (with its missing parents), with the reason when it cannot be done.
public enum FolderCreation {
    /// Creates `folder` and its missing parents.
    /// - Returns: nil on success (or when the folder exists), else why it cannot be created, in a few words naming
    ///   the path at fault: "/a/b is a file, not a folder", "/a is not writable", or the system's reason.
    public static func create(_ folder: URL) -> String? {
        let folder = TypedPath.url(folder)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return nil
        } catch {
            return reason(folder, error)
        }
    }

    /// Why `folder` could not be created: the first existing path on the way down that is a file, or whose write
    /// permission is missing, else the underlying POSIX error's text.
    static func reason(_ folder: URL, _ error: Error) -> String {
        // Walked up by text, one component as typed at a time (`..` included), as the OS creates the folders.
        var existing = folder.path
        var isFolder: ObjCBool = false
        while !FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder), existing != "/" {
            let parent = TypedPath.folder(of: existing)
            if parent == existing { break }
            existing = parent
        }
        if !isFolder.boolValue { return "\(existing) is a file, not a folder" }
        if existing != folder.path && access(existing, W_OK) != 0 {
            return "\(existing) is not writable"
        }
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code))).lowercased()
        }
        return FileText.reason(error)
    }
}
