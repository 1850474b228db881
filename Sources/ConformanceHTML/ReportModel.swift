import Conformance
import ReferenceData

/// Whether a compared tensor comes from the layer's call (outputs, updated variables) or
/// from its gradient (`grads/...`).
enum Direction: String, CaseIterable, Comparable {
    case forward, backward

    /// The direction of a compared tensor, by its name: `grads/...` is backward.
    init(tensor name: String) {
        self = name.hasPrefix("grads/") ? .backward : .forward
    }

    static func < (a: Direction, b: Direction) -> Bool {
        a == .forward && b == .backward
    }
}

/// One column of the matrix: a backend, an element type and a direction.
struct MatrixColumn: Hashable, Comparable {
    var backend: String
    var elementType: String
    var direction: Direction

    static func < (a: MatrixColumn, b: MatrixColumn) -> Bool {
        (a.backend, a.elementType) != (b.backend, b.elementType)
            ? (a.backend, a.elementType) < (b.backend, b.elementType)
            : a.direction < b.direction
    }

}

/// A case run on one backend, with the golden case it came from (nil when unreadable).
struct CaseRun {
    var result: CaseResult
    var golden: GoldenCase?

    /// The element type of the compared output, as Keras returned it.
    var elementType: String {
        golden?.output.elementType.rawValue ?? result.produced?.output.elementType.rawValue ?? "?"
    }

    /// The verdict for one direction: the case's forward part, or its backward part (nil for a
    /// case without gradients).
    func verdict(_ direction: Direction) -> String? {
        switch direction {
        case .forward: return result.forward.rawValue
        case .backward: return result.backward?.rawValue
        }
    }

    /// The tensor a comparison named `name` compared, in `golden` (another backend's capture of the case).
    static func tensor(named name: String, in golden: GoldenCase) -> ReferenceTensor? {
        if name == "outputs/y" { return golden.output }
        // A gradient is named with its shape: `grads/gamma (3,)`.
        if name.hasPrefix("grads/") { return golden.grads[String(name.dropFirst("grads/".count).prefix { $0 != " " })] }
        guard name.hasPrefix("updated/") else { return nil }
        let variable = String(name.dropFirst("updated/".count))
        let unchangedSuffix = " (unchanged in Keras)"
        if variable.hasSuffix(unchangedSuffix) {
            return golden.weights[String(variable.dropLast(unchangedSuffix.count))]
        }
        return golden.updated[variable]
    }
}

/// What the page shows, computed once from the run: layers, matrix columns, cells and cases.
struct ReportModel {
    var report: RunReport
    /// Every layer class, sorted.
    var layers: [String]
    /// Every (backend, element type) pair seen, each with both directions.
    var columns: [MatrixColumn]
    /// Runs by layer, in report order.
    var runs: [String: [CaseRun]]
    /// Golden cases by id, for the other backends' values.
    var goldenByID: [String: [GoldenCase]]

    init(report: RunReport, goldenCases: [GoldenCase]) {
        self.report = report
        goldenByID = Dictionary(grouping: goldenCases, by: \.id)
        var runs: [String: [CaseRun]] = [:]
        for result in report.cases {
            let golden = goldenByID[result.id]?.first { $0.backend == result.backend && $0.file == result.file }
            runs[result.layer, default: []].append(CaseRun(result: result, golden: golden))
        }
        self.runs = runs
        layers = runs.keys.sorted()
        let pairs = Set(runs.values.joined().map { [$0.result.backend, $0.elementType] })
        columns = pairs.flatMap { pair in
            Direction.allCases.map { MatrixColumn(backend: pair[0], elementType: pair[1], direction: $0) }
        }.sorted()
    }

    /// The runs of `layer` in one matrix column, each with its verdict there.
    func cell(_ layer: String, _ column: MatrixColumn) -> [(run: CaseRun, verdict: String)] {
        (runs[layer] ?? []).compactMap { run in
            guard run.result.backend == column.backend, run.elementType == column.elementType,
                let verdict = run.verdict(column.direction)
            else { return nil }
            return (run, verdict)
        }
    }

    /// The fractions of the allowed error used by every element `layer`'s runs compared in one direction.
    func histogram(_ layer: String, _ direction: Direction) -> UsedFractionHistogram {
        var merged = UsedFractionHistogram()
        for run in runs[layer] ?? [] {
            for c in run.result.comparisons where Direction(tensor: c.name) == direction { merged.merge(c.usedFractions) }
        }
        return merged
    }

    /// The other backends' captures of the case `run` ran.
    func others(of run: CaseRun) -> [GoldenCase] {
        (goldenByID[run.result.id] ?? []).filter { $0.backend != run.result.backend }
    }
}
