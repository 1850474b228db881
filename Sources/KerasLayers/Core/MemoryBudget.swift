/// The memory one layer call may allocate: its output, intermediates and scratch buffers.
///
/// A layer reserves every buffer whose size depends on the input, the config or the weights
/// here before allocating it, so that a shape that asks for too much (an adaptive pass that
/// would need terabytes, statistics for a huge axis hidden behind a zero batch, index arrays
/// the size of a huge pool window) is an error naming what it would have allocated, not a
/// crash or a machine swapping. The count is of bytes live at once: a call releases what it
/// frees before it returns (adaptive pooling's intermediate passes). Bookkeeping whose size is
/// the input's rank and the kernels' per-thread stack state are not counted.
public struct MemoryBudget: Sendable, Equatable {
    /// The default budget: 1 GiB per call, far above every golden case (the largest needs a few
    /// MiB) and far below what would hurt a CI machine. `--memory-budget` raises it.
    public static let defaultBytes = 1 << 30

    /// The limit, in bytes.
    public let bytes: Int
    /// The bytes reserved so far and not released.
    public private(set) var reserved = 0

    public init(bytes: Int = MemoryBudget.defaultBytes) {
        self.bytes = bytes
    }

    /// Reserves `count` elements of `type` for `what`, or throws when they do not fit in what is left.
    public mutating func reserve<T>(
        _ count: Int, of type: T.Type, for what: @autoclosure () -> String, layer: String
    ) throws(KerasLayerError) {
        let (size, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow, count >= 0, size <= bytes - reserved else {
            throw .memoryBudgetExceeded(
                layer: layer, what: what(), bytes: overflow || count < 0 ? nil : size, budget: bytes, reserved: reserved)
        }
        reserved += size
    }

    /// The product of `values`, or `Int.max` when it overflows (a count to reserve, where an
    /// overflowing product must fail the reservation rather than trap).
    static func saturatingProduct(_ values: [Int]) -> Int {
        var product = 1
        for v in values {
            let (p, overflow) = product.multipliedReportingOverflow(by: v)
            if overflow { return Int.max }
            product = p
        }
        return product
    }

    /// Returns `count` elements of `type` reserved earlier (a buffer the call freed).
    public mutating func release<T>(_ count: Int, of type: T.Type) {
        reserved -= count * MemoryLayout<T>.stride
    }
}
