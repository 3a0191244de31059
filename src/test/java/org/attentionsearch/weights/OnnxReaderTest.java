package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;

/** The reader against small models encoded field by field, following onnx.proto. */
class OnnxReaderTest {

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] msg(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] attrFloat(String name, float f) throws IOException {
        return msg(o -> {
            o.writeString(1, name);
            o.writeFloat(2, f);
            o.writeInt32(20, OnnxAttribute.FLOAT);
        });
    }

    private static byte[] attrInts(String name, long... ints) throws IOException {
        return msg(o -> {
            o.writeString(1, name);
            for (long i : ints) o.writeInt64(8, i); // unpacked, as onnx's Python writer does
            o.writeInt32(20, OnnxAttribute.INTS);
        });
    }

    private static byte[] node(String op, List<String> in, List<String> out, byte[]... attrs) throws IOException {
        return msg(o -> {
            for (String i : in) o.writeString(1, i);
            for (String x : out) o.writeString(2, x);
            o.writeString(3, op + "_node");
            o.writeString(4, op);
            for (byte[] a : attrs) o.writeByteArray(5, a);
        });
    }

    private static byte[] model() throws IOException {
        byte[] raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array();
        byte[] rawTensor = msg(o -> {
            o.writeInt64(1, 2); // dims, unpacked
            o.writeInt32(2, OnnxTensor.FLOAT);
            o.writeString(8, "w.raw");
            o.writeByteArray(9, raw);
        });
        byte[] floatDataTensor = msg(o -> {
            o.writeByteArray(1, msg(p -> { p.writeInt64NoTag(1); p.writeInt64NoTag(3); })); // dims, packed
            o.writeInt32(2, OnnxTensor.FLOAT);
            o.writeByteArray(4, msg(p -> { p.writeFloatNoTag(1f); p.writeFloatNoTag(2f); p.writeFloatNoTag(3f); }));
            o.writeString(8, "w.floats");
        });
        byte[] int64Tensor = msg(o -> {
            o.writeInt64(1, 2);
            o.writeInt32(2, OnnxTensor.INT64);
            o.writeInt64(7, -1);
            o.writeInt64(7, 12);
            o.writeString(8, "shape");
        });
        byte[] externalTensor = msg(o -> {
            o.writeInt64(1, 4);
            o.writeInt32(2, OnnxTensor.FLOAT);
            o.writeString(8, "w.ext");
            o.writeByteArray(13, msg(p -> { p.writeString(1, "location"); p.writeString(2, "weights.bin"); }));
            o.writeEnum(14, 1);
        });
        byte[] valueFloat = msg(o -> {
            o.writeString(1, "value_float");
            o.writeFloat(2, 0.25f);
            o.writeInt32(20, OnnxAttribute.FLOAT);
        });
        byte[] valueTensor = msg(o -> {
            o.writeString(1, "value");
            o.writeByteArray(5, int64Tensor);
            o.writeInt32(20, OnnxAttribute.TENSOR);
        });
        byte[] graph = msg(o -> {
            o.writeByteArray(1, node("Constant", List.of(), List.of("c.float"), valueFloat));
            o.writeByteArray(1, node("Constant", List.of(), List.of("c.shape"), valueTensor));
            o.writeByteArray(1, node("Identity", List.of("w.raw"), List.of("w.alias")));
            o.writeByteArray(1, node("Transpose", List.of("x"), List.of("y"), attrInts("perm", 0, 2, 1, 3), attrFloat("f", 3f)));
            o.writeString(2, "tiny");
            o.writeByteArray(5, rawTensor);
            o.writeByteArray(5, floatDataTensor);
            o.writeByteArray(5, externalTensor);
            o.writeByteArray(11, msg(v -> {
                v.writeString(1, "x");
                v.writeByteArray(2, msg(t -> t.writeByteArray(1, msg(tt -> {
                    tt.writeInt32(1, OnnxTensor.INT64);
                    tt.writeByteArray(2, msg(s -> {
                        s.writeByteArray(1, msg(d -> d.writeString(2, "batch")));
                        s.writeByteArray(1, msg(d -> d.writeInt64(1, 7)));
                    }));
                }))));
            }));
            o.writeByteArray(12, msg(v -> v.writeString(1, "y")));
        });
        return msg(o -> {
            o.writeInt64(1, 8);
            o.writeString(2, "handmade");
            o.writeByteArray(8, msg(p -> { p.writeString(1, ""); p.writeInt64(2, 17); }));
            o.writeByteArray(7, graph);
            o.writeString(99, "a field from a future version"); // unknown fields are skipped
        });
    }

    @Test
    void readsTheFieldsItNeeds() throws IOException {
        OnnxModel m = OnnxReader.read(model(), "tiny.onnx");
        assertEquals(8, m.irVersion());
        assertEquals("handmade", m.producerName());
        assertEquals(Map.of("", 17L), m.opsets());
        OnnxGraph g = m.graph();
        assertEquals("tiny", g.name());
        assertEquals(4, g.nodes().size());
        assertArrayEquals(new float[] {1.5f, -2f}, g.constant("w.raw").floats("f"));
        assertArrayEquals(new float[] {1.5f, -2f}, g.constant("w.alias").floats("f"), "through Identity");
        assertArrayEquals(new long[] {1, 3}, g.constant("w.floats").dims());
        assertArrayEquals(new float[] {1f, 2f, 3f}, g.constant("w.floats").floats("f"));
        assertArrayEquals(new float[] {0.25f}, g.constant("c.float").floats("f"));
        assertArrayEquals(new long[] {-1, 12}, g.constant("c.shape").longs("f"));
        assertEquals("c.shape", g.constant("c.shape").name());
        assertNull(g.constant("y"));

        OnnxNode t = g.producer("y");
        assertEquals("Transpose", t.opType());
        assertEquals(List.of(t), g.consumers("x"));
        assertArrayEquals(new long[] {0, 2, 1, 3}, t.attribute("perm").ints());
        assertEquals(3f, t.attribute("f").f());

        assertEquals(List.of(new OnnxValueInfo("x", OnnxTensor.INT64, List.of("batch", "7"))), g.inputs());
        assertEquals("y", g.outputs().get(0).name());

        ModelFormatException e = assertThrows(ModelFormatException.class, () -> g.constant("w.ext").floats("tiny.onnx"));
        assertTrue(e.getMessage().contains("w.ext") && e.getMessage().contains("weights.bin"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> g.constant("c.shape").floats("tiny.onnx"));
        assertTrue(e.getMessage().contains("c.shape") && e.getMessage().contains("INT64"), e.getMessage());
    }

    @Test
    void aRepeatedGraphFieldMergesIntoTheFirst() throws IOException {
        byte[] extended = OnnxAttentionOutputs.withOutputs(model(), List.of("c.float", "w.alias"));
        OnnxGraph g = OnnxReader.read(extended, "tiny.onnx").graph();
        assertEquals(List.of("y", "c.float", "w.alias"), g.outputs().stream().map(OnnxValueInfo::name).toList());
        assertEquals(OnnxTensor.FLOAT, g.outputs().get(1).elemType());
        assertEquals(4, g.nodes().size());
        assertEquals("tiny", g.name());
    }

    @Test
    void everyTruncationIsAFormatError() throws IOException {
        byte[] bytes = model();
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(bytes, cut);
            try {
                OnnxModel m = OnnxReader.read(part, "cut.onnx");
                // A cut between top-level fields leaves a shorter but valid message.
                assertTrue(m.graph().nodes().size() <= 4);
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().startsWith("cut.onnx: "), e.getMessage());
            }
        }
    }
}
