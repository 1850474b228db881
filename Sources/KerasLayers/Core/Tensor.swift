import Foundation
import KerasJSON

/// A dense tensor: a shape and its elements in C (row-major) order, in one contiguous array.
///
/// The layers compute on `Tensor<Float>`, Keras's default float32; kernels take the
/// contiguous storage through `withUnsafeBufferPointer` so hot loops carry no bounds checks.
public struct Tensor<Scalar: Sendable>: Sendable {
    public private(set) var shape: [Int]
    /// The elements in row-major order. Read-only: `scalars.count` is always the product of
    /// `shape` (the kernels rely on it), so elements change only through `subscript(flat:)`
    /// or `setScalars(_:)`, which keep the count.
    public private(set) var scalars: [Scalar]

    /// Creates a tensor, checking that `scalars.count` is the product of `shape`.
    public init(shape: [Int], scalars: [Scalar]) throws(KerasLayerError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidInput("a tensor shape cannot have negative dimensions, got \(PythonLiteral.tuple(shape))")
        }
        let count = try Tensor.checkedCount(shape)
        guard count == scalars.count else {
            throw .invalidInput("shape \(PythonLiteral.tuple(shape)) holds \(count) elements but \(scalars.count) were given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of `shape` with every element `value`.
    public init(repeating value: Scalar, shape: [Int]) throws(KerasLayerError) {
        let count = try Tensor.checkedCount(shape)
        self.shape = shape
        self.scalars = Array(repeating: value, count: count)
    }

    /// Wraps storage whose count the caller already knows matches `shape` (used by kernels).
    init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// The number of elements of `shape`, refusing shapes whose count overflows or whose
    /// storage would exceed this machine's memory (an allocation that fails is a crash in
    /// Swift, so a layer asked for an absurd output says so instead).
    public static func checkedCount(_ shape: [Int]) throws(KerasLayerError) -> Int {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, dimension >= 0 else {
                throw .invalidInput("shape \(PythonLiteral.tuple(shape)) has more elements than can be counted")
            }
            count = product
        }
        let bytes = count.multipliedReportingOverflow(by: MemoryLayout<Scalar>.stride)
        guard !bytes.overflow, UInt64(bytes.partialValue) <= ProcessInfo.processInfo.physicalMemory else {
            throw .invalidInput("a tensor of shape \(PythonLiteral.tuple(shape)) (\(count) elements) would not fit in this machine's memory")
        }
        return count
    }

    /// Element `index` of the row-major storage (bounds-checked); setting it keeps the count.
    public subscript(flat index: Int) -> Scalar {
        get { scalars[index] }
        set { scalars[index] = newValue }
    }

    /// Replaces every element, in row-major order.
    /// - Throws: `KerasLayerError.invalidInput` unless `newScalars` has exactly `count` elements.
    public mutating func setScalars(_ newScalars: [Scalar]) throws(KerasLayerError) {
        guard newScalars.count == scalars.count else {
            throw .invalidInput("shape \(PythonLiteral.tuple(shape)) holds \(scalars.count) elements but \(newScalars.count) were given")
        }
        scalars = newScalars
    }

    public var rank: Int { shape.count }
    public var count: Int { scalars.count }

    /// Row-major strides in elements.
    public var strides: [Int] { Tensor.strides(for: shape) }

    static func strides(for shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws(KerasLayerError) -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }
}

extension Tensor: Equatable where Scalar: Equatable {}
