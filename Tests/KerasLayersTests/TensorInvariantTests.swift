@testable import KerasLayers
import Testing

/// Issue 9: a tensor's element count always matches its shape. `scalars` is read-only outside
/// the type; elements change only in place or all at once with the same count.
@Suite struct TensorInvariantTests {
    @Test("setScalars refuses a different count and leaves the tensor as it was")
    func setScalars() throws {
        var x = try Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(throws: KerasLayerError.self) { try x.setScalars([1, 2]) }
        #expect(x.scalars.count == 6 && x.shape == [2, 3])
        try x.setScalars([6, 5, 4, 3, 2, 1])
        x[flat: 0] = 7
        #expect(x.scalars == [7, 5, 4, 3, 2, 1])
        // The layers see a consistent tensor after either mutation.
        let y = try GlobalMaxPooling1D()(try x.reshaped([1, 2, 3]))
        #expect(y.scalars == [7, 5, 4])
    }
}
