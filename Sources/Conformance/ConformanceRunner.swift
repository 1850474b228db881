import Foundation
import KerasJSON
import ReferenceData

/// Runs golden cases through a `LayerImplementation` and compares what it returns with Keras.
///
/// Each case is run on its own: an unreadable case or a layer that throws is an `error` for
/// that case, a layer the implementation does not have (or a call it declines) is `skipped`, and the run goes on. Cases
/// with the same id in files of other backends are the reference envelope for each other.
public struct ConformanceRunner: Sendable {
    public var implementation: any LayerImplementation
    public var toleranceOverride: ToleranceOverride
    public var comparator: Comparator
    /// Regular expressions on case ids: run ids matching `include` (all when nil) and not `exclude`.
    public var include: String?
    public var exclude: String?
    /// A regular expression the whole Keras class name must match (all classes when nil).
    public var layer: String?
    /// The backends whose cases run (all when nil).
    public var backends: [String]?
    /// Passed to every `LayerInvocation` (`--strict-config`, `--memory-budget`).
    public var strictConfig: Bool
    public var memoryBudget: Int?

    public init(
        implementation: any LayerImplementation, toleranceOverride: ToleranceOverride = .init(),
        comparator: Comparator = .init(), include: String? = nil, exclude: String? = nil,
        layer: String? = nil, backends: [String]? = nil, strictConfig: Bool = false, memoryBudget: Int? = nil
    ) {
        self.implementation = implementation
        self.toleranceOverride = toleranceOverride
        self.comparator = comparator
        self.include = include
        self.exclude = exclude
        self.layer = layer
        self.backends = backends
        self.strictConfig = strictConfig
        self.memoryBudget = memoryBudget
    }

    /// Reads every golden file under `paths` (files or folders) and runs their cases.
    /// Throws when a path cannot be read as a golden file at all.
    public func run(paths: [String]) throws -> RunReport {
        let files = try GoldenCollection.filePaths(paths).map { path throws(GoldenError) in try GoldenFile(contentsOf: path) }
        return try run(files: files)
    }

    /// Runs the cases of already-read golden files.
    ///
    /// The same case id on the same backend in more than one file is an error for each of
    /// them (never two backends); the reference envelope is the same id on the other,
    /// distinct backends.
    public func run(files: [GoldenFile]) throws -> RunReport {
        // Where each (id, backend) occurs, readable or not, to find duplicates.
        var occurrences: [CaseKey: [String]] = [:]
        for file in files {
            for entry in file.entries { occurrences[CaseKey(id: entry.id, backend: file.info.backend), default: []].append(file.path) }
        }
        // Every readable case by id, one per backend, for the envelope.
        var byID: [String: [GoldenCase]] = [:]
        for file in files {
            for c in file.cases where occurrences[CaseKey(id: c.id, backend: c.backend)]?.count == 1 { byID[c.id, default: []].append(c) }
        }

        let filter = try caseFilter()
        var results: [CaseResult] = []
        for file in files {
            for entry in file.entries
            where filter.selects(entry.id, layer: try? entry.result.get().layer, backend: file.info.backend) {
                let key = CaseKey(id: entry.id, backend: file.info.backend)
                if let paths = occurrences[key], paths.count > 1 {
                    let layer = (try? entry.result.get())?.layer ?? "?"
                    results.append(
                        CaseResult(
                            id: entry.id, backend: key.backend, layer: layer, origin: "", file: file.path, status: .error,
                            problems: [
                                CaseProblem(
                                    kind: .duplicate,
                                    details: "case '\(entry.id)' on backend \(key.backend) is in "
                                        + "\(paths.count) places (\(paths.joined(separator: ", "))); each must be in one file only")
                            ]))
                    continue
                }
                switch entry.result {
                case .failure(let error):
                    results.append(
                        CaseResult(
                            id: entry.id, backend: file.info.backend, layer: "?", origin: "", file: file.path,
                            status: .error, problems: [CaseProblem(kind: .unreadable, details: error.description)]))
                case .success(let goldenCase):
                    let others = (byID[goldenCase.id] ?? []).filter { $0.backend != goldenCase.backend }
                    results.append(run(goldenCase, references: others))
                }
            }
        }
        return RunReport(
            implementation: implementation.name, files: files.map { ($0.path, $0.info) }, cases: results,
            tolerance: toleranceOverride)
    }

    /// Runs one case; `references` are the same case captured on other backends. Only those of
    /// another backend whose inputs, mask, weights and call are identical to this case's span
    /// the envelope; the result notes every one left out, and why.
    public func run(_ goldenCase: GoldenCase, references: [GoldenCase] = []) -> CaseResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = judge(goldenCase, references: references)
        let elapsed = (clock.now - start).components
        result.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        return result
    }

    private func judge(_ goldenCase: GoldenCase, references: [GoldenCase]) -> CaseResult {
        var result = CaseResult(
            id: goldenCase.id, backend: goldenCase.backend, layer: goldenCase.layer, origin: goldenCase.origin,
            file: goldenCase.file, status: .error)
        guard implementation.implements(layer: goldenCase.layer) else {
            result.forward = .skipped
            result.problems = [
                CaseProblem(
                    kind: .notImplemented, details: "layer \(goldenCase.layer) is not implemented by \(implementation.name)")
            ]
            return result
        }
        let invocation = LayerInvocation(
            layer: goldenCase.layer, config: goldenCase.config, call: goldenCase.call,
            input: goldenCase.input, mask: goldenCase.mask, weights: goldenCase.weights,
            strictConfig: strictConfig, memoryBudget: memoryBudget,
            expectedOutputShape: goldenCase.error == nil ? goldenCase.output.shape : nil)
        if let reason = implementation.declines(invocation) {
            result.forward = .skipped
            result.problems = [CaseProblem(kind: .declined, details: "\(implementation.name) declines this call: \(reason)")]
            return result
        }
        if let kerasError = goldenCase.error {
            judgeRefused(&result, kerasError: kerasError, invocation: invocation, references: references)
            return result
        }
        let produced: LayerResult
        do {
            produced = try implementation.run(invocation)
        } catch {
            let refusing = references.filter { $0.error != nil }
            if !refusing.isEmpty {
                // Keras's backends disagree on whether the call is valid: refusing it as one of
                // them does is judged in that backend's run.
                result.forward = .skipped
                result.problems = [
                    CaseProblem(
                        kind: .refusedAsOtherBackend,
                        details: "the implementation refused the call (\(error)) as Keras on "
                            + "\(refusing.map { "\($0.backend) does (\($0.error ?? ""))" }.joined(separator: ", ")); "
                            + "Keras on \(result.backend) computed it; judged in the refusing backend's run")
                ]
                return result
            }
            result.problems = [CaseProblem(kind: .layerThrew, details: "the layer threw: \(error)")]
            result.forward = .error
            judgeBackward(&result, goldenCase, invocation: invocation, references: envelope(&result, goldenCase, references))
            return result
        }
        result.warnings = produced.warnings
        let references = envelope(&result, goldenCase, references)
        var comparisons = [
            compare(
                &result, goldenCase, "outputs/y", actual: produced.output, expected: goldenCase.output,
                others: references.map { Reference(backend: $0.backend, tensor: $0.output) })
        ]
        var problems: [CaseProblem] = []
        for (name, expected) in goldenCase.updated.sorted(by: { $0.key < $1.key }) {
            guard let actual = produced.updated[name] else {
                problems.append(
                    CaseProblem(
                        tensor: "updated/\(name)", kind: .missingUpdate,
                        details: "Keras updated '\(name)' but the implementation returned no update for it"))
                continue
            }
            comparisons.append(
                compare(
                    &result, goldenCase, "updated/\(name)", actual: actual, expected: expected,
                    others: references.compactMap { r in r.updated[name].map { Reference(backend: r.backend, tensor: $0) } }))
        }
        // A variable the implementation changed but Keras did not must keep its value.
        for (name, actual) in produced.updated.sorted(by: { $0.key < $1.key }) where goldenCase.updated[name] == nil {
            guard let before = goldenCase.weights[name] else {
                problems.append(
                    CaseProblem(
                        tensor: "updated/\(name)", kind: .unexpectedUpdate,
                        details: "the implementation updated '\(name)', which the case has no variable for"))
                continue
            }
            comparisons.append(
                comparator.compare(
                    name: "updated/\(name) (unchanged in Keras)", actual: actual, expected: before,
                    tolerance: tolerance(goldenCase, for: before)))
        }
        result.comparisons = comparisons
        result.produced = produced
        problems += comparisons.compactMap(\.failure)
        result.forward = problems.isEmpty ? .passed : .failed
        result.problems = problems
        judgeBackward(&result, goldenCase, invocation: invocation, references: references)
        return result
    }

    /// The backward part of a case with `inputs/dy` and gradients: the implementation's
    /// vector–Jacobian products at `dy` against every `grads/<name>` of Keras, each compared like
    /// an output (same tolerances, envelope, oracle and cancellation bound). Nothing for a
    /// forward-only case; `skipped` when the implementation has no backward pass (nil); `error`
    /// when it throws; otherwise `failed` when a gradient is off, missing, or one Keras has no
    /// record of.
    private func judgeBackward(
        _ result: inout CaseResult, _ goldenCase: GoldenCase, invocation: LayerInvocation, references: [GoldenCase]
    ) {
        guard let dy = goldenCase.dy, !goldenCase.grads.isEmpty else { return }
        let produced: [String: ReferenceTensor]?
        do {
            produced = try implementation.gradients(invocation, upstream: dy)
        } catch {
            result.backward = .error
            result.problems.append(CaseProblem(kind: .gradientsThrew, details: "the backward pass threw: \(error)"))
            return
        }
        guard let produced else {
            result.backward = .skipped
            result.backwardSkipReason = "\(implementation.name) has no backward pass for \(goldenCase.layer)"
            return
        }
        var problems: [CaseProblem] = []
        for (name, expected) in goldenCase.grads.sorted(by: { $0.key < $1.key }) {
            let label = "grads/\(name) \(expected.shapeDescription)"
            guard let actual = produced[name] else {
                problems.append(
                    CaseProblem(
                        tensor: label, kind: .missingGradient,
                        details: "Keras has this gradient but the implementation returned none for '\(name)'"))
                continue
            }
            let comparison = compare(
                &result, goldenCase, "grads/\(name)", label: label, actual: actual, expected: expected,
                others: references.compactMap { r in r.grads[name].map { Reference(backend: r.backend, tensor: $0) } })
            result.comparisons.append(comparison)
            if let failure = comparison.failure { problems.append(failure) }
        }
        for (name, actual) in produced.sorted(by: { $0.key < $1.key }) where goldenCase.grads[name] == nil {
            problems.append(
                CaseProblem(
                    tensor: "grads/\(name) \(actual.shapeDescription)", kind: .unexpectedGradient,
                    details: "the implementation returned a gradient for '\(name)', which Keras has no record of"))
        }
        result.backward = problems.isEmpty ? .passed : .failed
        result.problems += problems
    }

    /// A case Keras refused (`error`). The implementation must refuse it too when every backend
    /// holding the id refused it. When another backend computed the same call, Keras disagrees
    /// with itself on whether the call is valid, and either answer is Keras's: refusing it passes
    /// here, and computing it is skipped here and judged in the computing backend's run (where a
    /// refusal is in turn skipped), so each implementation is judged once, on the backend it sides with.
    private func judgeRefused(
        _ result: inout CaseResult, kerasError: String, invocation: LayerInvocation, references: [GoldenCase]
    ) {
        let computing = references.filter { $0.error == nil }.map(\.backend)
        let refusals = ["\(result.backend): \(kerasError)"] + references.compactMap { r in r.error.map { "\(r.backend): \($0)" } }
        let produced: LayerResult
        do {
            produced = try implementation.run(invocation)
        } catch {
            result.forward = .passed
            result.notes.append(
                "Keras refused the call (\(refusals.joined(separator: "; "))"
                    + (computing.isEmpty ? "" : "; \(computing.joined(separator: ", ")) computed it")
                    + "); the implementation refused it too: \(error)")
            return
        }
        result.warnings = produced.warnings
        result.produced = produced
        guard computing.isEmpty else {
            result.forward = .skipped
            result.problems = [
                CaseProblem(
                    kind: .kerasRefused,
                    details: "Keras on \(result.backend) refused the call (\(kerasError)); "
                        + "\(computing.joined(separator: ", ")) computed it, as the implementation did, and the implementation is judged in that run")
            ]
            return
        }
        result.forward = .failed
        result.problems = [
            CaseProblem(
                kind: .notRefused,
                details: "Keras refused the call (\(refusals.joined(separator: "; "))) but the implementation returned "
                    + "a value of shape \(produced.output.shapeDescription)")
        ]
    }

    /// The references that span the envelope: under `exact` none (nothing widens the tolerance);
    /// otherwise those called identically, each one left out noted with why.
    private func envelope(_ result: inout CaseResult, _ goldenCase: GoldenCase, _ references: [GoldenCase]) -> [GoldenCase] {
        guard !toleranceOverride.exact else { return [] }
        var usable: [GoldenCase] = []
        for reference in references {
            if let difference = goldenCase.envelopeMismatch(reference) {
                result.notes.append("no reference envelope from \(reference.backend) (\(reference.file)): \(difference)")
            } else {
                usable.append(reference)
            }
        }
        return usable
    }

    private func tolerance(_ goldenCase: GoldenCase, for tensor: ReferenceTensor) -> Tolerance {
        Tolerance.resolve(for: tensor.elementType, caseATol: goldenCase.atol, caseRTol: goldenCase.rtol, override: toleranceOverride)
    }

    /// One tensor at `path` ("outputs/y", "updated/<name>", "grads/<name>") against Keras's, with
    /// the other backends' values of it, and the case's oracle and cancellation bound for that
    /// path; reported under `label` (the path unless given).
    private func compare(
        _ result: inout CaseResult, _ goldenCase: GoldenCase, _ path: String, label: String? = nil,
        actual: ReferenceTensor, expected: ReferenceTensor, others: [Reference]
    ) -> TensorComparison {
        for (kind, extra) in [("oracle", goldenCase.oracle[path]), ("cancellation", goldenCase.cancellation[path])] {
            if let extra, extra.shape != expected.shape {
                result.notes.append("\(kind)/\(path) has shape \(extra.shapeDescription), not \(expected.shapeDescription); not used")
            }
        }
        let exact = toleranceOverride.exact
        // Whether two Keras values agree is a property of the case, not of the run's overrides.
        let agreement = Tolerance.resolve(
            for: expected.elementType, caseATol: goldenCase.atol, caseRTol: goldenCase.rtol, override: .init())
        // Under `exact` nothing widens the tolerance: no envelope, no cancellation bound, no oracle in it.
        return comparator.compare(
            name: label ?? path, actual: actual, expected: expected, backend: goldenCase.backend, references: others,
            oracle: goldenCase.oracle[path], cancellation: exact ? nil : goldenCase.cancellation[path],
            tolerance: tolerance(goldenCase, for: expected), agreement: agreement, oracleWidens: !exact)
    }
}

extension ConformanceRunner {
    /// The run's selection (`include`, `exclude`, `layer`, `backends`), compiled once per run, not per case.
    public func caseFilter() throws -> CaseFilter {
        try CaseFilter(include: include, exclude: exclude, layer: layer, backends: backends)
    }
}

/// A case on one backend: what must be unique across the files of a run.
struct CaseKey: Hashable {
    var id: String
    var backend: String
}
