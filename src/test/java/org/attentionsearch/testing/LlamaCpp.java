package org.attentionsearch.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * llama.cpp (the fixtures' prebuilt CPU libraries) as the reference for decoders and their
 * tokenizers, through FFM. The CPU backends are loaded once and llama.cpp's logging is kept
 * quiet (its last lines go into error messages). A decode runs the whole prompt as one
 * micro-batch in a fresh context with flash attention off and an F32 KV cache, returns the
 * logits of every position and copies out the graph tensors whose names are asked for.
 * Every call holds one lock, so tests in one JVM may use it from any thread.
 */
public final class LlamaCpp {

    /** struct llama_model_params (llama.h), 80 bytes. */
    static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"),
            ADDRESS.withName("tensor_buft_overrides"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("load_mode"),
            JAVA_INT.withName("lazy_mode"),
            JAVA_INT.withName("main_gpu"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("check_tensors"),
            JAVA_BOOLEAN.withName("use_extra_bufts"),
            JAVA_BOOLEAN.withName("no_host"),
            JAVA_BOOLEAN.withName("no_alloc"),
            JAVA_BOOLEAN.withName("load_mtp"),
            MemoryLayout.paddingLayout(2));

    /** struct llama_context_params (llama.h), 160 bytes. */
    static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_rs_seq"),
            JAVA_INT.withName("n_outputs_max"),
            JAVA_INT.withName("n_outputs_max_per_seq"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("ctx_type"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_INT.withName("flash_attn_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("no_perf"),
            JAVA_BOOLEAN.withName("op_offload"),
            JAVA_BOOLEAN.withName("swa_full"),
            JAVA_BOOLEAN.withName("kv_unified"),
            MemoryLayout.paddingLayout(2),
            ADDRESS.withName("samplers"),
            JAVA_LONG.withName("n_samplers"),
            ADDRESS.withName("ctx_other"));

    /** struct llama_batch (llama.h), 56 bytes. */
    static final StructLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("n_tokens"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits"));

    /** The fields of struct ggml_tensor (ggml.h) read here: type, ne[4], nb[4] and name[64]. */
    private static final long TENSOR_SIZE = 336;
    private static final long TENSOR_TYPE = 0, TENSOR_NE = 16, TENSOR_NB = 48, TENSOR_NAME = 256;
    private static final int GGML_F32 = 0, GGML_F16 = 1;
    private static final int FLASH_ATTN_DISABLED = 0, FLASH_ATTN_ENABLED = 1;

    private static final Object LOCK = new Object();
    private static final Deque<String> LOG = new ArrayDeque<>();

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return NativeLibraries.llama(name, d);
    }

    /** llama.cpp's functions, bound and initialized on first use. */
    private static final class Native {
        static final MethodHandle LOG_SET = fn("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        static final MethodHandle BACKEND_INIT = fn("llama_backend_init", FunctionDescriptor.ofVoid());
        static final MethodHandle LOAD_ALL = NativeLibraries.ggml("ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle MODEL_DEFAULTS = fn("llama_model_default_params", FunctionDescriptor.of(MODEL_PARAMS));
        static final MethodHandle CONTEXT_DEFAULTS = fn("llama_context_default_params", FunctionDescriptor.of(CONTEXT_PARAMS));
        static final MethodHandle MODEL_LOAD = fn("llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, MODEL_PARAMS));
        static final MethodHandle MODEL_FREE = fn("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle CONTEXT_NEW = fn("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, CONTEXT_PARAMS));
        static final MethodHandle CONTEXT_FREE = fn("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle GET_VOCAB = fn("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle VOCAB_SIZE = fn("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle VOCAB_BOS = fn("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle VOCAB_EOS = fn("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle N_LAYER = fn("llama_model_n_layer", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle N_HEAD = fn("llama_model_n_head", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle N_HEAD_KV = fn("llama_model_n_head_kv", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle N_EMBD = fn("llama_model_n_embd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle N_CTX_TRAIN = fn("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle META_VAL = fn("llama_model_meta_val_str", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        static final MethodHandle TOKENIZE = fn("llama_tokenize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        static final MethodHandle TOKEN_TO_PIECE = fn("llama_token_to_piece",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));
        static final MethodHandle DETOKENIZE = fn("llama_detokenize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        static final MethodHandle CHAT_APPLY_TEMPLATE = fn("llama_chat_apply_template",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_BOOLEAN, ADDRESS, JAVA_INT));
        static final MethodHandle DECODE = fn("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
        static final MethodHandle GET_LOGITS = fn("llama_get_logits", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle GET_LOGITS_ITH = fn("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle GET_MEMORY = fn("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle MEMORY_CLEAR = fn("llama_memory_clear", FunctionDescriptor.ofVoid(ADDRESS, JAVA_BOOLEAN));
        static final MethodHandle TENSOR_GET = NativeLibraries.ggmlBase("ggml_backend_tensor_get",
                FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
        static final MethodHandle NBYTES = NativeLibraries.ggmlBase("ggml_nbytes", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        static final MethodHandle NELEMENTS = NativeLibraries.ggmlBase("ggml_nelements", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        static final MethodHandle GET_NAME = NativeLibraries.ggmlBase("ggml_get_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MemorySegment LOG_STUB;
        static final MemorySegment EVAL_STUB;

        static {
            if (MODEL_PARAMS.byteSize() != 80 || CONTEXT_PARAMS.byteSize() != 160 || BATCH.byteSize() != 56) {
                throw new IllegalStateException("llama.h struct layouts are off");
            }
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                LOG_STUB = NativeLibraries.LINKER.upcallStub(
                        lookup.findStatic(LlamaCpp.class, "log", MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class)),
                        FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
                EVAL_STUB = NativeLibraries.LINKER.upcallStub(
                        lookup.findStatic(LlamaCpp.class, "evaluated", MethodType.methodType(boolean.class, MemorySegment.class, boolean.class, MemorySegment.class)),
                        FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_BOOLEAN, ADDRESS), Arena.global());
                LOG_SET.invokeExact(LOG_STUB, MemorySegment.NULL);
                try (Arena arena = Arena.ofConfined()) {
                    LOAD_ALL.invokeExact(arena.allocateFrom(NativeLibraries.directory().toString()));
                }
                BACKEND_INIT.invokeExact();
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(t);
            }
        }
    }

    private LlamaCpp() {
    }

    // ---- logging

    /** llama.cpp's log callback: keeps the last lines for error messages, prints nothing. */
    private static void log(int level, MemorySegment text, MemorySegment userData) {
        try {
            String line = text.reinterpret(Integer.MAX_VALUE).getString(0).strip();
            if (line.isEmpty()) return;
            synchronized (LOG) {
                if (LOG.size() == 40) LOG.removeFirst();
                LOG.addLast(line);
            }
        } catch (Throwable ignored) {
            // a callback must never throw into native code
        }
    }

    /** The last lines llama.cpp logged. */
    public static List<String> recentLog() {
        synchronized (LOG) {
            return List.copyOf(LOG);
        }
    }

    private static String lastLog() {
        List<String> lines = recentLog();
        return lines.isEmpty() ? "(nothing logged)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size()));
    }

    // ---- models

    /** A loaded model (or only its vocabulary); close it to free it. */
    public static final class Model implements AutoCloseable {
        private final Path path;
        private MemorySegment model;
        private final MemorySegment vocab;

        private Model(Path path, MemorySegment model) {
            this.path = path;
            this.model = model;
            this.vocab = call(() -> (MemorySegment) Native.GET_VOCAB.invokeExact(model));
        }

        public Path path() {
            return path;
        }

        public int vocabSize() {
            return intOf(Native.VOCAB_SIZE, vocab());
        }

        public int bos() {
            return intOf(Native.VOCAB_BOS, vocab());
        }

        public int eos() {
            return intOf(Native.VOCAB_EOS, vocab());
        }

        public int layers() {
            return intOf(Native.N_LAYER, handle());
        }

        public int heads() {
            return intOf(Native.N_HEAD, handle());
        }

        public int kvHeads() {
            return intOf(Native.N_HEAD_KV, handle());
        }

        public int embeddingLength() {
            return intOf(Native.N_EMBD, handle());
        }

        public int trainedContext() {
            return intOf(Native.N_CTX_TRAIN, handle());
        }

        /** A metadata value as llama.cpp prints it. */
        public Optional<String> metadata(String key) {
            synchronized (LOCK) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(1 << 16);
                    int n = (int) Native.META_VAL.invokeExact(handle(), arena.allocateFrom(key), buf, buf.byteSize());
                    return n < 0 ? Optional.empty() : Optional.of(buf.getString(0));
                } catch (Throwable t) {
                    throw Ggml.rethrow(t);
                }
            }
        }

        private MemorySegment handle() {
            if (model == null) throw new IllegalStateException(path + " is closed");
            return model;
        }

        private MemorySegment vocab() {
            handle();
            return vocab;
        }

        private static int intOf(MethodHandle f, MemorySegment arg) {
            synchronized (LOCK) {
                return call(() -> (int) f.invokeExact(arg));
            }
        }

        @Override
        public void close() {
            synchronized (LOCK) {
                if (model == null) return;
                MemorySegment m = model;
                model = null;
                call(() -> {
                    Native.MODEL_FREE.invokeExact(m);
                    return null;
                });
            }
        }
    }

    public static Model load(Path gguf) {
        return load(gguf, false);
    }

    /** Only the vocabulary: enough to tokenize, nothing to decode. */
    public static Model loadVocabOnly(Path gguf) {
        return load(gguf, true);
    }

    private static Model load(Path gguf, boolean vocabOnly) {
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment params = (MemorySegment) Native.MODEL_DEFAULTS.invokeExact((SegmentAllocator) arena);
                params.set(JAVA_BOOLEAN, offset(MODEL_PARAMS, "vocab_only"), vocabOnly);
                params.set(JAVA_INT, offset(MODEL_PARAMS, "n_gpu_layers"), 0);
                // weights as stored: no repacking into CPU-specific layouts (it only slows loading here)
                params.set(JAVA_BOOLEAN, offset(MODEL_PARAMS, "use_extra_bufts"), false);
                MemorySegment model = (MemorySegment) Native.MODEL_LOAD.invokeExact(arena.allocateFrom(gguf.toAbsolutePath().toString()), params);
                if (model.equals(MemorySegment.NULL)) {
                    throw new IllegalStateException("llama.cpp cannot load " + gguf + ": " + lastLog());
                }
                return new Model(gguf, model);
            } catch (Throwable t) {
                throw Ggml.rethrow(t);
            }
        }
    }

    // ---- tokenizer

    public static int[] tokenize(Model model, String text, boolean addSpecial, boolean parseSpecial) {
        return tokenize(model, text.getBytes(StandardCharsets.UTF_8), addSpecial, parseSpecial);
    }

    /** Tokenizes UTF-8 bytes as given (a Java string with a lone surrogate cannot carry them). */
    public static int[] tokenize(Model model, byte[] utf8, boolean addSpecial, boolean parseSpecial) {
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment text = arena.allocate(Math.max(1, utf8.length));
                MemorySegment.copy(utf8, 0, text, JAVA_BYTE, 0, utf8.length);
                int capacity = utf8.length + 8;
                while (true) {
                    MemorySegment out = arena.allocate(JAVA_INT, capacity);
                    int n = (int) Native.TOKENIZE.invokeExact(model.vocab(), text, utf8.length, out, capacity, addSpecial, parseSpecial);
                    if (n == Integer.MIN_VALUE) throw new IllegalStateException("llama.cpp's tokenization overflowed");
                    if (n >= 0) return out.asSlice(0, 4L * n).toArray(JAVA_INT);
                    capacity = -n;
                }
            } catch (Throwable t) {
                throw Ggml.rethrow(t);
            }
        }
    }

    /** The bytes of one token's text (a byte token's single byte may be part of a character). */
    public static byte[] pieceBytes(Model model, int token, boolean special) {
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                int capacity = 64;
                while (true) {
                    MemorySegment buf = arena.allocate(capacity);
                    int n = (int) Native.TOKEN_TO_PIECE.invokeExact(model.vocab(), token, buf, capacity, 0, special);
                    if (n >= 0) return buf.asSlice(0, n).toArray(JAVA_BYTE);
                    capacity = -n;
                }
            } catch (Throwable t) {
                throw Ggml.rethrow(t);
            }
        }
    }

    public static String piece(Model model, int token, boolean special) {
        return new String(pieceBytes(model, token, special), StandardCharsets.UTF_8);
    }

    public static byte[] detokenizeBytes(Model model, int[] tokens, boolean removeSpecial, boolean unparseSpecial) {
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ids = arena.allocateFrom(JAVA_INT, tokens.length == 0 ? new int[1] : tokens);
                int capacity = 16 * tokens.length + 16;
                while (true) {
                    MemorySegment buf = arena.allocate(capacity);
                    int n = (int) Native.DETOKENIZE.invokeExact(model.vocab(), ids, tokens.length, buf, capacity, removeSpecial, unparseSpecial);
                    if (n >= 0) return buf.asSlice(0, n).toArray(JAVA_BYTE);
                    capacity = -n;
                }
            } catch (Throwable t) {
                throw Ggml.rethrow(t);
            }
        }
    }

    public static String detokenize(Model model, int[] tokens, boolean removeSpecial, boolean unparseSpecial) {
        return new String(detokenizeBytes(model, tokens, removeSpecial, unparseSpecial), StandardCharsets.UTF_8);
    }

    // ---- chat templates

    /** struct llama_chat_message (llama.h): a role and a content, both C strings. */
    static final StructLayout CHAT_MESSAGE = MemoryLayout.structLayout(ADDRESS.withName("role"), ADDRESS.withName("content"));

    /** One turn for {@link #applyChatTemplate}. */
    public record ChatMessage(String role, String content) {
    }

    /**
     * llama.cpp's rendering of a conversation (llama_chat_apply_template): it recognises the template
     * among those it knows by text it contains and writes the turns with its own code, no Jinja,
     * and without BOS; empty when it does not recognise the template.
     *
     * @param addAssistant whether to end with the opening of the assistant's turn
     */
    public static Optional<String> applyChatTemplate(String template, List<ChatMessage> messages, boolean addAssistant) {
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment chat = arena.allocate(CHAT_MESSAGE, Math.max(1, messages.size()));
                for (int i = 0; i < messages.size(); i++) {
                    MemorySegment m = chat.asSlice(i * CHAT_MESSAGE.byteSize(), CHAT_MESSAGE.byteSize());
                    m.set(ADDRESS, 0, arena.allocateFrom(messages.get(i).role()));
                    m.set(ADDRESS, ADDRESS.byteSize(), arena.allocateFrom(messages.get(i).content()));
                }
                MemorySegment tmpl = arena.allocateFrom(template);
                int capacity = 256;
                for (ChatMessage m : messages) capacity += 2 * (m.role().length() + m.content().length()) * 3;
                while (true) {
                    MemorySegment buf = arena.allocate(capacity);
                    int n = (int) Native.CHAT_APPLY_TEMPLATE.invokeExact(tmpl, chat, (long) messages.size(), addAssistant, buf, capacity);
                    if (n < 0) return Optional.empty();
                    if (n <= capacity) return Optional.of(new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
                    capacity = n;
                }
            } catch (Throwable t) {
                throw Ggml.rethrow(t);
            }
        }
    }

    // ---- decoding

    /**
     * A graph tensor as computed: its ggml shape, ne[0] fastest, without trailing 1s (the rank
     * ggml_n_dims gives), and its values in that order as float32.
     */
    public record Captured(String name, long[] ne, float[] data) {

        /** The value at ggml indices (i0, i1, …), missing trailing indices 0. */
        public float at(long... index) {
            long flat = 0;
            long stride = 1;
            for (int d = 0; d < ne.length; d++) {
                long i = d < index.length ? index[d] : 0;
                flat += i * stride;
                stride *= ne[d];
            }
            return data[(int) flat];
        }
    }

    /** One decode: logits [position × vocabulary] and the captured tensors in graph order. */
    public record Run(int[] tokens, int vocabSize, float[] logits, List<Captured> captured) {

        public float[] logits(int position) {
            return Arrays.copyOfRange(logits, position * vocabSize, (position + 1) * vocabSize);
        }

        /** Every capture of this name in graph order (some names are given to several nodes). */
        public List<Captured> all(String name) {
            return captured.stream().filter(c -> c.name().equals(name)).toList();
        }

        /** The last node of this name: its final value. */
        public Captured last(String name) {
            List<Captured> all = all(name);
            if (all.isEmpty()) throw new IllegalArgumentException("no tensor " + name + " was captured");
            return all.getLast();
        }

        /**
         * Layer {@code layer}'s attention weights [head][query][key] from {@code kq_soft_max-L},
         * which is laid out [n_kv × n_tokens × heads] with n_kv the cache's padded length: keys
         * past the prompt are cropped.
         */
        public float[][][] attention(int layer) {
            Captured kq = last("kq_soft_max-" + layer);
            int nKv = (int) kq.ne()[0];
            int n = (int) kq.ne()[1];
            int heads = (int) kq.ne()[2];
            float[][][] out = new float[heads][n][n];
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < n; q++) {
                    System.arraycopy(kq.data(), (h * n + q) * nKv, out[h][q], 0, n);
                }
            }
            return out;
        }
    }

    private record Capture(Predicate<String> wanted, List<Captured> captured, Throwable[] failure) {
    }

    private static volatile Capture capture; // the decode in progress (decodes hold the lock)

    /**
     * Runs {@code tokens} as one batch at positions 0.. in a fresh context and returns the logits
     * of every position plus every graph tensor whose name {@code wanted} accepts
     * (e.g. {@code kq_soft_max-0}, {@code Qcur-0}, {@code l_out-1}, {@code result_norm}).
     */
    public static Run decode(Model model, int[] tokens, Predicate<String> wanted, int threads) {
        if (tokens.length == 0) throw new IllegalArgumentException("nothing to decode");
        if (tokens.length > model.trainedContext()) { // learned positions end there: llama.cpp would abort the JVM
            throw new IllegalArgumentException(tokens.length + " tokens are more than the model's context of " + model.trainedContext());
        }
        synchronized (LOCK) {
            int n = tokens.length;
            int nCtx = (n + 255) / 256 * 256;
            MemorySegment ctx = MemorySegment.NULL;
            try (Arena arena = Arena.ofConfined()) {
                ctx = context(arena, model, nCtx, nCtx, threads, false, true, true);

                MemorySegment batch = batch(arena, tokens);
                Capture current = new Capture(wanted, new ArrayList<>(), new Throwable[1]);
                capture = current;
                int rc;
                try {
                    rc = (int) Native.DECODE.invokeExact(ctx, batch);
                } finally {
                    capture = null;
                }
                if (current.failure()[0] != null) throw new IllegalStateException("copying a graph tensor failed", current.failure()[0]);
                if (rc != 0) throw new IllegalStateException("llama_decode returned " + rc + ": " + lastLog());
                int vocab = model.vocabSize();
                MemorySegment logits = ((MemorySegment) Native.GET_LOGITS.invokeExact(ctx)).reinterpret(4L * n * vocab);
                return new Run(tokens.clone(), vocab, logits.toArray(JAVA_FLOAT), List.copyOf(current.captured()));
            } catch (Throwable t) {
                throw Ggml.rethrow(t);
            } finally {
                capture = null;
                if (!ctx.equals(MemorySegment.NULL)) {
                    MemorySegment c = ctx;
                    call(() -> {
                        Native.CONTEXT_FREE.invokeExact(c);
                        return null;
                    });
                }
            }
        }
    }

    /**
     * A context of one sequence of up to nCtx tokens, decoded in batches of up to nBatch; {@code exact}:
     * an F32 KV cache (for exact numbers) instead of llama.cpp's default F16; with {@code capture},
     * the eval callback that copies out the graph tensors a decode asks for.
     */
    private static MemorySegment context(Arena arena, Model model, int nCtx, int nBatch, int threads, boolean flashAttention,
                                         boolean exact, boolean capture) throws Throwable {
        MemorySegment params = (MemorySegment) Native.CONTEXT_DEFAULTS.invokeExact((SegmentAllocator) arena);
        setInt(params, "n_ctx", nCtx);
        setInt(params, "n_batch", nBatch);
        setInt(params, "n_ubatch", nBatch);
        setInt(params, "n_seq_max", 1);
        setInt(params, "n_threads", threads);
        setInt(params, "n_threads_batch", threads);
        setInt(params, "flash_attn_type", flashAttention ? FLASH_ATTN_ENABLED : FLASH_ATTN_DISABLED);
        if (exact) {
            setInt(params, "type_k", GGML_F32);
            setInt(params, "type_v", GGML_F32);
        }
        if (capture) {
            params.set(ADDRESS, offset(CONTEXT_PARAMS, "cb_eval"), Native.EVAL_STUB);
            params.set(ADDRESS, offset(CONTEXT_PARAMS, "cb_eval_user_data"), MemorySegment.NULL);
        }
        MemorySegment ctx = (MemorySegment) Native.CONTEXT_NEW.invokeExact(model.handle(), params);
        if (ctx.equals(MemorySegment.NULL)) throw new IllegalStateException("llama.cpp cannot make a context: " + lastLog());
        return ctx;
    }

    /** Greedy generation: each step's logits (the prompt's last first) and the ids chosen from them. */
    public record Greedy(int[] ids, List<float[]> logits) {
    }

    /**
     * Greedy generation in one context: the prompt as one batch, then one token per decode at the
     * next position, each chosen as the largest logit (the lower id on ties), {@code steps} times.
     */
    public static Greedy greedy(Model model, int[] prompt, int steps, int threads) {
        if (prompt.length + steps > model.trainedContext()) {
            throw new IllegalArgumentException(prompt.length + steps + " tokens are more than the model's context of " + model.trainedContext());
        }
        int nCtx = (prompt.length + steps + 255) / 256 * 256;
        try (Session session = new Session(model, nCtx, nCtx, threads, false, true)) {
            int[] ids = new int[steps];
            List<float[]> logits = new ArrayList<>();
            int[] next = prompt;
            for (int s = 0; s < steps; s++) {
                session.decode(next);
                logits.add(session.lastLogits());
                ids[s] = session.argmaxLast();
                next = new int[] {ids[s]};
            }
            return new Greedy(ids, List.copyOf(logits));
        }
    }

    /**
     * A context kept open for repeated decodes, as a benchmark times them: one sequence of up to
     * {@code nCtx} tokens, decoded in batches of up to {@code nBatch}, flash attention off or on, no
     * eval callback; llama.cpp's default KV cache type (F16) for timing, F32 for exact numbers. Not thread-safe.
     */
    public static final class Session implements AutoCloseable {
        private final Model model;
        private final int vocab;
        private final Arena arena = Arena.ofConfined();
        private MemorySegment ctx;
        private int position;

        private Session(Model model, int nCtx, int nBatch, int threads, boolean flashAttention, boolean exact) {
            this.model = model;
            this.vocab = model.vocabSize();
            synchronized (LOCK) {
                try {
                    ctx = context(arena, model, nCtx, nBatch, threads, flashAttention, exact, false);
                } catch (Throwable t) {
                    arena.close();
                    throw Ggml.rethrow(t);
                }
            }
        }

        /** Empties the KV cache: the next decode starts at position 0. */
        public void clear() {
            synchronized (LOCK) {
                call(() -> {
                    MemorySegment memory = (MemorySegment) Native.GET_MEMORY.invokeExact(handle());
                    Native.MEMORY_CLEAR.invokeExact(memory, true);
                    return null;
                });
                position = 0;
            }
        }

        /** Tokens in the cache: the position of the next one. */
        public int position() {
            return position;
        }

        /** Decodes {@code tokens} at the next positions, with logits for the last one only. */
        public void decode(int[] tokens) {
            synchronized (LOCK) {
                try (Arena call = Arena.ofConfined()) {
                    int rc = (int) Native.DECODE.invokeExact(handle(), batch(call, tokens, position, false));
                    if (rc != 0) throw new IllegalStateException("llama_decode returned " + rc + ": " + lastLog());
                    position += tokens.length;
                } catch (Throwable t) {
                    throw Ggml.rethrow(t);
                }
            }
        }

        /** The last decoded token's logits. */
        public float[] lastLogits() {
            synchronized (LOCK) {
                return call(() -> ((MemorySegment) Native.GET_LOGITS_ITH.invokeExact(handle(), -1))
                        .reinterpret(4L * vocab).toArray(JAVA_FLOAT));
            }
        }

        /** The largest of the last decoded token's logits (the lower id on ties), read in place. */
        public int argmaxLast() {
            synchronized (LOCK) {
                MemorySegment row = call(() -> ((MemorySegment) Native.GET_LOGITS_ITH.invokeExact(handle(), -1)).reinterpret(4L * vocab));
                int best = 0;
                float max = row.getAtIndex(JAVA_FLOAT, 0);
                for (int t = 1; t < vocab; t++) {
                    float v = row.getAtIndex(JAVA_FLOAT, t);
                    if (v > max) {
                        max = v;
                        best = t;
                    }
                }
                return best;
            }
        }

        private MemorySegment handle() {
            if (ctx == null) throw new IllegalStateException("the context is closed");
            model.handle();
            return ctx;
        }

        @Override
        public void close() {
            synchronized (LOCK) {
                if (ctx == null) return;
                MemorySegment c = ctx;
                ctx = null;
                try {
                    call(() -> {
                        Native.CONTEXT_FREE.invokeExact(c);
                        return null;
                    });
                } finally {
                    arena.close();
                }
            }
        }
    }

    /** A reusable context for timing decodes (see {@link Session}). */
    public static Session session(Model model, int nCtx, int nBatch, int threads, boolean flashAttention) {
        return new Session(model, nCtx, nBatch, threads, flashAttention, false);
    }

    /** A decode capturing the graph tensors of these names. */
    public static Run decode(Model model, int[] tokens, Set<String> names, int threads) {
        return decode(model, tokens, names::contains, threads);
    }

    /** A decode for the logits alone. */
    public static Run decode(Model model, int[] tokens, int threads) {
        return decode(model, tokens, name -> false, threads);
    }

    /** One sequence (id 0) at positions 0..n-1, every position's logits wanted. */
    private static MemorySegment batch(Arena arena, int[] tokens) {
        return batch(arena, tokens, 0, true);
    }

    /** One sequence (id 0) at positions first.., the logits of every position or of the last one only. */
    private static MemorySegment batch(Arena arena, int[] tokens, int first, boolean allLogits) {
        int n = tokens.length;
        MemorySegment positions = arena.allocate(JAVA_INT, n);
        MemorySegment seqCounts = arena.allocate(JAVA_INT, n);
        MemorySegment seqIds = arena.allocate(ADDRESS, n);
        MemorySegment seqZero = arena.allocate(JAVA_INT);
        MemorySegment outputs = arena.allocate(JAVA_BYTE, n);
        for (int i = 0; i < n; i++) {
            positions.setAtIndex(JAVA_INT, i, first + i);
            seqCounts.setAtIndex(JAVA_INT, i, 1);
            seqIds.setAtIndex(ADDRESS, i, seqZero);
            outputs.set(JAVA_BYTE, i, (byte) (allLogits || i == n - 1 ? 1 : 0));
        }
        MemorySegment batch = arena.allocate(BATCH);
        batch.set(JAVA_INT, offset(BATCH, "n_tokens"), n);
        batch.set(ADDRESS, offset(BATCH, "token"), arena.allocateFrom(JAVA_INT, tokens));
        batch.set(ADDRESS, offset(BATCH, "embd"), MemorySegment.NULL);
        batch.set(ADDRESS, offset(BATCH, "pos"), positions);
        batch.set(ADDRESS, offset(BATCH, "n_seq_id"), seqCounts);
        batch.set(ADDRESS, offset(BATCH, "seq_id"), seqIds);
        batch.set(ADDRESS, offset(BATCH, "logits"), outputs);
        return batch;
    }

    /**
     * The scheduler's eval callback: asked first whether a node is wanted (answer by name), then
     * handed each wanted node once computed, whose values are copied out here.
     */
    private static boolean evaluated(MemorySegment tensor, boolean ask, MemorySegment userData) {
        Capture c = capture;
        if (c == null) return ask ? false : true;
        try {
            MemorySegment t = tensor.reinterpret(TENSOR_SIZE);
            String name = t.getString(TENSOR_NAME);
            if (ask) return c.wanted().test(name);
            c.captured().add(copy(t, name));
            return true;
        } catch (Throwable e) {
            if (c.failure()[0] == null) c.failure()[0] = e;
            return !ask;
        }
    }

    /** The tensor's values through its strides nb[] (views may not be contiguous), widened to float32. */
    private static Captured copy(MemorySegment t, String name) throws Throwable {
        int type = t.get(JAVA_INT, TENSOR_TYPE);
        long[] ne = new long[4];
        long[] nb = new long[4];
        long count = 1;
        for (int d = 0; d < 4; d++) {
            ne[d] = t.get(JAVA_LONG, TENSOR_NE + 8L * d);
            nb[d] = t.get(JAVA_LONG, TENSOR_NB + 8L * d);
            count *= ne[d];
        }
        MemorySegment namePointer = (MemorySegment) Native.GET_NAME.invokeExact(t);
        if (namePointer.address() != t.address() + TENSOR_NAME || (long) Native.NELEMENTS.invokeExact(t) != count) {
            throw new IllegalStateException("struct ggml_tensor is not laid out as ggml.h says");
        }
        if (type != GGML_F32 && type != GGML_F16) throw new IllegalStateException(name + " has ggml type " + type + ", not F32 or F16");
        if (count > Integer.MAX_VALUE - 8) throw new IllegalStateException(name + " is too large to capture");
        long bytes = (long) Native.NBYTES.invokeExact(t);
        float[] out = new float[(int) count];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, bytes), 64);
            Native.TENSOR_GET.invokeExact(t, buf, 0L, bytes);
            int k = 0;
            for (long i3 = 0; i3 < ne[3]; i3++) {
                for (long i2 = 0; i2 < ne[2]; i2++) {
                    for (long i1 = 0; i1 < ne[1]; i1++) {
                        long row = i3 * nb[3] + i2 * nb[2] + i1 * nb[1];
                        for (long i0 = 0; i0 < ne[0]; i0++) {
                            long at = row + i0 * nb[0];
                            out[k++] = type == GGML_F32 ? buf.get(JAVA_FLOAT, at) : Float.float16ToFloat(buf.get(JAVA_SHORT, at));
                        }
                    }
                }
            }
        }
        int rank = 4;
        while (rank > 1 && ne[rank - 1] == 1) rank--;
        return new Captured(name, Arrays.copyOf(ne, rank), out);
    }

    // ---- helpers

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static void setInt(MemorySegment params, String field, int value) {
        params.set(JAVA_INT, offset(CONTEXT_PARAMS, field), value);
    }

    private interface NativeCall<T> {
        T run() throws Throwable;
    }

    private static <T> T call(NativeCall<T> c) {
        try {
            return c.run();
        } catch (Throwable t) {
            throw Ggml.rethrow(t);
        }
    }
}
