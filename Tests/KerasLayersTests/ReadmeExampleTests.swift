import Testing
import KerasJSON
import KerasLayers

/// The README's example, as written there, compiles and gives the shapes it claims.
@Test func readmeExample() throws {
    let pool = try MaxPooling2D(poolSize: [2, 2], strides: [1, 1], padding: .same)
    let x = try Tensor<Float>(shape: [1, 4, 4, 3], scalars: (0..<48).map(Float.init))
    let y = try pool(x)
    #expect(y.shape == [1, 4, 4, 3])

    let json = #"{"pool_size": [2, 2], "strides": [2, 2], "padding": "valid", "data_format": "channels_last"}"#
    let layer = try LayerRegistry.makeLayer(className: "MaxPooling2D", config: try JSONValue(parsing: json))
    let z = try layer.call(x, options: CallOptions()).output
    #expect(z.shape == [1, 2, 2, 3])
    // The window maximum of a ramp is its last element: x[0, 1, 1, c] = 15 + c.
    #expect(Array(z.scalars.prefix(3)) == [15, 16, 17])
}
