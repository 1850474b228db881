import Foundation

/// Finds golden files: each path is a file, or a folder searched recursively for `*.h5`.
///
/// What a scan does with what it meets (nothing is passed over silently):
/// - a path that does not exist, a folder that cannot be listed (permission, a path longer
///   than the system allows), a folder holding no `*.h5`, and anything named `*.h5` (or given
///   directly) that is not a regular file (a FIFO, a socket, a device: reading it could block
///   forever) is an error naming it;
/// - a symbolic link to a folder found inside a scan is not followed (it could lead outside the
///   tree or back into it) and is listed in `skipped`; a folder given directly is always read,
///   link or not, and a link to a regular `*.h5` file is read.
public struct GoldenCollection: Sendable, Equatable {
    /// A path a scan did not enter, and why.
    public struct Skipped: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "skipped \(path): \(reason)" }
    }

    /// The golden files found: folders expanded and sorted, files kept in the given order.
    public var files: [String]
    /// What the scan found but did not enter.
    public var skipped: [Skipped]

    public init(scanning paths: [String]) throws(GoldenError) {
        files = []
        skipped = []
        for path in paths {
            switch try Self.kind(of: path, following: true) {
            case .directory, .symlinkToDirectory:
                let found = try scanFolder(path)
                // An empty folder is an error: a run that checks nothing must not look like a pass.
                guard !found.isEmpty else {
                    throw GoldenError(.unreadableFile, file: path, "no golden files (*.h5) in this folder")
                }
                files.append(contentsOf: found.sorted())
            case .regular:
                files.append(path)
            case .other(let what):
                throw GoldenError(.unreadableFile, file: path, "not a regular file (\(what)); refusing to read it")
            }
        }
    }

    /// The golden files under `paths` (see `init(scanning:)`); a path the scan would skip is an
    /// error here, for callers that have nowhere to report it.
    public static func filePaths(_ paths: [String]) throws(GoldenError) -> [String] {
        let collection = try GoldenCollection(scanning: paths)
        if let first = collection.skipped.first {
            throw GoldenError(.unreadableFile, file: first.path, first.reason)
        }
        return collection.files
    }

    /// The `*.h5` regular files below `root`, depth first; skipped links go to `skipped`.
    private mutating func scanFolder(_ root: String) throws(GoldenError) -> [String] {
        var found: [String] = []
        var pending = [root]
        while let folder = pending.popLast() {
            for name in try Self.entries(of: folder) {
                let path = (folder as NSString).appendingPathComponent(name)
                switch try Self.kind(of: path, following: false) {
                case .directory:
                    pending.append(path)
                case .symlinkToDirectory:
                    skipped.append(
                        Skipped(
                            path: path,
                            reason: "a symbolic link to a folder is not followed in a scan; "
                                + "name it as a path to read it"))
                case .regular where name.hasSuffix(".h5"):
                    found.append(path)
                case .other(let what) where name.hasSuffix(".h5"):
                    throw GoldenError(.unreadableFile, file: path, "not a regular file (\(what)); refusing to read it")
                case .regular, .other:
                    continue
                }
            }
        }
        return found
    }

    private enum Kind: Equatable {
        case regular, directory, symlinkToDirectory
        case other(String)
    }

    /// What `path` is; a link is followed when `following`, else a link to a file counts as the
    /// file and a link to a folder as `symlinkToDirectory`.
    private static func kind(of path: String, following: Bool) throws(GoldenError) -> Kind {
        var info = stat()
        if !following {
            guard lstat(path, &info) == 0 else { throw failure(path, "cannot inspect it") }
            if info.st_mode & S_IFMT == S_IFLNK {
                var target = stat()
                guard stat(path, &target) == 0 else { throw failure(path, "cannot follow the symbolic link") }
                return target.st_mode & S_IFMT == S_IFDIR ? .symlinkToDirectory : kind(target)
            }
            return kind(info)
        }
        guard stat(path, &info) == 0 else {
            throw errno == ENOENT ? GoldenError(.unreadableFile, file: path, "no such file or folder") : failure(path, "cannot inspect it")
        }
        return kind(info)
    }

    private static func kind(_ info: stat) -> Kind {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFIFO: return .other("a FIFO")
        case S_IFSOCK: return .other("a socket")
        case S_IFCHR: return .other("a character device")
        case S_IFBLK: return .other("a block device")
        default: return .other("an unknown kind of file")
        }
    }

    /// The names in `folder` (without `.` and `..`).
    private static func entries(of folder: String) throws(GoldenError) -> [String] {
        guard let directory = opendir(folder) else { throw failure(folder, "cannot list the folder") }
        defer { closedir(directory) }
        var names: [String] = []
        errno = 0
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        guard errno == 0 else { throw failure(folder, "cannot list the folder") }
        return names
    }

    /// An error naming `path`, with the system's reason (`errno`).
    private static func failure(_ path: String, _ what: String) -> GoldenError {
        GoldenError(.unreadableFile, file: path, "\(what): \(String(cString: strerror(errno)))")
    }
}
