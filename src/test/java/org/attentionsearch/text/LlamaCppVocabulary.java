package org.attentionsearch.text;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attentionsearch.testing.Fixtures;

/**
 * llama.cpp's own tokenizer (the fixtures' libllama, through FFM) on a vocabulary-only GGUF file written
 * from tokenizer metadata: {@code llama_tokenize} with special tokens added and parsed. Only what
 * tokenizing needs: the file has the metadata and no tensors, the model is loaded with {@code vocab_only}.
 */
final class LlamaCppVocabulary implements AutoCloseable {

    private static final Linker LINKER = Linker.nativeLinker();

    /** struct llama_model_params of llama.h (v0.4.0 of the fixtures); only vocab_only is set. */
    private static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"), ADDRESS.withName("tensor_buft_overrides"), JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"), JAVA_INT.withName("load_mode"), JAVA_INT.withName("lazy_mode"),
            JAVA_INT.withName("main_gpu"), MemoryLayout.paddingLayout(4), ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"), ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"), JAVA_BYTE.withName("vocab_only"), JAVA_BYTE.withName("check_tensors"),
            JAVA_BYTE.withName("use_extra_bufts"), JAVA_BYTE.withName("no_host"), JAVA_BYTE.withName("no_alloc"),
            JAVA_BYTE.withName("load_mtp"), MemoryLayout.paddingLayout(2));

    @SuppressWarnings("restricted") // loading llama.cpp is what this class is for
    private static final class Native {
        static final MethodHandle DEFAULT_PARAMS;
        static final MethodHandle LOAD;
        static final MethodHandle FREE;
        static final MethodHandle GET_VOCAB;
        static final MethodHandle TOKENIZE;

        static {
            Path dir = Fixtures.llamaCppLibraries();
            SymbolLookup.libraryLookup(dir.resolve("libggml-base.so"), Arena.global());
            SymbolLookup.libraryLookup(dir.resolve("libggml.v0.4.0.so"), Arena.global());
            SymbolLookup llama = SymbolLookup.libraryLookup(dir.resolve("libllama.v0.4.0.so"), Arena.global());
            DEFAULT_PARAMS = handle(llama, "llama_model_default_params", FunctionDescriptor.of(MODEL_PARAMS));
            LOAD = handle(llama, "llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, MODEL_PARAMS));
            FREE = handle(llama, "llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
            GET_VOCAB = handle(llama, "llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
            TOKENIZE = handle(llama, "llama_tokenize",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
            try {
                handle(llama, "llama_backend_init", FunctionDescriptor.ofVoid()).invokeExact();
                MethodHandle quiet = MethodHandles.lookup().findStatic(Native.class, "quiet",
                        MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
                MemorySegment callback = LINKER.upcallStub(quiet, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
                handle(llama, "llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS)).invokeExact(callback, MemorySegment.NULL);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        static void quiet(int level, MemorySegment text, MemorySegment user) {
            // llama.cpp's loading log is not wanted in test output.
        }

        private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException("no symbol " + name)), d);
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment model;
    private final MemorySegment vocab;

    /** Loads the metadata (in the GGUF reader's mapping) as a vocabulary-only model of the given architecture. */
    LlamaCppVocabulary(Map<String, Object> metadata, String architecture) throws Throwable {
        Path file = Files.createTempFile("vocab", ".gguf");
        try {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("general.architecture", architecture);
            all.putAll(metadata);
            writeMetadataOnly(file, all);
            MemorySegment params = (MemorySegment) Native.DEFAULT_PARAMS.invokeExact((SegmentAllocator) arena);
            params.set(JAVA_BYTE, MODEL_PARAMS.byteOffset(MemoryLayout.PathElement.groupElement("vocab_only")), (byte) 1);
            model = (MemorySegment) Native.LOAD.invokeExact(arena.allocateFrom(file.toString()), params);
            if (model.address() == 0) {
                throw new IllegalStateException("llama.cpp could not load the vocabulary");
            }
            vocab = (MemorySegment) Native.GET_VOCAB.invokeExact(model);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** llama_tokenize(text, add_special = true, parse_special = true); the text goes in as UTF-8. */
    int[] tokenize(String text) throws Throwable {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment in = call.allocate(utf8.length + 1L);
            MemorySegment.copy(utf8, 0, in, JAVA_BYTE, 0, utf8.length);
            int capacity = utf8.length + 8;
            MemorySegment out = call.allocate(JAVA_INT, capacity);
            int n = (int) Native.TOKENIZE.invokeExact(vocab, in, utf8.length, out, capacity, true, true);
            if (n < 0) {
                throw new IllegalStateException("llama_tokenize needs " + -n + " tokens");
            }
            return out.asSlice(0, 4L * n).toArray(JAVA_INT);
        }
    }

    @Override
    public void close() {
        try {
            Native.FREE.invokeExact(model);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        } finally {
            arena.close();
        }
    }

    /** GGUF version 3 with metadata only: strings, booleans, uint32 integers, and arrays of strings, float32 or int32. */
    private static void writeMetadataOnly(Path file, Map<String, Object> metadata) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            o.write("GGUF".getBytes(StandardCharsets.US_ASCII));
            o.writeInt(Integer.reverseBytes(3));
            o.writeLong(0);
            o.writeLong(Long.reverseBytes(metadata.size()));
            for (Map.Entry<String, Object> e : metadata.entrySet()) {
                string(o, e.getKey());
                Object v = e.getValue();
                if (v instanceof String s) {
                    o.writeInt(Integer.reverseBytes(8));
                    string(o, s);
                } else if (v instanceof Boolean b) {
                    o.writeInt(Integer.reverseBytes(7));
                    o.writeByte(b ? 1 : 0);
                } else if (v instanceof Long l) {
                    o.writeInt(Integer.reverseBytes(4));
                    o.writeInt(Integer.reverseBytes((int) (long) l));
                } else if (v instanceof List<?> list && !list.isEmpty()) {
                    Object first = list.get(0);
                    int type = first instanceof String ? 8 : first instanceof Float ? 6 : 5;
                    o.writeInt(Integer.reverseBytes(9));
                    o.writeInt(Integer.reverseBytes(type));
                    o.writeLong(Long.reverseBytes(list.size()));
                    for (Object x : list) {
                        switch (type) {
                            case 8 -> string(o, (String) x);
                            case 6 -> o.writeInt(Integer.reverseBytes(Float.floatToIntBits((Float) x)));
                            default -> o.writeInt(Integer.reverseBytes((int) (long) (Long) x));
                        }
                    }
                } else {
                    throw new IllegalArgumentException("cannot write " + e.getKey());
                }
            }
        }
    }

    private static void string(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeLong(Long.reverseBytes(b.length));
        o.write(b);
    }
}
