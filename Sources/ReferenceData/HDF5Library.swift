import CHDF5
import Foundation

/// The one lock every HDF5 call goes through: the Debian build of libhdf5 is not
/// thread-safe, and its error stack is global state.
///
/// Recursive, so that a handle closed in `deinit` while a read is under way does not deadlock.
enum HDF5Library {
    private static let lock: NSRecursiveLock = {
        let lock = NSRecursiveLock()
        lock.name = "ReferenceData.HDF5Library"
        return lock
    }()

    nonisolated(unsafe) private static var initialized = false

    /// Runs `body` holding the HDF5 lock, with the library open and its stderr printing off.
    static func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        if !initialized {
            _ = H5open()
            _ = chdf5_silence_errors()
            initialized = true
        }
        return try body()
    }

    /// The messages on HDF5's error stack (innermost first), for error reports. Call right
    /// after a failing HDF5 call, inside `locked`.
    static func errorStackMessages() -> [String] {
        final class Collector { var messages: [String] = [] }
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        _ = H5Ewalk2(
            hid_t(H5E_DEFAULT), H5E_WALK_UPWARD,
            { _, description, context in
                guard let description, let context else { return 0 }
                let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                if let text = description.pointee.desc {
                    let message = String(cString: text)
                    if !message.isEmpty { collector.messages.append(message) }
                }
                return 0
            }, context)
        _ = H5Eclear2(hid_t(H5E_DEFAULT))
        return collector.messages
    }

    /// A short reason from the error stack: the innermost message, or `fallback`.
    static func reason(_ fallback: String) -> String {
        let messages = errorStackMessages()
        guard let first = messages.first else { return fallback }
        return "\(fallback) (HDF5: \(first))"
    }
}
