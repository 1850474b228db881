import Foundation
import KerasJSON
import ReferenceData

/// Runs golden cases through a `LayerImplementation` and compares what it returns with Keras.
///
/// Each case is run on its own: an unreadable case or a layer that throws is an `error` for
/// that case, a layer the implementation does not have is `skipped`, and the run goes on. Cases
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
            result.status = .skipped
            result.problems = [
                CaseProblem(
                    kind: .notImplemented, details: "layer \(goldenCase.layer) is not implemented by \(implementation.name)")
            ]
            return result
        }
        let invocation = LayerInvocation(
            layer: goldenCase.layer, config: goldenCase.config, call: goldenCase.call,
            input: goldenCase.input, mask: goldenCase.mask, weights: goldenCase.weights,
            strictConfig: strictConfig, memoryBudget: memoryBudget, expectedOutputShape: goldenCase.output.shape)
        let produced: LayerResult
        do {
            produced = try implementation.run(invocation)
        } catch {
            result.problems = [CaseProblem(kind: .layerThrew, details: "the layer threw: \(error)")]
            return result
        }

        func tolerance(for tensor: ReferenceTensor) -> Tolerance {
            Tolerance.resolve(
                for: tensor.elementType, caseATol: goldenCase.atol, caseRTol: goldenCase.rtol,
                override: toleranceOverride)
        }
        // Whether two Keras values agree is a property of the case, not of the run's overrides.
        func agreement(for tensor: ReferenceTensor) -> Tolerance {
            Tolerance.resolve(for: tensor.elementType, caseATol: goldenCase.atol, caseRTol: goldenCase.rtol, override: .init())
        }
        result.warnings = produced.warnings
        // Under `exact` nothing widens the tolerance: no envelope, no cancellation bound.
        var usable: [GoldenCase] = []
        if !toleranceOverride.exact {
            for reference in references {
                if let difference = goldenCase.envelopeMismatch(reference) {
                    result.notes.append("no reference envelope from \(reference.backend) (\(reference.file)): \(difference)")
                } else {
                    usable.append(reference)
                }
            }
        }
        let references = usable
        let exact = toleranceOverride.exact
        // One tensor at `path` ("outputs/y", "updated/<name>") against Keras's, with the other
        // backends' values of it, and the case's oracle and cancellation bound for that path.
        func compare(
            _ path: String, actual: ReferenceTensor, expected: ReferenceTensor,
            others: [Reference]
        ) -> TensorComparison {
            for (kind, extra) in [("oracle", goldenCase.oracle[path]), ("cancellation", goldenCase.cancellation[path])] {
                if let extra, extra.shape != expected.shape {
                    result.notes.append("\(kind)/\(path) has shape \(extra.shapeDescription), not \(expected.shapeDescription); not used")
                }
            }
            return comparator.compare(
                name: path, actual: actual, expected: expected, backend: goldenCase.backend, references: others,
                oracle: goldenCase.oracle[path], cancellation: exact ? nil : goldenCase.cancellation[path],
                tolerance: tolerance(for: expected), agreement: agreement(for: expected))
        }
        var comparisons = [
            compare(
                "outputs/y", actual: produced.output, expected: goldenCase.output,
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
                    "updated/\(name)", actual: actual, expected: expected,
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
                    tolerance: tolerance(for: before)))
        }
        result.comparisons = comparisons
        result.produced = produced
        problems += comparisons.compactMap(\.failure)
        result.status = problems.isEmpty ? .passed : .failed
        result.problems = problems
        return result
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
