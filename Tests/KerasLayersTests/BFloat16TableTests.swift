import Foundation
import Testing

@testable import KerasLayers

/// `BFloat16` against numpy's ml_dtypes, the conversion TensorFlow and JAX use: the table
/// `golden/dtypes/bfloat16_conversion.bin` (tools/golden/dtype_bfloat16_table.py; layout there)
/// holds every bfloat16 bit pattern's float32 value and a float32 sample's bfloat16 bits.
@Suite struct BFloat16TableTests {
    struct Table {
        var widened: [UInt32]
        var sample: [UInt32]
        var rounded: [UInt16]
    }

    static func readTable() throws -> Table {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: repository.appendingPathComponent("golden/dtypes/bfloat16_conversion.bin"))
        let bytes = [UInt8](data)
        var offset = 0
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard offset + count <= bytes.count else { throw CocoaError(.fileReadCorruptFile) }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func uint32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func uint16() throws -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
        guard String(decoding: try take(8), as: UTF8.self) == "BF16CNV1" else { throw CocoaError(.fileReadCorruptFile) }
        let a = Int(try uint32())
        let widened = try (0..<a).map { _ in try uint32() }
        let b = Int(try uint32())
        let sample = try (0..<b).map { _ in try uint32() }
        let rounded = try (0..<b).map { _ in try uint16() }
        guard offset == bytes.count else { throw CocoaError(.fileReadCorruptFile) }
        return Table(widened: widened, sample: sample, rounded: rounded)
    }

    @Test func everyBitPatternWidensAsMLDtypes() throws {
        let table = try Self.readTable()
        #expect(table.widened.count == 65_536)
        let wrong = table.widened.indices.filter { BFloat16(bitPattern: UInt16($0)).floatValue.bitPattern != table.widened[$0] }
        #expect(wrong.isEmpty, "bit patterns widened differently: \(wrong.prefix(10).map { String($0, radix: 16) })")
    }

    @Test func float32SampleRoundsAsMLDtypes() throws {
        let table = try Self.readTable()
        #expect(table.sample.count > 16_384)
        let wrong = table.sample.indices.filter { BFloat16(Float(bitPattern: table.sample[$0])).bitPattern != table.rounded[$0] }
        #expect(wrong.isEmpty, "float32 inputs rounded differently: \(wrong.prefix(10).map { String(table.sample[$0], radix: 16) })")
    }
}
