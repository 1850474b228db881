import Foundation

/// The benchmark protocol. This is its one statement; `BENCHMARKS.md` quotes it, the Swift side
/// (`BenchWorker`) and the Keras side (`tools/bench/keras_worker.py`) apply it, and
/// `tools/bench/driver.py` runs them together.
///
/// - **Rounds.** A round takes one sample of every op (round-robin over the ops), so the samples of
///   one op are spread over the whole run. Round `r` starts at op `r mod ops` (the order rotating
///   every round), so that no op is always the first after another process's round, which leaves
///   the caches and page tables full of that process's data (the first op, `maxpool2d_3x3_s2_same`,
///   was 7-20 % slower in the Swift side's samples of a full run than alone with a fixed order).
///   `tools/benchmark` runs the Swift, TensorFlow and JAX
///   processes in alternating rounds (one round of each, the order rotating every round), so every
///   side sees the same machine state and a burst of outside load costs one sample of each op.
///   `warmupRounds` untimed rounds come first; `rounds` rounds are timed.
/// - **Cold.** Each cold sample reads inputs that no cache holds: an op's inputs are kept in
///   `rotationCount(inputBytes:)` distinct copies used in turn, so between two uses of one copy the
///   op itself has read the other copies, at least `coldFactor` × the L3 size.
/// - **Warm.** The op runs twice on the same input, the second run timed: what fits stays cached.
/// - **Statistics.** Median and 10th/90th percentiles (linear interpolation) of the timed samples.
/// - **Bytes.** Each input byte counted read once, each output byte written once: the least
///   traffic the op needs (a backward op reads x and dy and writes y and dx).
/// - **Roofline.** `StreamingCopy`: two threads read the op's bytes read and write its bytes
///   written with non-temporal stores, timed in the same rounds under the same cold protocol (its
///   sources rotate through a `CopyRing`). `roofline_fraction` = op GB/s / roofline GB/s. A cold
///   fraction above 1 means the protocol is wrong, not that the op beat the memory.
/// - **Scaling.** Each op again at the sizes `scalingBytesRead` (bytes read per step, from inside L2 to 8 × L3),
///   warm, `scalingRounds` timed rounds (setup has run each step once, and a warm sample runs its
///   input once untimed first, so no untimed round is needed), with the roofline copy cold and warm
///   at each size; one size of one op is set up at a time (the largest take gigabytes on the Keras side).
struct BenchProtocol: Sendable, Equatable {
    var rounds: Int
    var warmupRounds: Int
    /// Cold inputs: the other copies an op reads between two uses of one copy, in units of L3.
    var coldFactor: Int
    /// The last-level cache size assumed (`detectedL3Bytes`).
    var l3Bytes: Int
    /// Bytes read per step (x, and dy for a backward op) at the sizes of the scaling sweep.
    var scalingBytesRead: [Int]
    var scalingRounds: Int
    var scalingWarmupRounds: Int
    /// `--quick`: every op and side, at small sizes and few rounds (a smoke test, not a measurement).
    var quick: Bool

    /// The protocol of the published run: 25 timed rounds, inputs cold over 3 × L3; scaling at
    /// 256 KiB read (input and output fit the two 512 KiB L2 caches), 2 MiB (inside L3), L3 / 2
    /// (input and output together fill L3), 2 × L3 and 8 × L3, 3 timed rounds each (the plot shows the shape; the spread is stated).
    static func standard(l3Bytes: Int = detectedL3Bytes) -> BenchProtocol {
        BenchProtocol(
            rounds: 25, warmupRounds: 2, coldFactor: 3, l3Bytes: l3Bytes,
            scalingBytesRead: [256 << 10, 2 << 20, l3Bytes / 2, 2 * l3Bytes, 8 * l3Bytes], scalingRounds: 3, scalingWarmupRounds: 0, quick: false)
    }

    /// The smoke test: the main ops shrunk to `quickBytesRead`, three rounds, two small scaling sizes.
    static func quick(l3Bytes: Int = detectedL3Bytes) -> BenchProtocol {
        BenchProtocol(
            rounds: 3, warmupRounds: 1, coldFactor: 3, l3Bytes: l3Bytes,
            scalingBytesRead: [64 << 10, 256 << 10], scalingRounds: 2, scalingWarmupRounds: 0, quick: true)
    }

    /// The main ops' bytes read per step in quick mode.
    static let quickBytesRead = 1 << 20

    /// How many copies of an op's inputs (`inputBytes` in all) the cold samples rotate through:
    /// enough that the copies read between two uses of one copy total at least `coldFactor` × L3.
    func rotationCount(inputBytes: Int) -> Int {
        let others = (coldFactor * l3Bytes + inputBytes - 1) / max(1, inputBytes)
        return max(1, others) + 1
    }

    /// The L3 size: what Linux reports for this CPU, but at least 32 MiB (the host's L3 as the
    /// performance issue measured it; a VM may report its share of it).
    static let detectedL3Bytes: Int = max(32 << 20, sysfsCacheBytes(level: 3) ?? 0)

    /// `/sys/devices/system/cpu/cpu0/cache/index*/size` of the cache at `level` (unified or data), if any.
    static func sysfsCacheBytes(level: Int) -> Int? {
        let base = "/sys/devices/system/cpu/cpu0/cache"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return nil }
        for entry in entries.sorted() where entry.hasPrefix("index") {
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(base)/\(entry)/\(name)", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard read("level") == String(level), read("type") != "Instruction", let size = read("size") else { continue }
            return parseCacheSize(size)
        }
        return nil
    }

    /// `"16384K"` → 16 Mi; `"2M"` → 2 Mi; plain digits are bytes.
    static func parseCacheSize(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let last = text.last, let unit = units[last] { return Int(text.dropLast()).map { $0 * unit } }
        return Int(text)
    }
}

/// Summary statistics of timed samples.
enum SampleStatistics {
    /// The `p`-quantile (0...1) of `samples`, linear between the closest ranks (numpy's default).
    static func quantile(_ samples: [Double], _ p: Double) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}

/// A monotonic clock reading in seconds.
enum BenchClock {
    static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// The wall time of one run of `body`.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = seconds()
        try body()
        return seconds() - start
    }
}
