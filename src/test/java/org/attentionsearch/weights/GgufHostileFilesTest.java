package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.attentionsearch.testing.GgufWriter;
import org.attentionsearch.testing.GgufWriter.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken and hostile files: each is refused at once with one sentence naming the file, never
 * with an OutOfMemoryError from a declared size, a stack overflow or a long loop.
 */
class GgufHostileFilesTest {

    private static final long HUGE = 0x7fff_ffff_ffff_fff0L;
    private static final int F32 = 0, Q8_0 = 8;
    private static final int UINT8 = 0, UINT32 = 4, BOOL = 7, STRING = 8, ARRAY = 9;

    @TempDir
    Path dir;

    /** Little-endian GGUF pieces, written by hand so that any field can be wrong. */
    private static final class Raw {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        static Raw header(int version, long tensors, long kvs) {
            Raw r = new Raw();
            r.out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            return r.u32(version).u64(tensors).u64(kvs);
        }

        static Raw header(long tensors, long kvs) {
            return header(3, tensors, kvs);
        }

        Raw u8(int v) {
            out.write(v);
            return this;
        }

        Raw u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Raw u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Raw str(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Raw bytes(byte[] b) {
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        /** A tensor description. */
        Raw tensor(String name, int type, long offset, long... dims) {
            str(name).u32(dims.length);
            for (long d : dims) u64(d);
            return u32(type).u64(offset);
        }

        Raw pad(int alignment) {
            while (out.size() % alignment != 0) out.write(0);
            return this;
        }

        Raw zeros(int n) {
            out.writeBytes(new byte[n]);
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    private String problem(byte[] bytes) {
        Path file = dir.resolve("hostile.gguf");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return assertThrows(ModelFormatException.class, () -> GgufFile.open(file).close()).getMessage();
    }

    private void assertRefused(byte[] bytes, String problem) {
        Path file = dir.resolve("hostile.gguf");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        ModelFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ModelFormatException.class, () -> GgufFile.open(file).close()));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(file.toString(), e.file());
    }

    /** A valid file of every kind of entry, truncated at every length short of its last tensor's end. */
    @Test
    void truncatedAnywhere() throws IOException {
        byte[] whole = new GgufWriter()
                .put("general.architecture", Value.string("llama"))
                .put("n", Value.uint32(7))
                .put("x", Value.float64(1.5))
                .put("flag", Value.bool(true))
                .put("words", Value.strings(List.of("a", "bc", "")))
                .put("nested", Value.array(GgufValueType.ARRAY, List.of(Value.int32s(new int[] {1, 2}))))
                .tensor("a", GgmlType.F32, new long[] {3, 2}, new float[6])
                .tensor("b", GgmlType.F16, new long[] {5}, new float[5])
                .toBytes();
        Path file = dir.resolve("whole.gguf");
        Files.write(file, whole);
        long end;
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensor last = f.tensor("b");
            end = f.dataOffset() + last.offset() + last.byteSize();
        }
        for (int length = 0; length < end; length++) {
            String problem = problem(Arrays.copyOf(whole, length));
            assertTrue(problem.startsWith(dir.resolve("hostile.gguf") + ": " + (length < 4 ? "is not a GGUF file" : "is truncated")), problem);
            assertFalse(problem.contains("\n"), problem);
        }
        for (int length = (int) end; length <= whole.length; length++) { // only the last tensor's padding is missing
            Files.write(file, Arrays.copyOf(whole, length));
            GgufFile.open(file).close();
        }
    }

    @Test
    void notGguf() {
        assertRefused(new byte[0], "is not a GGUF file (it does not start with \"GGUF\")");
        assertRefused("GGU".getBytes(StandardCharsets.US_ASCII), "is not a GGUF file");
        assertRefused("GGML\3\0\0\0".getBytes(StandardCharsets.US_ASCII), "is not a GGUF file");
        assertRefused("{\"json\": true}".getBytes(StandardCharsets.US_ASCII), "is not a GGUF file");
    }

    @Test
    void versions() {
        assertRefused(Raw.header(1, 0, 0).toBytes(), "is GGUF version 1, which is not supported (only versions 2 and 3 are)");
        assertRefused(Raw.header(4, 0, 0).toBytes(), "has unknown GGUF version 4");
        assertRefused(Raw.header(0, 0, 0).toBytes(), "has unknown GGUF version 0");
        assertRefused(Raw.header(0x03000000, 0, 0).toBytes(), "looks like a big-endian file");
        Raw.header(2, 0, 0); // versions 2 and 3 are read alike
    }

    @Test
    void hugeCounts() {
        assertRefused(Raw.header(HUGE, 0).toBytes(), "is truncated or corrupt: it declares 9223372036854775792 tensors but only 0 bytes follow");
        assertRefused(Raw.header(-1, 0).toBytes(), "declares 18446744073709551615 tensors");
        assertRefused(Raw.header(0, HUGE).toBytes(), "declares 9223372036854775792 metadata entries");
        assertRefused(Raw.header(0, 1_000_000).str("k").u32(UINT8).u8(1).toBytes(), "declares 1000000 metadata entries but only 14 bytes follow");
        // each entry's bytes, not the count, bound the loop: two declared, one present
        assertRefused(Raw.header(0, 2).str("k").u32(UINT8).u8(1).zeros(14).toBytes(), "has an empty key in metadata entry 1");
    }

    @Test
    void hugeArraysAndStrings() {
        assertRefused(Raw.header(0, 1).str("a").u32(ARRAY).u32(UINT8).u64(HUGE).toBytes(),
                "is truncated or corrupt: key a declares an array of 9223372036854775792 UINT8 values but only 0 bytes follow");
        assertRefused(Raw.header(0, 1).str("a").u32(ARRAY).u32(UINT8).u64(-1).toBytes(), "18446744073709551615 UINT8 values");
        assertRefused(Raw.header(0, 1).str("a").u32(ARRAY).u32(STRING).u64(1L << 40).zeros(64).toBytes(),
                "declares an array of 1099511627776 STRING values but only 64 bytes follow");
        assertRefused(Raw.header(0, 1).str("a").u32(ARRAY).u32(ARRAY).u64(1L << 40).zeros(64).toBytes(), "ARRAY values");
        assertRefused(Raw.header(0, 1).str("a").u32(ARRAY).u32(STRING).u64(2).u64(HUGE).toBytes(), "declares an array of 2 STRING values but only 8 bytes follow");
        assertRefused(Raw.header(0, 1).str("a").u32(ARRAY).u32(STRING).u64(2).u64(HUGE).u64(0).toBytes(), "is truncated: it ends inside the strings of key a");
        assertRefused(Raw.header(0, 1).u64(HUGE).zeros(16).toBytes(), "is truncated: it ends inside the key of metadata entry 0");
        assertRefused(Raw.header(0, 1).str("s").u32(STRING).u64(-1).toBytes(), "truncated");
        assertRefused(Raw.header(0, 1).str("s").u32(STRING).u64(100).str("short").toBytes(), "is truncated: it ends inside the value of key s");
        assertRefused(Raw.header(1, 0).u64(HUGE).zeros(40).toBytes(), "is truncated: it ends inside the name of tensor 0");
    }

    @Test
    void deepNesting() {
        Raw r = Raw.header(0, 1).str("deep").u32(ARRAY);
        for (int i = 0; i < 100_000; i++) r.u32(ARRAY).u64(1);
        assertRefused(r.u32(UINT8).u64(0).toBytes(), "key deep nests arrays more than 16 deep");
    }

    @Test
    void badValues() {
        assertRefused(Raw.header(0, 1).str("k").u32(13).u8(0).toBytes(), "key k has unknown value type 13");
        assertRefused(Raw.header(0, 1).str("k").u32(-1).u8(0).toBytes(), "key k has unknown value type 4294967295");
        assertRefused(Raw.header(0, 1).str("k").u32(ARRAY).u32(99).u64(0).toBytes(), "key k has unknown value type 99");
        assertRefused(Raw.header(0, 1).str("b").u32(BOOL).u8(2).toBytes(), "key b has the boolean value 2; GGUF booleans are 0 or 1");
        assertRefused(Raw.header(0, 1).str("").u32(UINT8).u8(0).u8(0).toBytes(), "has an empty key in metadata entry 0");
        assertRefused(Raw.header(0, 2).str("k").u32(UINT8).u8(0).str("k").u32(UINT8).u8(0).toBytes(), "has the metadata key k twice");
        byte[][] invalidUtf8 = {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {'a', (byte) 0xe2, (byte) 0x82}, {(byte) 0x80}};
        for (byte[] bad : invalidUtf8) {
            assertRefused(Raw.header(0, 1).bytes(bad).u32(UINT8).u8(0).toBytes(), "has invalid UTF-8 in the key of metadata entry 0");
            assertRefused(Raw.header(0, 1).str("s").u32(STRING).bytes(bad).toBytes(), "has invalid UTF-8 in the value of key s");
            assertRefused(Raw.header(0, 1).str("s").u32(ARRAY).u32(STRING).u64(2).str("ok").bytes(bad).toBytes(),
                    "string 1 of key s is not valid UTF-8");
            assertRefused(Raw.header(1, 0).bytes(bad).zeros(40).toBytes(), "has invalid UTF-8 in the name of tensor 0");
        }
    }

    @Test
    void badAlignment() {
        assertRefused(Raw.header(0, 1).str("general.alignment").u32(UINT32).u32(48).toBytes(), "general.alignment 48, which is not a power of two");
        assertRefused(Raw.header(0, 1).str("general.alignment").u32(UINT32).u32(0).toBytes(), "general.alignment 0, which is not a power of two");
        assertRefused(Raw.header(0, 1).str("general.alignment").u32(STRING).str("32").toBytes(), "general.alignment of type STRING where an integer is required");
    }

    @Test
    void badTensors() {
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0), 0), "tensor t has 0 dimensions; 1 to 4 are allowed");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 1, 1, 1, 1, 1), 0), "tensor t has 5 dimensions");
        assertRefused(tensorFile(Raw.header(1, 0).str("t").u32(-1), 0), "tensor t has 4294967295 dimensions");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 4, 0), 0), "tensor t has dimension 1 of 0; every dimension must be at least 1");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, -4), 0), "tensor t has dimension 0 of 18446744073709551612");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 1L << 30, 1L << 30), 0), "is truncated: tensor t needs bytes up to");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 1L << 40, 1L << 40), 0), "tensor t has more elements than a 64-bit count holds");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 1L << 31, 1L << 31), 0), "tensor t has more bytes than a 64-bit size holds");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 1L << 31, 1L << 31, 4), 0), "tensor t has more elements than a 64-bit count holds");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", 99, 0, 4), 16), "tensor t has unknown ggml type 99");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", 4, 0, 4), 16), "tensor t has unknown ggml type 4");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", Q8_0, 0, 33), 64), "tensor t of type Q8_0 has rows of 33 values, not a multiple of its block size 32");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 4, 4), 32), "tensor t has offset 4, not a multiple of the alignment 32");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, -32, 4), 32), "tensor t has offset 18446744073709551584, past the end of the file");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 1L << 40, 4), 32), "is truncated: tensor t needs bytes up to");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("t", F32, 0, 16), 32), "is truncated: tensor t needs bytes up to");
        assertRefused(tensorFile(Raw.header(2, 0).tensor("a", F32, 0, 16).tensor("b", F32, 32, 16), 128), "has overlapping tensors a and b");
        assertRefused(tensorFile(Raw.header(2, 0).tensor("a", F32, 0, 4).tensor("b", F32, 0, 4), 64), "has overlapping tensors");
        assertRefused(tensorFile(Raw.header(2, 0).tensor("a", F32, 0, 4).tensor("a", F32, 32, 4), 64), "has two tensors named a");
        assertRefused(tensorFile(Raw.header(1, 0).tensor("", F32, 0, 4), 64), "has an empty name for tensor 0");
    }

    /** The header, padding to 32 and then {@code data} bytes of zeros. */
    private static byte[] tensorFile(Raw header, int data) {
        return header.pad(32).zeros(data).toBytes();
    }

    /** A good file of the same shapes opens: the checks above are not too strict. */
    @Test
    void theSameShapesWellFormed() throws IOException {
        Path file = dir.resolve("good.gguf");
        Files.write(file, Raw.header(2, 1).str("general.alignment").u32(UINT32).u32(64)
                .tensor("a", F32, 0, 16).tensor("b", Q8_0, 64, 32, 2).pad(64).zeros(64 + 68).toBytes());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(64, f.floats(f.tensor("b")).length);
        }
    }

    /** Found by fuzzing: a key with a line break, quoted raw, broke the one-line message. */
    @Test
    void aKeyWithALineBreakIsQuotedOnOneLine() {
        assertRefused(Raw.header(0, 1).str("gpt2.feed_forward_lengt\n").u32(1597193792).toBytes(),
                "key gpt2.feed_forward_lengt\\n has unknown value type 1597193792");
    }
}
