import Foundation
import KerasJSON

/// Median and spread of one point's samples under one protocol (cold or warm).
struct SampleSummary: Equatable {
    var median: Double
    var p10: Double
    var p90: Double
    var count: Int

    init?(_ samples: [Double]) {
        guard let median = SampleStatistics.quantile(samples, 0.5), let p10 = SampleStatistics.quantile(samples, 0.1),
            let p90 = SampleStatistics.quantile(samples, 0.9)
        else { return nil }
        self.median = median
        self.p10 = p10
        self.p90 = p90
        count = samples.count
    }
}

/// One side's result for one point: the object of the `bench` JSON contract. Every side
/// (swift, tensorflow, tensorflow_xla, jax) gets the same fields, computed here from its samples.
struct BenchResult: Equatable {
    var point: BenchPoint
    var side: String
    var cold: SampleSummary?
    var warm: SampleSummary?
    /// The roofline copy of the point's bytes, cold and warm, measured in the same rounds.
    var rooflineCold: SampleSummary?
    var rooflineWarm: SampleSummary?
    /// Why the side could not run the op, for "n/a".
    var notAvailable: String?

    var bytes: Int { point.bytesRead + point.bytesWritten }

    /// GB/s of a median time: bytes read and written over the time.
    func gbPerSecond(_ summary: SampleSummary?) -> Double? { summary.map { Double(bytes) / $0.median / 1e9 } }

    /// The cold GB/s over the roofline's cold GB/s (= roofline time / op time).
    var rooflineFraction: Double? {
        guard let op = gbPerSecond(cold), let limit = gbPerSecond(rooflineCold) else { return nil }
        return op / limit
    }

    var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
        var object: [String: JSONValue] = [
            "op": .string(point.op.name), "shape": .array(point.shape.map { .int($0) }), "dtype": .string(point.op.elementType),
            "side": .string(side), "bytes_read": .int(point.bytesRead), "bytes_written": .int(point.bytesWritten),
            "status": .string(notAvailable == nil ? "ok" : "n/a"),
            "median_s": number(cold?.median), "gb_per_s": number(gbPerSecond(cold)),
            "cold_median_s": number(cold?.median), "cold_p10_s": number(cold?.p10), "cold_p90_s": number(cold?.p90),
            "warm_median_s": number(warm?.median), "warm_p10_s": number(warm?.p10), "warm_p90_s": number(warm?.p90),
            "warm_gb_per_s": number(gbPerSecond(warm)), "samples": .int(max(cold?.count ?? 0, warm?.count ?? 0)),
            "roofline_gb_per_s": number(gbPerSecond(rooflineCold)), "roofline_fraction": number(rooflineFraction),
            "warm_roofline_gb_per_s": number(gbPerSecond(rooflineWarm)),
        ]
        if let notAvailable { object["reason"] = .string(notAvailable) }
        return .object(object)
    }

    /// The fields every object of the contract has.
    static let contractFields = [
        "op", "shape", "dtype", "side", "bytes_read", "bytes_written", "status", "median_s", "gb_per_s", "cold_median_s", "cold_p10_s",
        "cold_p90_s", "warm_median_s", "warm_p10_s", "warm_p90_s", "warm_gb_per_s", "samples", "roofline_gb_per_s", "roofline_fraction",
        "warm_roofline_gb_per_s",
    ]
}

/// The samples of a run, by side, point id and protocol ("cold", "warm"), and the sides' "n/a" reasons.
struct BenchSamples {
    var samples: [String: [String: [String: [Double]]]] = [:]
    var notAvailable: [String: [String: String]] = [:]

    mutating func add(_ round: [String: [String: [String: Double]]]) {
        for (side, points) in round {
            for (id, protocols) in points {
                for (name, seconds) in protocols { samples[side, default: [:]][id, default: [:]][name, default: []].append(seconds) }
            }
        }
    }

    /// One result per point for `side`, with the roofline side's copies of the same point.
    func results(side: String, points: [BenchPoint]) -> [BenchResult] {
        points.map { point in
            let own = samples[side]?[point.id]
            let roofline = samples["roofline"]?[point.id]
            return BenchResult(
                point: point, side: side, cold: own?["cold"].flatMap(SampleSummary.init), warm: own?["warm"].flatMap(SampleSummary.init),
                rooflineCold: roofline?["cold"].flatMap(SampleSummary.init), rooflineWarm: roofline?["warm"].flatMap(SampleSummary.init),
                notAvailable: notAvailable[side]?[point.id] ?? (own == nil ? "no samples" : nil))
        }
    }

    /// Reads the driver's raw file: `{"samples": {side: {id: {"cold": [s], "warm": [s]}}}, "na": {side: {id: reason}}}`.
    init(json: JSONValue) throws {
        for (side, points) in json["samples"]?.objectValue ?? [:] {
            for (id, protocols) in points.objectValue ?? [:] {
                for (name, values) in protocols.objectValue ?? [:] {
                    guard let seconds = values.arrayValue?.compactMap(\.doubleValue) else {
                        throw BenchError("samples of \(side) \(id) \(name): not an array of numbers")
                    }
                    samples[side, default: [:]][id, default: [:]][name] = seconds
                }
            }
        }
        for (side, reasons) in json["na"]?.objectValue ?? [:] {
            notAvailable[side] = (reasons.objectValue ?? [:]).compactMapValues(\.stringValue)
        }
    }

    init() {}
}

extension BenchResult {
    /// The Swift side's table as text (the `bench run` output).
    static func table(_ results: [BenchResult]) -> String {
        func ms(_ s: SampleSummary?) -> String {
            s.map { String(format: "%.3f (%.3f-%.3f)", $0.median * 1e3, $0.p10 * 1e3, $0.p90 * 1e3) } ?? "n/a"
        }
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "n/a" }
        let header = ["op", "shape", "cold ms (p10-p90)", "warm ms (p10-p90)", "GB/s", "roofline GB/s", "roofline_fraction"]
        var rows = [header]
        for r in results {
            rows.append([
                r.point.op.name, "(" + r.point.shape.map(String.init).joined(separator: ", ") + ")", ms(r.cold), ms(r.warm),
                number(r.gbPerSecond(r.cold), "%.1f"), number(r.gbPerSecond(r.rooflineCold), "%.1f"), number(r.rooflineFraction, "%.2f"),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        var text = rows.map { row in row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            .joined(separator: "\n")
        for r in results where r.notAvailable != nil { text += "\nn/a \(r.point.op.name): \(r.notAvailable!)" }
        return text + "\n"
    }
}
