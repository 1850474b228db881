import Foundation
import KerasJSON

/// A golden file read whole: its root attributes and every case group, each either
/// read or the error that kept it from being read (a bad case never hides the others).
/// The format is `docs/golden-schema.md`.
public struct GoldenFile: Sendable {
    public static let schema = "keras-golden/1"

    public var path: String
    public var info: GoldenFileInfo
    /// Case ids in name order, each with its case or its error.
    public var entries: [(id: String, result: Result<GoldenCase, GoldenError>)]

    public var cases: [GoldenCase] { entries.compactMap { try? $0.result.get() } }
    public var errors: [GoldenError] {
        entries.compactMap { if case .failure(let e) = $0.result { return e } else { return nil } }
    }
    public var caseIDs: [String] { entries.map(\.id) }

    /// Reads the file at `path`. Throws only when the file as a whole cannot be used:
    /// not HDF5, truncated, or not of schema `keras-golden/1`.
    public init(contentsOf path: String) throws(GoldenError) {
        self.path = path
        let result: Result<(GoldenFileInfo, [(String, Result<GoldenCase, GoldenError>)]), GoldenError> = HDF5Library.locked {
            do throws(GoldenError) {
                let file: HDF5Object
                do throws(HDF5ReadError) { file = try HDF5Object.openFile(path) } catch {
                    throw GoldenError(.unreadableFile, file: path, error.message)
                }
                let info = try Self.readInfo(file, path: path)
                var entries: [(String, Result<GoldenCase, GoldenError>)] = []
                for name in try Self.caseGroupNames(file, path: path) {
                    entries.append(
                        (
                            name,
                            Result { () throws(GoldenError) in
                                try Self.readCase(name, in: file, path: path, backend: info.backend)
                            }
                        ))
                }
                return .success((info, entries))
            } catch {
                return .failure(error)
            }
        }
        let (info, entries) = try result.get()
        self.info = info
        self.entries = entries.map { (id: $0.0, result: $0.1) }
    }

    private static func readInfo(_ file: HDF5Object, path: String) throws(GoldenError) -> GoldenFileInfo {
        func attribute(_ name: String) throws(GoldenError) -> String {
            do {
                guard let value = try file.stringAttribute(name) else {
                    throw GoldenError(.missingAttribute, file: path, "missing root attribute '\(name)'")
                }
                return value
            } catch let error as HDF5ReadError {
                throw GoldenError(.missingAttribute, file: path, error.message)
            } catch {
                throw error as! GoldenError
            }
        }
        let schemaValue: String
        do {
            guard let s = try file.stringAttribute("schema") else {
                throw GoldenError(.unsupportedSchema, file: path, "no root attribute 'schema': not a keras-golden file")
            }
            schemaValue = s
        } catch let error as HDF5ReadError {
            throw GoldenError(.unsupportedSchema, file: path, error.message)
        } catch { throw error as! GoldenError }
        guard schemaValue == schema else {
            throw GoldenError(.unsupportedSchema, file: path, "schema '\(schemaValue)' is not supported (this reader reads '\(schema)')")
        }
        func optionalAttribute(_ name: String) throws(GoldenError) -> String? {
            do throws(HDF5ReadError) { return try file.stringAttribute(name) } catch {
                throw GoldenError(.missingAttribute, file: path, error.message)
            }
        }
        let x64 = try optionalAttribute("jax_enable_x64")
        guard x64 == nil || x64 == "true" || x64 == "false" else {
            throw GoldenError(.missingAttribute, file: path, "root attribute 'jax_enable_x64' is '\(x64!)', not 'true' or 'false'")
        }
        return GoldenFileInfo(
            schema: schemaValue,
            kerasVersion: try attribute("keras_version"),
            backend: try attribute("backend"),
            backendVersion: try attribute("backend_version"),
            numpyVersion: try attribute("numpy_version"),
            generator: try attribute("generator"),
            oracle: try optionalAttribute("oracle"),
            jaxEnableX64: x64 == "true"
        )
    }

    private static func caseGroupNames(_ file: HDF5Object, path: String) throws(GoldenError) -> [String] {
        do {
            return try file.linkNames().filter { file.isGroup($0) }
        } catch {
            throw GoldenError(.unreadableFile, file: path, error.message)
        }
    }

    /// `[A-Za-z0-9_.-]+`, the schema's rule for case ids.
    static func isValidCaseID(_ id: String) -> Bool {
        !id.isEmpty
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
    }

    private static func readCase(_ id: String, in file: HDF5Object, path: String, backend: String) throws(GoldenError) -> GoldenCase {
        func fail(_ kind: GoldenError.Kind, _ message: String) -> GoldenError {
            GoldenError(kind, file: path, caseID: id, message)
        }
        guard isValidCaseID(id) else {
            throw fail(.invalidCase, "case id must match [A-Za-z0-9_.-]+")
        }
        do {
            let group = try file.openGroup(id)
            func requiredString(_ name: String) throws -> String {
                guard let value = try group.stringAttribute(name) else {
                    throw fail(.missingAttribute, "missing attribute '\(name)'")
                }
                return value
            }
            func json(_ text: String, _ name: String) throws -> JSONValue {
                let value: JSONValue
                do { value = try JSONValue(parsing: text) } catch {
                    throw fail(.invalidJSON, "attribute '\(name)' is not valid JSON: \(error)")
                }
                guard value.objectValue != nil else {
                    throw fail(.invalidJSON, "attribute '\(name)' is not a JSON object")
                }
                return value
            }
            func tensor(_ path: String) throws -> ReferenceTensor? {
                do throws(HDF5ReadError) { return try group.tensor(at: path) } catch {
                    throw fail(.unreadableDataset, error.message)
                }
            }
            func required(_ path: String) throws -> ReferenceTensor {
                guard let value = try tensor(path) else { throw fail(.missingDataset, "missing dataset '\(path)'") }
                return value
            }
            func tensors(under name: String) throws -> [String: ReferenceTensor] {
                guard group.hasLink(name) else { return [:] }
                let sub = try group.openGroup(name)
                var result: [String: ReferenceTensor] = [:]
                for child in try sub.linkNames() { result[child] = try required("\(name)/\(child)") }
                return result
            }
            /// `<name>/<group>/<leaf>` datasets keyed by the path they mirror, `<group>/<leaf>`.
            func mirrored(under name: String) throws -> [String: ReferenceTensor] {
                guard group.hasLink(name) else { return [:] }
                var result: [String: ReferenceTensor] = [:]
                for sub in try group.openGroup(name).linkNames() {
                    for (leaf, t) in try tensors(under: "\(name)/\(sub)") { result["\(sub)/\(leaf)"] = t }
                }
                return result
            }
            func tolerance(_ name: String) throws -> Double? {
                guard let value = try group.doubleAttribute(name) else { return nil }
                guard ToleranceRule.isValid(value) else {
                    throw fail(.invalidCase, "attribute '\(name)' is \(value); \(ToleranceRule.requirement)")
                }
                return value
            }

            let error = try group.stringAttribute("error")
            if error != nil {
                let results = ["outputs", "updated", "grads", "oracle", "cancellation"].filter { group.hasLink($0) }
                guard results.isEmpty else {
                    throw fail(
                        .invalidCase,
                        "the case has attribute 'error' (Keras refused the call) but also "
                            + results.map { "'\($0)/'" }.joined(separator: ", ") + "; a refused call has no results")
                }
            }
            let layer = try requiredString("layer")
            let configText = try requiredString("config")
            let config = try json(configText, "config")
            let call = try json(try requiredString("call"), "call")
            let origin = try requiredString("origin")
            let c = GoldenCase(
                id: id, file: path, backend: backend, layer: layer,
                config: config, configText: configText, call: call, origin: origin,
                atol: try tolerance("atol"), rtol: try tolerance("rtol"),
                input: try required("inputs/x"), mask: try tensor("inputs/mask"),
                weights: try tensors(under: "weights"),
                output: error == nil ? try required("outputs/y") : .absent, error: error,
                updated: try tensors(under: "updated"),
                dy: try tensor("inputs/dy"), grads: try tensors(under: "grads"),
                oracle: try mirrored(under: "oracle"), cancellation: try mirrored(under: "cancellation")
            )
            if let problem = c.inconsistency { throw fail(.invalidCase, problem) }
            return c
        } catch let error as GoldenError {
            throw error
        } catch let error as HDF5ReadError {
            throw fail(.invalidCase, error.message)
        } catch {
            throw fail(.invalidCase, "\(error)")
        }
    }
}
