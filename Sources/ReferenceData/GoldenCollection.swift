import Foundation

/// Finds golden files: each path is a file, or a folder searched recursively for `*.h5`
/// (a folder holding none is an error).
public enum GoldenCollection {
    /// The golden files under `paths`, folders expanded and sorted, files kept in the given order.
    public static func filePaths(_ paths: [String]) throws(GoldenError) -> [String] {
        var result: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw GoldenError(.unreadableFile, file: path, "no such file or folder")
            }
            guard isDirectory.boolValue else {
                result.append(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                throw GoldenError(.unreadableFile, file: path, "cannot list the folder")
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".h5") { found.append((path as NSString).appendingPathComponent(relative)) }
            }
            // An empty folder is an error: a run that checks nothing must not look like a pass.
            guard !found.isEmpty else { throw GoldenError(.unreadableFile, file: path, "no golden files (*.h5) in this folder") }
            result.append(contentsOf: found.sorted())
        }
        return result
    }
}
