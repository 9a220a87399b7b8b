package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quill.config.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SafetensorsTest {

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- round trips

    @Test
    void roundTripsEveryWritableDtypeBitForBit() throws IOException {
        var tensors = new LinkedHashMap<String, INDArray>();
        tensors.put("f32", Nd4j.createFromArray(new float[] {0f, -0f, 1.5f, Float.MIN_VALUE, Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00123)}).reshape(2, 4));
        tensors.put("f64", Nd4j.createFromArray(new double[] {0.1, -0d, Double.MIN_VALUE, -1e300, Double.NaN}));
        tensors.put("i32", Nd4j.createFromArray(new int[][] {{Integer.MIN_VALUE, -1}, {0, Integer.MAX_VALUE}}));
        tensors.put("i64", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, -1, 0, 1L << 40, Long.MAX_VALUE}));
        tensors.put("scalar", Nd4j.scalar(DataType.FLOAT, 2.5f));
        tensors.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        Path file = dir.resolve("all.safetensors");

        Safetensors.write(file, tensors, Map.of("k", "v"));
        var back = Safetensors.read(file);

        assertThat(back.tensors().keySet()).containsExactlyElementsOf(tensors.keySet());
        assertThat(back.metadata()).containsExactly(Map.entry("k", "v"));
        for (var e : tensors.entrySet()) {
            INDArray got = back.tensors().get(e.getKey());
            assertThat(got.dataType()).as(e.getKey()).isEqualTo(e.getValue().dataType());
            assertThat(got.shape()).as(e.getKey()).isEqualTo(e.getValue().shape());
            assertThat(got.ordering()).isEqualTo('c');
            assertThat(rawBytes(got)).as(e.getKey()).isEqualTo(rawBytes(e.getValue()));
        }
        assertThat(back.tensors().get("scalar").rank()).isZero();
        assertThat(back.tensors().get("empty").isEmpty()).isTrue();
    }

    @Test
    void writesViewsAndFortranOrderArraysAsTheirLogicalValues() throws IOException {
        INDArray base = Nd4j.arange(24).castTo(DataType.FLOAT).reshape(4, 6);  // (4, 6)
        var tensors = new LinkedHashMap<String, INDArray>();
        tensors.put("rows", base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()));          // (2, 6) view
        tensors.put("cols", base.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)));          // (4, 3) strided
        tensors.put("transposed", base.transpose());                                               // (6, 4) 'f'
        tensors.put("fortran", base.dup('f'));
        Path file = dir.resolve("views.safetensors");

        Safetensors.write(file, tensors, null);
        var back = Safetensors.read(file).tensors();

        for (var e : tensors.entrySet()) {
            assertThat(back.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(back.get("transposed").getFloat(5, 3)).isEqualTo(23f);
        assertThat(back.get("cols").getFloat(3, 0)).isEqualTo(20f);
    }

    @Test
    void headerKeepsMapOrderHasContiguousOffsetsAndIsPaddedTo8Bytes() throws IOException {
        var tensors = new LinkedHashMap<String, INDArray>();
        tensors.put("zz", Nd4j.create(DataType.FLOAT, 3));
        tensors.put("a", Nd4j.create(DataType.LONG, 2, 2));
        tensors.put("m", Nd4j.create(DataType.INT, 1));
        Path file = dir.resolve("order.safetensors");

        Safetensors.write(file, tensors, null);

        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).doesNotContain("__metadata__").startsWith("{").matches("(?s)\\{.*\\} *");
        JsonNode json = new ObjectMapper().readTree(header);
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("zz", "a", "m");
        assertThat(json.get("zz").get("data_offsets").toString()).isEqualTo("[0,12]");
        assertThat(json.get("a").get("data_offsets").toString()).isEqualTo("[12,44]");
        assertThat(json.get("m").get("data_offsets").toString()).isEqualTo("[44,48]");
        assertThat(json.get("a").get("dtype").asText()).isEqualTo("I64");
        assertThat(bytes.length).isEqualTo(8 + n + 48);
    }

    @Test
    void writeRejectsTypesItCannotStoreAndTheReservedName() {
        Path file = dir.resolve("x.safetensors");
        assertThatThrownBy(() -> Safetensors.write(file, Map.of("h", Nd4j.create(DataType.HALF, 2)), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'h'").hasMessageContaining("HALF");
        assertThatThrownBy(() -> Safetensors.write(file, Map.of("__metadata__", Nd4j.create(DataType.FLOAT, 2)), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void arraysAreCreatedOutsideAnyWorkspace() throws IOException {
        Path file = dir.resolve("ws.safetensors");
        Safetensors.write(file, Map.of("w", Nd4j.createFromArray(1f, 2f, 3f)), null);
        INDArray w;
        try (var ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace("safetensors-test")) {
            w = Safetensors.read(file).tensors().get("w");
            assertThat(w.isAttached()).isFalse();
        }
        assertThat(w.sumNumber().floatValue()).isEqualTo(6f); // still usable after the workspace closed
    }

    // ---------------------------------------------------------------- 16-bit floats, by hand

    @ParameterizedTest(name = "F16 {0} -> {1}")
    @CsvSource({
        "0x0000, 0x00000000", // +0
        "0x8000, 0x80000000", // -0
        "0x3c00, 0x3f800000", // 1
        "0xc000, 0xc0000000", // -2
        "0x7bff, 0x477fe000", // 65504, the largest finite half
        "0x0400, 0x38800000", // 2^-14, the smallest normal
        "0x0001, 0x33800000", // 2^-24, the smallest subnormal
        "0x03ff, 0x387fc000", // 2^-14 - 2^-24, the largest subnormal
        "0x8001, 0xb3800000", // -2^-24
        "0x7c00, 0x7f800000", // +inf
        "0xfc00, 0xff800000", // -inf
        "0x7e00, 0x7fc00000", // quiet NaN
        "0x7c01, 0x7fc02000", // signalling NaN: quieted, payload kept
        "0x2e66, 0x3dccc000", // 0.1 rounded to half: 0.0999755859375
    })
    void f16ConvertsExactly(String half, String f32) {
        int bits = SafetensorsDtype.f16ToF32Bits(Integer.decode(half));
        assertThat(Integer.toHexString(bits)).isEqualTo(Integer.toHexString((int) (long) Long.decode(f32)));
    }

    @Test
    void readsHandWrittenF16AndBf16() throws IOException {
        // F16 [1, -2, 2^-24, -inf]; BF16 [1, -2.5, 1e-40-ish subnormal 0x0001, NaN]
        byte[] data = le16(0x3c00, 0xc000, 0x0001, 0xfc00, 0x3f80, 0xc020, 0x0001, 0x7fc1);
        Path file = raw("halves.safetensors",
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[8,16]}}", data);
        var t = Safetensors.read(file).tensors();
        assertThat(t.get("h").dataType()).isEqualTo(DataType.FLOAT);
        assertThat(floats(t.get("h"))).containsExactly(1f, -2f, 0x1p-24f, Float.NEGATIVE_INFINITY);
        assertThat(floatBits(t.get("b"))).containsExactly(0x3f800000, 0xc0200000, 0x00010000, 0x7fc10000);
    }

    // ---------------------------------------------------------------- bad files

    @Test
    void fileShorterThan8Bytes() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 0, 0, 0, 0});
        assertBad(file, "shorter than the 8-byte header length");
    }

    @Test
    void missingFile() {
        assertBad(dir.resolve("nope.safetensors"), "no such file");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        assertBad(raw("long.safetensors", 1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
                "header length 1000 bytes is larger than the file (10 bytes)");
        assertBad(raw("huge.safetensors", -1, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
                "header length 18446744073709551615 bytes is larger");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "cut short            | {\"a\":{\"dtype\":\"F32\",                        | not valid JSON",
        "trailing garbage     | {} x                                            | not valid JSON",
        "duplicate key        | {\"a\":{},\"a\":{}}                             | not valid JSON",
        "array                | [1, 2]                                          | not a JSON object",
        "metadata not strings | {\"__metadata__\":{\"k\":1}}                    | __metadata__ value of 'k' is not a string",
    })
    void invalidJsonHeader(String what, String header, String message) throws IOException {
        assertBad(raw("json.safetensors", header, new byte[0]), message);
    }

    @Test
    void invalidUtf8Header() throws IOException {
        byte[] header = {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'};
        assertBad(raw("utf8.safetensors", header.length, header, new byte[0]), "not valid UTF-8");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown dtype     | {\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}   | dtype BOOL is not supported",
        "fp8 dtype         | {\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]} | dtype F8_E4M3 is not supported",
        "size mismatch     | {\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}  | hold 20 bytes but shape [2, 3] of F32 needs 24",
        "past the end      | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]} | run past the end of the data section (24 bytes)",
        "end before begin  | {\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}   | end before they begin",
        "negative dim      | {\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}  | not a non-negative integer",
        "fractional dim    | {\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]} | not a non-negative integer",
        "one offset        | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}     | not an array of 2 integers",
        "no dtype          | {\"shape\":[2],\"data_offsets\":[0,8]}                     | \"dtype\" is missing",
        "overflowing shape | {\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]} | is too large",
    })
    void badTensorEntry(String what, String entry, String message) throws IOException {
        Path file = raw("entry.safetensors", "{\"good\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"bad.one\":" + entry + "}", new byte[24]);
        assertBad(file, "tensor 'bad.one'", message);
    }

    @Test
    void overlappingTensors() throws IOException {
        Path file = raw("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertBad(file, "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = dir.resolve("whole.safetensors");
        Safetensors.write(file, Map.of("w", Nd4j.create(DataType.FLOAT, 4, 4)), null);
        byte[] bytes = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 3));
        assertBad(cut, "tensor 'w'", "truncated");
    }

    // ---------------------------------------------------------------- files written by Python

    @Test
    void readsEveryF16AndBf16PatternAsTorchConvertsIt() throws IOException {
        var t = Safetensors.read(resource("safetensors/halves.safetensors")).tensors();
        assertThat(t.get("f16.all").shape()).containsExactly(65536);
        // torch's own F16/BF16 -> F32 conversion, stored as F32: bit-identical for all 2 x 65536 patterns
        assertThat(floatBits(t.get("f16.all"))).isEqualTo(floatBits(t.get("f16.all_as_f32")));
        assertThat(floatBits(t.get("bf16.all"))).isEqualTo(floatBits(t.get("bf16.all_as_f32")));
        float[] picked = floats(t.get("f16.picked"));
        assertThat(t.get("f16.picked").shape()).containsExactly(13, 1);
        assertThat(Arrays.copyOf(picked, 11)).containsExactly(0f, -0f, 1f, -2f, 65504f, 0x1p-14f, 0x1p-24f,
                -0x1p-24f, 0x1p-14f - 0x1p-24f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(picked[1])).isEqualTo(0x80000000); // negative zero survives
        assertThat(picked[11]).isNaN();
        assertThat(picked[12]).isEqualTo(0.0999755859375f);
        float[] bf = floats(t.get("bf16.picked"));
        assertThat(bf[4]).isEqualTo(65536f); // 65504 rounds to 2^16 in bfloat16
        assertThat(bf[12]).isEqualTo(0.10009765625f);
        assertThat(floats(t.get("f32.picked"))[12]).isEqualTo(0.1f);
    }

    @Test
    void readsMixedFileInHeaderOrderWithMetadataAndPadding() throws IOException {
        var c = Safetensors.read(resource("safetensors/mixed.safetensors"));
        var t = c.tensors();
        assertThat(t.keySet()).containsExactly("zeta", "alpha", "mid.scalar", "beta", "gamma", "empty", "f32.special");
        assertThat(c.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "caf\u00e9 \u2713"),
                Map.entry("json", "{\"a\": [1, 2]}"));
        assertThat(t.get("zeta").shape()).containsExactly(2, 3);
        assertThat(floats(t.get("zeta"))).containsExactly(-1f, -0.5f, 0f, 0.5f, 1f, 1.5f);
        assertThat(t.get("alpha").dataType()).isEqualTo(DataType.LONG);
        assertThat(t.get("alpha").toLongVector()).containsExactly(-1L, 0L, 1L << 40, -(1L << 62));
        assertThat(t.get("mid.scalar").rank()).isZero();
        assertThat(t.get("mid.scalar").getFloat(0)).isEqualTo(3.25f);
        assertThat(t.get("beta").dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(t.get("beta").toDoubleVector()).containsExactly(0.1, -1e300, Double.MIN_VALUE);
        assertThat(t.get("gamma").dataType()).isEqualTo(DataType.INT);
        assertThat(t.get("gamma").toIntMatrix()).isEqualTo(new int[][] {{7, -8}, {Integer.MAX_VALUE, Integer.MIN_VALUE}});
        assertThat(t.get("empty").shape()).containsExactly(0, 3);
        assertThat(floatBits(t.get("f32.special"))).containsExactly(0x80000000, 0x7f800000, 0xff800000, 0x00000001,
                0x7f7fffff);
    }

    @Test
    void readsFileWithoutMetadata() throws IOException {
        var c = Safetensors.read(resource("safetensors/no_metadata.safetensors"));
        assertThat(c.metadata()).isEmpty();
        assertThat(c.tensors().get("ids").toLongMatrix()[2]).containsExactly(3L, 4L, 5L, 6L);
        assertThat(floats(c.tensors().get("w"))).containsExactly(-1f, -0.5f, 0f, 0.5f, 1f);
    }

    // ---------------------------------------------------------------- helpers

    static Path resource(String name) {
        return Path.of("src/test/resources").resolve(name);
    }

    private static void assertBad(Path file, String... parts) {
        var thrown = assertThatThrownBy(() -> Safetensors.read(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageNotContaining("\n");
        for (String p : parts) {
            thrown.hasMessageContaining(p);
        }
    }

    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(name, h.length, h, data);
    }

    /** A file with any header length field, header bytes and data, for crafting bad files. */
    private Path raw(String name, long headerLen, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(header).put(data);
        Path file = dir.resolve(name);
        Files.write(file, b.array());
        return file;
    }

    private static byte[] le16(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    /** The element bytes of an array in row-major order (native byte order). */
    static byte[] rawBytes(INDArray arr) {
        if (arr.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer nio = arr.dup('c').data().asNio();
        byte[] out = new byte[(int) (arr.length() * arr.dataType().width())];
        nio.get(out);
        return out;
    }

    /** The values of a FLOAT array in row-major order. */
    static float[] floats(INDArray arr) {
        return arr.dup('c').data().asFloat();
    }

    /** The raw bit patterns of a FLOAT array (no NaN canonicalisation). */
    static int[] floatBits(INDArray arr) {
        assertThat(arr.dataType()).isEqualTo(DataType.FLOAT);
        var ints = arr.dup('c').data().asNio().order(ByteOrder.nativeOrder()).asIntBuffer();
        int[] out = new int[(int) arr.length()];
        ints.get(out);
        return out;
    }
}
