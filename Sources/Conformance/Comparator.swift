import ReferenceData

/// Element-by-element comparison with numpy's `assert_allclose` rule, a reference envelope,
/// the cancellation bound of Keras's formula, and arbitration by a float64 oracle.
///
/// Checks, in order and each with its own message: shape, element type, the positions
/// of NaN and ±Inf, then values. At element i, let K be the Keras values there: this
/// backend's `expected` first, then the other backends' (`references`). K is *disputed*
/// when some other backend's value is not within `agreement` of `expected`,
///
///     |r − expected| > atol_a + rtol_a·|expected| + cancellation      (NaN against a number too),
///
/// `agreement` being the element type's tolerance. At a disputed element with an `oracle`,
/// the trusted values T are those of K within `agreement` of the oracle (the others are
/// Keras bug candidates).
///
/// Where no Keras value agrees with the oracle o (all finite),
///
///     |k − o| > atol_a + rtol_a·|o| + cancellation      for every k in K,
///
/// Keras's own evaluation lost accuracy there (its float32 formula cancels, e.g. the backward
/// pass of a normalization over inputs with a large offset, where dL/dinv = Σdy·x − mean·Σdy
/// cancels on every backend), and the oracle joins the trusted values: T = K ∪ {o}, so the
/// envelope spans from Keras's values to the exact one (c stays Keras's value). This is the
/// project's rule (docs/golden-schema.md, "Float64 oracle"; CI.md, "Tolerances"). Where the
/// backends agree with each other, such an element is counted as `offOracle` ("Keras off the
/// float64 oracle") and listed beside the disputes; where they disagree, it is a dispute the
/// oracle did not settle, every backend a Keras bug candidate. Neither hides in a pass. With
/// `oracleWidens` false (`--exact`) the oracle never joins T: a disputed element without an
/// agreeing backend is judged against `expected` alone, an undisputed one against K.
/// Everywhere else T is K. The oracle applies to floating-point tensors only: an integer
/// tensor is Keras's cast of its computation, which the float64 evaluation does not make.
/// With c the value judged against (`expected` when trusted, else the first trusted),
/// a finite actual value matches when
///
///     |actual − c| ≤ atol + rtol·|c| + spread + cancellation,
///
/// `spread` being the largest |t − c| over the finite trusted values t (the envelope:
/// where Keras disagrees with itself, our error may be as large as its own disagreement).
/// A NaN matches when some trusted value is NaN, ±Inf when some trusted value is equal.
/// `cancellation` is the case's per-element bound of the rounding Keras's own formula loses
/// (`cancellation/<path>`), 0 where the file has none.
public struct Comparator: Sendable {
    /// How many mismatches (and disputes) a comparison keeps for the report.
    public var reportLimit: Int
    /// How many of the elements closest to their bound a comparison keeps (`worst`).
    public var worstLimit: Int
    /// Whether a comparison also keeps its first `reportLimit` elements, matching or not (`listed`).
    public var listsEveryElement: Bool

    public init(reportLimit: Int = 10, worstLimit: Int = 5, listsEveryElement: Bool = false) {
        self.reportLimit = reportLimit
        self.worstLimit = worstLimit
        self.listsEveryElement = listsEveryElement
    }

    public func compare(
        name: String,
        actual: ReferenceTensor,
        expected: ReferenceTensor,
        backend: String = "",
        references: [Reference] = [],
        oracle: ReferenceTensor? = nil,
        cancellation: ReferenceTensor? = nil,
        tolerance: Tolerance,
        agreement: Tolerance? = nil,
        oracleWidens: Bool = true
    ) -> TensorComparison {
        var result = TensorComparison(
            name: name, tolerance: tolerance, failure: nil, elements: expected.count, mismatched: 0,
            mismatches: [], worstMismatch: nil, maxAbsDiff: 0, maxAbsDiffIndex: nil, maxRelDiff: 0, maxRelDiffIndex: nil,
            maxUlpDiff: nil, spread: 0, disputed: 0, hasOracle: false, arbitrated: 0, disputes: [], kerasBugCandidates: [],
            fractionOfAllowedUsed: 0
        )
        guard actual.shape == expected.shape else {
            result.failure = CaseProblem(
                tensor: name, kind: .shape,
                details: "shape mismatch: got \(actual.shapeDescription), Keras gave \(expected.shapeDescription)")
            result.mismatched = expected.count
            return result
        }
        guard actual.elementType == expected.elementType else {
            result.failure = CaseProblem(
                tensor: name, kind: .elementType,
                details: "element type mismatch: got \(actual.elementType.rawValue), Keras gave \(expected.elementType.rawValue)")
            result.mismatched = expected.count
            return result
        }
        // Only tensors of the same shape (and, for references, type) describe the same tensor.
        let envelope = references.filter { $0.tensor.shape == expected.shape && $0.tensor.elementType == expected.elementType }
        let oracle = oracle.flatMap { $0.shape == expected.shape && expected.elementType.isFloatingPoint ? $0 : nil }
        result.hasOracle = oracle != nil
        let cancellation = cancellation.flatMap { $0.shape == expected.shape ? $0 : nil }
        let agreement = agreement ?? Tolerance.defaults(for: expected.elementType)
        let strides = Self.strides(expected.shape)
        var nonFiniteMismatches = 0
        var maxUlp: Double? = nil
        var candidates = Set<String>()

        for i in 0..<expected.count {
            let e = expected.values[i]
            let a = actual.values[i]
            let lost = cancellation.map { c in c.values[i].isFinite && c.values[i] > 0 ? c.values[i] : 0 } ?? 0
            func agrees(_ x: Double, _ y: Double) -> Bool {
                if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
                if !x.isFinite || !y.isFinite { return x == y }
                return abs(x - y) <= agreement.atol + agreement.rtol * abs(y) + lost
            }
            let keras =
                [Dispute.BackendValue(backend: backend, value: e)]
                + envelope.map { Dispute.BackendValue(backend: $0.backend, value: $0.tensor.values[i]) }
            var trusted = keras
            if keras.dropFirst().contains(where: { !agrees($0.value, e) }) {
                result.disputed += 1
                var dispute = Dispute(index: Self.multiIndex(i, strides), values: keras, oracle: nil, agreeing: [])
                if let oracle {
                    let o = oracle.values[i]
                    let agreeing = keras.filter { agrees($0.value, o) }
                    candidates.formUnion(keras.filter { !agrees($0.value, o) }.map(\.backend))
                    if !agreeing.isEmpty {
                        trusted = agreeing
                    } else if oracleWidens && o.isFinite && keras.allSatisfy({ $0.value.isFinite }) {
                        trusted = keras + [Dispute.BackendValue(backend: "oracle", value: o)]
                    } else {
                        trusted = [keras[0]]
                    }
                    if !agreeing.isEmpty { result.arbitrated += 1 }
                    dispute.oracle = o
                    dispute.agreeing = agreeing.map(\.backend)
                }
                if result.disputes.count < reportLimit { result.disputes.append(dispute) }
            } else if oracleWidens, let o = oracle?.values[i], o.isFinite, keras.allSatisfy({ $0.value.isFinite }),
                !keras.contains(where: { agrees($0.value, o) })
            {
                result.offOracle += 1
                if result.offOracleElements.count < reportLimit {
                    result.offOracleElements.append(
                        Dispute(index: Self.multiIndex(i, strides), values: keras, oracle: o, agreeing: []))
                }
                trusted = keras + [Dispute.BackendValue(backend: "oracle", value: o)]
            }
            let finite = trusted.map(\.value).filter(\.isFinite)
            let c = finite.first ?? trusted[0].value
            var spread = 0.0
            for t in finite { spread = max(spread, abs(t - c)) }
            result.spread = max(result.spread, spread)
            let allowed = tolerance.atol + tolerance.rtol * abs(c) + spread + lost

            if !a.isFinite || !c.isFinite {
                let same = trusted.contains { ($0.value.isNaN && a.isNaN) || $0.value == a }
                if listsEveryElement && result.listed.count < reportLimit {
                    result.listed.append(
                        Mismatch(
                            index: Self.multiIndex(i, strides), actual: a, expected: c, absDiff: same ? 0 : .infinity,
                            relDiff: same ? 0 : .infinity, ulpDiff: nil, spread: spread, cancellation: lost, allowed: allowed))
                }
                if !same {
                    nonFiniteMismatches += 1
                    record(
                        &result,
                        Mismatch(
                            index: Self.multiIndex(i, strides), actual: a, expected: c,
                            absDiff: .infinity, relDiff: .infinity, ulpDiff: nil, spread: spread, cancellation: lost, allowed: allowed))
                }
                continue
            }
            let absDiff = abs(a - c)
            let relDiff = absDiff == 0 ? 0 : (c == 0 ? .infinity : absDiff / abs(c))
            let ulp = Self.ulpDistance(a, c, expected.elementType)
            if let ulp { maxUlp = max(maxUlp ?? 0, ulp) }
            if absDiff > result.maxAbsDiff || result.maxAbsDiffIndex == nil {
                result.maxAbsDiff = absDiff
                result.maxAbsDiffIndex = Self.multiIndex(i, strides)
            }
            if relDiff > result.maxRelDiff || result.maxRelDiffIndex == nil {
                result.maxRelDiff = relDiff
                result.maxRelDiffIndex = Self.multiIndex(i, strides)
            }
            if listsEveryElement && result.listed.count < reportLimit {
                result.listed.append(
                    Mismatch(
                        index: Self.multiIndex(i, strides), actual: a, expected: c,
                        absDiff: absDiff, relDiff: relDiff, ulpDiff: ulp, spread: spread, cancellation: lost, allowed: allowed))
            }
            let ratio = Self.fractionOfAllowedUsed(absDiff, allowed)
            result.fractionOfAllowedUsed = max(result.fractionOfAllowedUsed, ratio)
            result.usedFractions.add(ratio)
            let failing = absDiff > allowed
            let nearBound =
                ratio > 0 && worstLimit > 0
                && (result.worst.count < worstLimit || ratio > result.worst.last.map(\.fractionOfAllowedUsed) ?? 0)
            if failing || nearBound {
                let element = Mismatch(
                    index: Self.multiIndex(i, strides), actual: a, expected: c,
                    absDiff: absDiff, relDiff: relDiff, ulpDiff: ulp, spread: spread, cancellation: lost, allowed: allowed)
                if failing { record(&result, element) }
                if nearBound { keepWorst(&result, element, ratio) }
            }
        }
        result.maxUlpDiff = maxUlp
        result.kerasBugCandidates = candidates.sorted()
        if nonFiniteMismatches > 0 {
            result.failure = CaseProblem(
                tensor: name, kind: .nonFinite,
                details: "NaN/±Inf positions differ at \(nonFiniteMismatches) of \(expected.count) elements")
        } else if result.mismatched > 0 {
            let percent = Double(result.mismatched) * 100 / Double(max(expected.count, 1))
            result.failure = CaseProblem(
                tensor: name, kind: .values,
                details: "values differ at \(result.mismatched) of \(expected.count) elements (\(Self.format(percent))%)")
        }
        return result
    }

    /// Inserts `element` into `result.worst` (sorted by used fraction, largest first, ties in C order).
    private func keepWorst(_ result: inout TensorComparison, _ element: Mismatch, _ ratio: Double) {
        let position = result.worst.firstIndex { $0.fractionOfAllowedUsed < ratio } ?? result.worst.count
        result.worst.insert(element, at: position)
        if result.worst.count > worstLimit { result.worst.removeLast() }
    }

    /// The fraction of its allowed error an element used: |diff| / allowed (0 when both are 0, ∞ when only allowed is).
    public static func fractionOfAllowedUsed(_ absDiff: Double, _ allowed: Double) -> Double {
        allowed > 0 ? absDiff / allowed : (absDiff == 0 ? 0 : .infinity)
    }

    private func record(_ result: inout TensorComparison, _ mismatch: Mismatch) {
        result.mismatched += 1
        if result.mismatches.count < reportLimit { result.mismatches.append(mismatch) }
        if mismatch.fractionOfAllowedUsed > result.worstMismatch?.fractionOfAllowedUsed ?? 0 { result.worstMismatch = mismatch }
    }
}
