import Foundation
import KerasJSON

/// A golden file as bytes, so that one process can read it with libhdf5 and hand it to another.
///
/// libhdf5 1.10 can read out of bounds, and crash, on a deliberately damaged file; a crash in C
/// cannot be caught in-process. A program that must never crash (the CLI) reads each file in a
/// child process and takes the result as this transfer form: a file-level error or the file,
/// every case's read result included, exactly as `GoldenFile(contentsOf:)` gave it.
///
/// Layout: the magic `KGT1`, a little-endian UInt64 header length, a JSON header (file info,
/// entries, case metadata, and per tensor its shape, dtype and offset), then every tensor's
/// values as little-endian float64, back to back.
extension GoldenFile {
    private static let magic = Array("KGT1".utf8)

    /// Encodes the result of reading `path`: the file, or the error that kept it from being read.
    public static func transferData(readingFileAt path: String) -> Data {
        var values: [Double] = []
        let header: JSONValue
        do {
            let file = try GoldenFile(contentsOf: path)
            header = .object([
                "path": .string(file.path),
                "info": .object([
                    "schema": .string(file.info.schema), "keras_version": .string(file.info.kerasVersion),
                    "backend": .string(file.info.backend), "backend_version": .string(file.info.backendVersion),
                    "numpy_version": .string(file.info.numpyVersion), "generator": .string(file.info.generator),
                    "oracle": file.info.oracle.map(JSONValue.string) ?? .null, "jax_enable_x64": .bool(file.info.jaxEnableX64),
                ]),
                "entries": .array(
                    file.entries.map { entry in
                        switch entry.result {
                        case .success(let c): return .object(["id": .string(entry.id), "case": encode(c, into: &values)])
                        case .failure(let e): return .object(["id": .string(entry.id), "error": encode(e)])
                        }
                    }),
            ])
        } catch {
            header = .object(["path": .string(path), "error": encode(error)])
        }
        var data = Data(magic)
        let headerBytes = Data(header.jsonText.utf8)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerBytes)
        if 1.littleEndian != 1 { values = values.map { Double(bitPattern: $0.bitPattern.littleEndian) } }
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Decodes `transferData(readingFileAt:)`: the file, or throws the error reading it gave.
    public init(transferData data: Data, path: String) throws(GoldenError) {
        func damaged(_ why: String) -> GoldenError {
            GoldenError(.unreadableFile, file: path, "the reader's transfer data is damaged: \(why)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 12, Array(bytes[0..<4]) == Self.magic else { throw damaged("no KGT1 header") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[4 + i]) << (8 * UInt64(i)) }
        guard length <= UInt64(bytes.count - 12) else { throw damaged("header length") }
        let headerEnd = 12 + Int(length)
        guard let header = try? JSONValue(parsing: String(decoding: bytes[12..<headerEnd], as: UTF8.self)) else {
            throw damaged("header is not JSON")
        }
        let valueBytes = bytes.count - headerEnd
        guard valueBytes % 8 == 0 else { throw damaged("value block length") }
        var values = [Double](repeating: 0, count: valueBytes / 8)
        values.withUnsafeMutableBytes { raw in
            bytes.withUnsafeBytes { source in
                raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[headerEnd...]))
            }
        }
        if 1.littleEndian != 1 {
            for i in values.indices { values[i] = Double(bitPattern: UInt64(littleEndian: values[i].bitPattern)) }
        }

        if let error = header["error"] { throw try Self.decodeError(error, file: path, damaged: damaged) }
        guard let info = header["info"], let entries = header["entries"]?.arrayValue else { throw damaged("no entries") }
        func string(_ v: JSONValue?, _ what: String) throws(GoldenError) -> String {
            guard let s = v?.stringValue else { throw damaged("missing \(what)") }
            return s
        }
        self.path = path
        self.info = GoldenFileInfo(
            schema: try string(info["schema"], "schema"), kerasVersion: try string(info["keras_version"], "keras_version"),
            backend: try string(info["backend"], "backend"), backendVersion: try string(info["backend_version"], "backend_version"),
            numpyVersion: try string(info["numpy_version"], "numpy_version"), generator: try string(info["generator"], "generator"),
            oracle: info["oracle"]?.stringValue, jaxEnableX64: info["jax_enable_x64"]?.boolValue ?? false)
        var decoded: [(id: String, result: Result<GoldenCase, GoldenError>)] = []
        for entry in entries {
            let id = try string(entry["id"], "case id")
            if let error = entry["error"] {
                decoded.append((id, .failure(try Self.decodeError(error, file: path, damaged: damaged))))
            } else if let c = entry["case"] {
                decoded.append(
                    (
                        id,
                        .success(
                            try Self.decodeCase(
                                c, id: id, file: path, backend: self.info.backend,
                                values: values, damaged: damaged))
                    ))
            } else {
                throw damaged("entry \(id) has neither case nor error")
            }
        }
        self.entries = decoded
    }

    // MARK: - Encoding

    private static func encode(_ error: GoldenError) -> JSONValue {
        .object([
            "kind": .string(error.kind.rawValue), "case": error.caseID.map(JSONValue.string) ?? .null,
            "message": .string(error.message),
        ])
    }

    private static func encode(_ c: GoldenCase, into values: inout [Double]) -> JSONValue {
        var tensors: [JSONValue] = []
        func add(_ name: String, _ t: ReferenceTensor) {
            tensors.append(
                .object([
                    "name": .string(name), "shape": .array(t.shape.map { .int($0) }),
                    "dtype": .string(t.elementType.rawValue), "offset": .int(values.count),
                ]))
            values.append(contentsOf: t.values)
        }
        add("inputs/x", c.input)
        if let mask = c.mask { add("inputs/mask", mask) }
        for (name, t) in c.weights.sorted(by: { $0.key < $1.key }) { add("weights/\(name)", t) }
        if let dy = c.dy { add("inputs/dy", dy) }
        if c.error == nil { add("outputs/y", c.output) }
        for (prefix, group) in [("updated/", c.updated), ("grads/", c.grads), ("oracle/", c.oracle), ("cancellation/", c.cancellation)] {
            for (name, t) in group.sorted(by: { $0.key < $1.key }) { add(prefix + name, t) }
        }
        return .object([
            "layer": .string(c.layer), "config": .string(c.configText), "call": .string(c.call.jsonText),
            "origin": .string(c.origin), "atol": c.atol.map(JSONValue.double) ?? .null,
            "rtol": c.rtol.map(JSONValue.double) ?? .null, "error": c.error.map(JSONValue.string) ?? .null,
            "tensors": .array(tensors),
        ])
    }

    // MARK: - Decoding

    private static func decodeError(
        _ v: JSONValue, file: String, damaged: (String) -> GoldenError
    ) throws(GoldenError) -> GoldenError {
        guard let kind = v["kind"]?.stringValue.flatMap(GoldenError.Kind.init(rawValue:)),
            let message = v["message"]?.stringValue
        else { throw damaged("error entry") }
        return GoldenError(kind, file: file, caseID: v["case"]?.stringValue, message)
    }

    private static func decodeCase(
        _ v: JSONValue, id: String, file: String, backend: String, values: [Double], damaged: (String) -> GoldenError
    ) throws(GoldenError) -> GoldenCase {
        guard let layer = v["layer"]?.stringValue, let configText = v["config"]?.stringValue,
            let callText = v["call"]?.stringValue, let origin = v["origin"]?.stringValue,
            let tensorList = v["tensors"]?.arrayValue,
            let config = try? JSONValue(parsing: configText), let call = try? JSONValue(parsing: callText)
        else { throw damaged("case \(id)") }
        var tensors: [String: ReferenceTensor] = [:]
        for t in tensorList {
            guard let name = t["name"]?.stringValue, let shapeList = t["shape"]?.arrayValue,
                let type = t["dtype"]?.stringValue.flatMap(ElementType.init(rawValue:)), let offset = t["offset"]?.intValue
            else { throw damaged("tensor of case \(id)") }
            let shape = shapeList.compactMap(\.intValue)
            guard shape.count == shapeList.count, shape.allSatisfy({ $0 >= 0 }),
                let count = try? HDF5Object.elementCount(shape, path: name),
                offset >= 0, offset <= values.count - count
            else { throw damaged("tensor \(name) of case \(id)") }
            tensors[name] = ReferenceTensor(shape: shape, elementType: type, values: Array(values[offset..<offset + count]))
        }
        func group(_ prefix: String) -> [String: ReferenceTensor] {
            var result: [String: ReferenceTensor] = [:]
            for (name, t) in tensors where name.hasPrefix(prefix) { result[String(name.dropFirst(prefix.count))] = t }
            return result
        }
        let error = v["error"]?.stringValue
        guard let input = tensors["inputs/x"], let output = error == nil ? tensors["outputs/y"] : ReferenceTensor.absent else {
            throw damaged("case \(id) tensors")
        }
        let c = GoldenCase(
            id: id, file: file, backend: backend, layer: layer, config: config, configText: configText, call: call,
            origin: origin, atol: v["atol"]?.doubleValue, rtol: v["rtol"]?.doubleValue,
            input: input, mask: tensors["inputs/mask"], weights: group("weights/"), output: output, error: error,
            updated: group("updated/"), dy: tensors["inputs/dy"], grads: group("grads/"), oracle: group("oracle/"),
            cancellation: group("cancellation/"))
        guard c.inconsistency == nil, [c.atol, c.rtol].allSatisfy({ $0.map(ToleranceRule.isValid) ?? true }) else {
            throw damaged("case \(id)")
        }
        return c
    }
}
