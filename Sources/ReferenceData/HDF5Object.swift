import CHDF5
import Foundation
import KerasJSON

/// An open HDF5 identifier, closed with its kind's close function in `deinit`.
final class HDF5Object {
    enum Kind { case file, group, dataset, attribute, datatype, dataspace }

    let id: hid_t
    let kind: Kind

    /// Wraps `id`, or returns nil when the opening call failed (negative id).
    init?(_ id: hid_t, _ kind: Kind) {
        guard id >= 0 else { return nil }
        self.id = id
        self.kind = kind
    }

    deinit {
        HDF5Library.locked {
            switch kind {
            case .file: _ = H5Fclose(id)
            case .group: _ = H5Gclose(id)
            case .dataset: _ = H5Dclose(id)
            case .attribute: _ = H5Aclose(id)
            case .datatype: _ = H5Tclose(id)
            case .dataspace: _ = H5Sclose(id)
            }
        }
    }
}

/// Why a low-level read failed, before it is given a file and case.
struct HDF5ReadError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Read operations on an open file or group. Callers hold `HDF5Library.locked`.
extension HDF5Object {
    static func openFile(_ path: String) throws(HDF5ReadError) -> HDF5Object {
        // A FIFO or device would block the open forever: only regular files are read.
        var info = stat()
        guard stat(path, &info) == 0 else { throw HDF5ReadError("cannot open the file: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw HDF5ReadError("not a regular file; refusing to read it") }
        guard H5Fis_hdf5(path) > 0 else {
            throw HDF5ReadError(HDF5Library.reason("not an HDF5 file"))
        }
        guard let file = HDF5Object(H5Fopen(path, chdf5_f_acc_rdonly(), chdf5_p_default()), .file) else {
            throw HDF5ReadError(HDF5Library.reason("cannot open the HDF5 file (truncated or damaged?)"))
        }
        return file
    }

    /// Whether a link `name` exists directly in this group (or file root).
    func hasLink(_ name: String) -> Bool {
        H5Lexists(id, name, chdf5_p_default()) > 0
    }

    func openGroup(_ name: String) throws(HDF5ReadError) -> HDF5Object {
        guard hasLink(name) else { throw HDF5ReadError("missing group '\(name)'") }
        guard let group = HDF5Object(H5Gopen2(id, name, chdf5_p_default()), .group) else {
            throw HDF5ReadError(HDF5Library.reason("'\(name)' is not a readable group"))
        }
        return group
    }

    /// Whether `name` names a group (not a dataset) in this group.
    func isGroup(_ name: String) -> Bool {
        guard hasLink(name) else { return false }
        let answer = chdf5_is_group(id, name)
        if answer < 0 { _ = HDF5Library.errorStackMessages() }
        return answer == 1
    }

    /// The names of the links in this group, in name order: one pass over the links
    /// (`H5Literate`), linear in their number. Asking for each name by index instead costs a
    /// pass per name on a group with dense link storage (h5py's `libver="latest"`).
    func linkNames() throws(HDF5ReadError) -> [String] {
        final class Collector { var names: [String] = [] }
        let collector = Collector()
        let status = chdf5_link_names(
            id,
            { name, context in
                guard let name, let context else { return -1 }
                Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        guard status >= 0 else { throw HDF5ReadError(HDF5Library.reason("cannot list the group")) }
        return collector.names
    }

    func hasAttribute(_ name: String) -> Bool {
        H5Aexists(id, name) > 0
    }

    /// A string attribute, variable- or fixed-length; nil when absent.
    func stringAttribute(_ name: String) throws(HDF5ReadError) -> String? {
        guard hasAttribute(name) else { return nil }
        guard let attribute = HDF5Object(H5Aopen(id, name, chdf5_p_default()), .attribute),
            let fileType = HDF5Object(H5Aget_type(attribute.id), .datatype)
        else { throw HDF5ReadError(HDF5Library.reason("cannot open attribute '\(name)'")) }
        guard H5Tget_class(fileType.id) == H5T_STRING else {
            throw HDF5ReadError("attribute '\(name)' is not a string")
        }
        if let space = HDF5Object(H5Aget_space(attribute.id), .dataspace), H5Sget_simple_extent_npoints(space.id) != 1 {
            throw HDF5ReadError("attribute '\(name)' is not a single string")
        }
        guard let memoryType = HDF5Object(H5Tcopy(chdf5_c_s1()), .datatype) else {
            throw HDF5ReadError(HDF5Library.reason("cannot make a string type"))
        }
        _ = H5Tset_cset(memoryType.id, H5Tget_cset(fileType.id))
        if H5Tis_variable_str(fileType.id) > 0 {
            _ = H5Tset_size(memoryType.id, chdf5_variable())
            var pointer: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(attribute.id, memoryType.id, &pointer) >= 0 else {
                throw HDF5ReadError(HDF5Library.reason("cannot read attribute '\(name)'"))
            }
            defer { if let pointer { H5free_memory(pointer) } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        // One byte more than the file's size: a null-terminated memory type of the same size
        // would give its last byte to the terminator and cut a NULLPAD string short.
        let size = H5Tget_size(fileType.id)
        _ = H5Tset_size(memoryType.id, size + 1)
        _ = H5Tset_strpad(memoryType.id, H5T_STR_NULLTERM)
        var buffer = [UInt8](repeating: 0, count: size + 1)
        guard H5Aread(attribute.id, memoryType.id, &buffer) >= 0 else {
            throw HDF5ReadError(HDF5Library.reason("cannot read attribute '\(name)'"))
        }
        let bytes = buffer.prefix(size).prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self).trimmingTrailingSpaces()
    }

    /// A numeric scalar attribute read as float64; nil when absent.
    func doubleAttribute(_ name: String) throws(HDF5ReadError) -> Double? {
        guard hasAttribute(name) else { return nil }
        guard let attribute = HDF5Object(H5Aopen(id, name, chdf5_p_default()), .attribute),
            let fileType = HDF5Object(H5Aget_type(attribute.id), .datatype)
        else { throw HDF5ReadError(HDF5Library.reason("cannot open attribute '\(name)'")) }
        let typeClass = H5Tget_class(fileType.id)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw HDF5ReadError("attribute '\(name)' is not a number")
        }
        if let space = HDF5Object(H5Aget_space(attribute.id), .dataspace), H5Sget_simple_extent_npoints(space.id) != 1 {
            throw HDF5ReadError("attribute '\(name)' is not a single number")
        }
        var value = 0.0
        guard H5Aread(attribute.id, chdf5_native_double(), &value) >= 0 else {
            throw HDF5ReadError(HDF5Library.reason("cannot read attribute '\(name)'"))
        }
        return value
    }

    /// A dataset at `path` (relative, e.g. `inputs/x`) read as a tensor; nil when absent.
    func tensor(at path: String) throws(HDF5ReadError) -> ReferenceTensor? {
        let components = path.split(separator: "/").map(String.init)
        var location = self
        for component in components.dropLast() {
            guard location.hasLink(component) else { return nil }
            location = try location.openGroup(component)
        }
        guard let leaf = components.last, location.hasLink(leaf) else { return nil }
        guard let dataset = HDF5Object(H5Dopen2(location.id, leaf, chdf5_p_default()), .dataset) else {
            throw HDF5ReadError(HDF5Library.reason("'\(path)' is not a dataset"))
        }
        return try dataset.readTensor(path: path)
    }

    /// Reads this dataset: shape from its dataspace, element type from its file type (and, for
    /// `uint16`, the dataset attribute `dtype = "bfloat16"`), values widened exactly to float64.
    private func readTensor(path: String) throws(HDF5ReadError) -> ReferenceTensor {
        guard let fileType = HDF5Object(H5Dget_type(id), .datatype),
            let space = HDF5Object(H5Dget_space(id), .dataspace)
        else { throw HDF5ReadError(HDF5Library.reason("cannot read the type of '\(path)'")) }
        let elementType = try Self.elementType(of: fileType, declared: try stringAttribute("dtype"), path: path)
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0 else { throw HDF5ReadError(HDF5Library.reason("cannot read the shape of '\(path)'")) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { _ = H5Sget_simple_extent_dims(space.id, &dims, nil) }
        let shape = dims.map { Int(clamping: $0) }
        let count = try Self.elementCount(shape, path: path)
        let values: [Double]
        switch elementType {
        case .int64:
            // Range-checked as integers: converting first would round 2^53 + 1 to 2^53 and pass.
            let integers: [Int64] = try read(count, as: chdf5_native_int64(), path: path)
            guard integers.allSatisfy({ $0.magnitude <= Self.largestExactInteger }) else {
                throw HDF5ReadError("'\(path)' holds int64 values beyond 2^53, which cannot be read losslessly")
            }
            values = integers.map { Double($0) }
        case .bfloat16:
            let patterns: [UInt16] = try read(count, as: chdf5_native_uint16(), path: path)
            values = patterns.map(Self.bfloat16Value)
        default:
            // Every other accepted type converts to float64 exactly; HDF5 does the conversion.
            values = try read(count, as: chdf5_native_double(), path: path)
        }
        return ReferenceTensor(shape: shape, elementType: elementType, values: values)
    }

    /// The element type of a dataset stored as `fileType`, whose `dtype` attribute is `declared`.
    private static func elementType(
        of fileType: HDF5Object, declared: String?, path: String
    ) throws(HDF5ReadError) -> ElementType {
        let typeClass = H5Tget_class(fileType.id)
        let size = H5Tget_size(fileType.id)
        let signed = typeClass == H5T_INTEGER && H5Tget_sign(fileType.id) == H5T_SGN_2
        if let declared, declared == ElementType.bfloat16.rawValue {
            guard typeClass == H5T_INTEGER, size == 2, !signed else {
                throw HDF5ReadError("'\(path)' says dtype bfloat16 but is not stored as uint16 bit patterns")
            }
            return .bfloat16
        }
        switch typeClass {
        case H5T_FLOAT:
            switch size {
            case 2: return .float16
            case 4: return .float32
            case 8: return .float64
            default: throw HDF5ReadError("'\(path)' has a \(size * 8)-bit float type, which cannot be read")
            }
        case H5T_INTEGER:
            switch (size, signed) {
            case (1, false): return .uint8
            case (1, true): return .int8
            case (2, true): return .int16
            case (4, true): return .int32
            case (8, true): return .int64
            default:
                throw HDF5ReadError(
                    "'\(path)' has a \(signed ? "" : "u")int\(size * 8) type, which cannot be read"
                        + (size == 2 && !signed ? " (bfloat16 data needs the dataset attribute dtype=\"bfloat16\")" : ""))
            }
        default:
            throw HDF5ReadError("'\(path)' has \(describe(typeClass)) elements, which cannot be read as a tensor")
        }
    }

    /// The number of elements of `shape`, refusing a shape over `maximumElements`. A damaged
    /// header can claim any size: the product of the non-zero dimensions is checked too, so that
    /// a zero dimension (an empty tensor) cannot carry a huge shape past the cap to a layer that
    /// sizes buffers by the other dimensions.
    static func elementCount(_ shape: [Int], path: String) throws(HDF5ReadError) -> Int {
        var product = 1
        for dim in shape where dim != 0 {
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            guard !overflow, next <= maximumElements else {
                throw HDF5ReadError(
                    "'\(path)' claims shape \(PythonLiteral.tuple(shape)), "
                        + "more than \(maximumElements) elements (counting the non-zero dimensions)")
            }
            product = next
        }
        return shape.contains(0) ? 0 : product
    }

    /// Reads all `count` elements of this dataset converted by HDF5 to `memoryType`.
    private func read<T: BitwiseCopyable & Numeric>(
        _ count: Int, as memoryType: hid_t, path: String
    ) throws(HDF5ReadError) -> [T] {
        var values = [T](repeating: 0, count: count)
        guard count > 0 else { return values }
        let status = values.withUnsafeMutableBytes { buffer in
            H5Dread(id, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress)
        }
        guard status >= 0 else { throw HDF5ReadError(HDF5Library.reason("cannot read the data of '\(path)'")) }
        return values
    }

    /// 2^53: every integer of at most this magnitude is a float64 exactly.
    static let largestExactInteger: UInt64 = 1 << 53

    /// A bfloat16 bit pattern's value: the float32 whose upper 16 bits it is (exact in float64).
    static func bfloat16Value(_ bits: UInt16) -> Double {
        Double(Float(bitPattern: UInt32(bits) << 16))
    }

    /// The largest tensor a golden case may hold (2^28 elements, 2 GiB as Double): golden
    /// tensors are small, and a damaged header must not make the reader allocate without bound.
    static let maximumElements = 1 << 28

    private static func describe(_ typeClass: H5T_class_t) -> String {
        switch typeClass {
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound (e.g. complex)"
        case H5T_ENUM: return "enum (e.g. bool)"
        case H5T_VLEN: return "variable-length"
        case H5T_ARRAY: return "array"
        case H5T_OPAQUE: return "opaque"
        case H5T_BITFIELD: return "bitfield"
        case H5T_REFERENCE: return "reference"
        case H5T_TIME: return "time"
        default: return "unknown-type"
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
