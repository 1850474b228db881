import ReferenceData
@testable import Conformance

/// A one-dimensional Keras tensor of `values` (float32 unless `type` says otherwise): the
/// element-by-element cases of the comparator's rules.
func tensor(_ values: [Double], _ type: ElementType = .float32) -> ReferenceTensor {
    ReferenceTensor(shape: [values.count], elementType: type, values: values)
}

/// float32's default tolerance (`Tolerance.defaults(for: .float32)`, checked in ComparatorTests).
let float32Tolerance = Tolerance.defaults(for: .float32)
