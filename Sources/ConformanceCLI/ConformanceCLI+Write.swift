import Foundation

extension ConformanceCLI {
    /// Writes `text` to the file at `path`, or to standard output when `path` is nil.
    ///
    /// A file is written atomically (a temporary file beside it, then renamed over it), so a
    /// reader never sees half a report. A failed write (full disk, closed standard output)
    /// throws an error that names the destination and ends the command with exit status 2.
    public static func write(_ text: String, to path: String?) throws {
        guard let path else {
            if standardOutputWasClosed { throw CLIError("cannot write standard output: it is closed") }
            do { try FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) } catch {
                throw CLIError("cannot write standard output: \(error.localizedDescription)")
            }
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
