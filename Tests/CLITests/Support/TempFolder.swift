import Foundation
import XCTest

enum TempFolder {
    /// A fresh empty folder under the temporary folder.
    static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ibp-cli-\(prefix)-\(getpid())-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh folder removed when `test` ends.
    static func make(for test: XCTestCase) throws -> URL {
        let url = try make(prefix: "test")
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Every path under `folder`, relative to it, with the file sizes: equal listings mean nothing was
    /// created, removed or rewritten with another size.
    static func listing(_ folder: URL) -> [String: Int] {
        var result: [String: Int] = [:]
        let base = folder.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey]) else {
            return result
        }
        for case let url as URL in walker {
            let path = url.resolvingSymlinksInPath().path
            let relative = path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
            result[relative] = (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? -1
        }
        return result
    }
}
