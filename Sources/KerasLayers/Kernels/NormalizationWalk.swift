/// A row-major traversal of a tensor shape for up to four operands that share the shape
/// through broadcasting: each operand has its own element strides, 0 along the axes it
/// does not vary on (a per-channel vector has stride 0 on every axis but the channel's).
///
/// Size-1 axes are dropped and adjacent axes are merged wherever every operand allows it
/// (`stride[d] == stride[d + 1] * size[d + 1]`), so a traversal is a loop over "rows" of
/// the innermost merged axis — as long as possible — with one base offset per operand
/// and per row. The kernels then run a tight loop over each row, specialised on whether
/// an operand's inner stride is 0 (constant along the row) or 1 (contiguous).
struct NormWalk: Sendable {
    /// Sizes of the merged outer axes, outermost first (may be empty).
    let outerSizes: [Int]
    /// Per merged outer axis, the stride of each operand.
    let outerStrides: [SIMD4<Int>]
    /// Length of the innermost merged axis.
    let rowLength: Int
    /// Stride of each operand along the innermost merged axis.
    let innerStrides: SIMD4<Int>
    /// Number of rows: the product of `outerSizes`.
    let rowCount: Int

    /// `strides[d]` gives the four operands' strides along axis `d` of `shape`
    /// (unused operand lanes: 0).
    init(shape: [Int], strides: [SIMD4<Int>]) {
        precondition(shape.count == strides.count)
        if shape.contains(0) {
            // Nothing to visit; the other sizes may be huge, so they are never multiplied.
            (outerSizes, outerStrides, rowLength, innerStrides, rowCount) = ([], [], 0, SIMD4<Int>(repeating: 0), 0)
            return
        }
        var sizes: [Int] = []
        var steps: [SIMD4<Int>] = []
        for d in shape.indices where shape[d] != 1 {
            sizes.append(shape[d])
            steps.append(strides[d])
        }
        if sizes.isEmpty {
            sizes = [1]
            steps = [SIMD4<Int>(repeating: 0)]
        }
        // Merge from the innermost axis outwards.
        var mergedSizes = [sizes[sizes.count - 1]]
        var mergedStrides = [steps[steps.count - 1]]
        var d = sizes.count - 2
        while d >= 0 {
            let last = mergedSizes.count - 1
            if steps[d] == mergedStrides[last] &* SIMD4<Int>(repeating: mergedSizes[last]) {
                mergedSizes[last] *= sizes[d]
            } else {
                mergedSizes.append(sizes[d])
                mergedStrides.append(steps[d])
            }
            d -= 1
        }
        mergedSizes.reverse()
        mergedStrides.reverse()
        rowLength = mergedSizes.removeLast()
        innerStrides = mergedStrides.removeLast()
        outerSizes = mergedSizes
        outerStrides = mergedStrides
        rowCount = mergedSizes.reduce(1, *)
    }

    /// Calls `body(offsets)` for every row in `rows` (row indices in `0..<rowCount`), in
    /// order, with the four operands' offsets of the row's first element.
    @inline(__always)
    func forEachRow(in rows: Range<Int>, _ body: (SIMD4<Int>) -> Void) {
        guard !rows.isEmpty, rowLength > 0 else { return }
        let n = outerSizes.count
        if n == 0 {
            body(SIMD4<Int>(repeating: 0))
            return
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: n) { index in
            var offsets = SIMD4<Int>(repeating: 0)
            var r = rows.lowerBound
            for d in stride(from: n - 1, through: 0, by: -1) {
                let i = r % outerSizes[d]
                r /= outerSizes[d]
                index[d] = i
                offsets &+= outerStrides[d] &* SIMD4<Int>(repeating: i)
            }
            outerSizes.withUnsafeBufferPointer { sizes in
                outerStrides.withUnsafeBufferPointer { steps in
                    for _ in rows {
                        body(offsets)
                        var d = n - 1
                        while d >= 0 {
                            index[d] += 1
                            offsets &+= steps[d]
                            if index[d] < sizes[d] { break }
                            offsets &-= steps[d] &* SIMD4<Int>(repeating: sizes[d])
                            index[d] = 0
                            d -= 1
                        }
                    }
                }
            }
        }
    }

    /// Row-major (C order) strides of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        keptStrides(shape, kept: Array(repeating: true, count: shape.count))
    }

    /// Strides of a tensor laid out over the `kept` axes of `shape` only (row-major in the
    /// order of the axes), 0 along the others: the index of a reduced statistic.
    static func keptStrides(_ shape: [Int], kept: [Bool]) -> [Int] {
        var strides = Array(repeating: 0, count: shape.count)
        var running = 1
        for d in shape.indices.reversed() where kept[d] {
            strides[d] = running
            running *= shape[d]
        }
        return strides
    }

    /// Zips per-operand stride lists (each over the same axes) into `SIMD4` lanes.
    static func lanes(_ a: [Int], _ b: [Int], _ c: [Int]? = nil, _ d: [Int]? = nil) -> [SIMD4<Int>] {
        a.indices.map { SIMD4(a[$0], b[$0], c?[$0] ?? 0, d?[$0] ?? 0) }
    }
}
