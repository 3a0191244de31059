package org.attentionsearch.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The tokenizer of a GGUF file, tokenizing as llama.cpp does (its {@code llama_tokenize} with special
 * tokens added and special-token text parsed): special tokens written in the text are cut out first,
 * longest first; the rest is tokenized per piece, either sentencepiece-style (spaces as {@code ▁}, a
 * space in front of the first piece and of every piece after a special token, pairs merged by highest
 * token score, unknown characters as {@code <0xNN>} byte tokens) or byte-level BPE (split as the file's
 * pre-tokenizer names, pairs merged by lowest merge rank). Every token also gets its span in the
 * original text: a piece's added leading space shares its first character's span, byte tokens that
 * make up one character share that character's span.
 * <p>A lone surrogate is read as U+FFFD. Immutable and safe for concurrent use.
 */
final class GgufTokenizer extends VocabularyTokenizer {

    // Token attributes, as llama.cpp keeps them (one token can have several).
    private static final int A_NORMAL = 1;
    private static final int A_UNKNOWN = 2;
    private static final int A_CONTROL = 4;
    private static final int A_USER_DEFINED = 8;
    private static final int A_UNUSED = 16;
    private static final int A_BYTE = 32;

    private static final int SPACE_MARK = 0x2581;

    /** Token names llama.cpp treats as end of generation (and so as control tokens) wherever they appear. */
    private static final Set<String> END_OF_GENERATION = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>",
            "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");
    /** Fill-in-the-middle token names llama.cpp marks as control tokens (the pad, repo and file ones also end generation). */
    private static final List<String> FIM = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>",
            "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>", "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>", "<|fim_middle|>", "<fim-middle>",
            "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_ENDING = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
            "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>");

    private final boolean sentencepiece;
    private final float[] scores;
    private final int[] attrs;
    /** Special-token candidates (control, user-defined, unknown), longest UTF-8 text first. */
    private final int[] specials;
    /** Merge ranks by the ids of both parts: no string is built per candidate, and no string kept per merge. */
    private final Bpe.PairMerges idRanks;
    /** The ranks of the merges whose parts are not both tokens (rare), by "left right". */
    private final Map<String, Integer> ranks;
    private final LlamaCppSplitter splitter;
    private final boolean ignoreMerges;
    private final boolean addSpacePrefix;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean cleanSpaces;
    private final int bos;
    private final int eos;
    private final int[] byteTokens = new int[256];

    /** The unknown token, or −1. */
    private final int unknown;

    private GgufTokenizer(GgufVocabulary v, int[] attrs, TokenVocabulary vocabulary) {
        super(vocabulary);
        this.attrs = attrs;
        int n = v.size();
        sentencepiece = v.model().equals("llama");
        scores = v.scores();
        GgufPreTokenizer pre = sentencepiece ? null : GgufPreTokenizer.named(v.pre());
        splitter = pre == null ? null : new LlamaCppSplitter(pre.expressions());
        ignoreMerges = pre != null && pre.ignoreMerges();
        cleanSpaces = pre != null && pre.cleanSpaces();
        addSpacePrefix = v.addSpacePrefix() != null ? v.addSpacePrefix() : sentencepiece;
        addBos = v.addBos() != null ? v.addBos() : (sentencepiece || pre.addBos());
        addEos = v.addEos() != null && v.addEos();
        unknown = v.unk() >= 0 && v.unk() < n ? v.unk() : -1;
        bos = vocabulary.bos().orElse(-1);
        eos = vocabulary.eos().orElse(-1);

        ranks = new HashMap<>();
        idRanks = new Bpe.PairMerges(v.merges().size());
        for (int r = 0; r < v.merges().size(); r++) {
            String merge = v.merges().get(r);
            // llama.cpp splits a merge at its first space after the first character.
            int space = merge.indexOf(' ', 1);
            int left = space < 0 ? -1 : vocabulary.idOf(merge.substring(0, space));
            int right = space < 0 ? -1 : vocabulary.idOf(merge.substring(space + 1));
            if (left < 0 || right < 0) {
                ranks.putIfAbsent(merge, r);
            } else if (idRanks.get(left, right) == Bpe.PairMerges.NONE) {
                idRanks.put(left, right, r, 0); // a repeated merge keeps its first rank
            }
        }

        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & (A_CONTROL | A_USER_DEFINED | A_UNKNOWN)) != 0) {
                candidates.add(i);
            }
        }
        int[] byteLength = new int[n];
        for (int id : candidates) {
            byteLength[id] = vocabulary.token(id).getBytes(StandardCharsets.UTF_8).length;
        }
        // Longest first; among equal lengths llama.cpp's order is unspecified, here it is by id.
        candidates.sort((a, b) -> byteLength[a] != byteLength[b] ? byteLength[b] - byteLength[a] : a - b);
        specials = candidates.stream().mapToInt(Integer::intValue).toArray();

        // Sentencepiece byte fallback: <0xNN>, else (as llama.cpp tries next) the byte itself as a one-character token.
        for (int b = 0; b < 256; b++) {
            int id = vocabulary.idOf(String.format("<0x%02X>", b));
            byteTokens[b] = id < 0 && b < 0x80 ? vocabulary.idOf(Character.toString(b)) : id;
        }
    }

    static Tokenizer fromMetadata(Map<String, Object> metadata) {
        Objects.requireNonNull(metadata, "metadata");
        GgufVocabulary v = GgufVocabulary.read(metadata);
        int[] attrs = attributes(v);
        return new GgufTokenizer(v, attrs, vocabulary(v, attrs));
    }

    /**
     * llama.cpp's attributes of the tokens: from their types, and control for the end-of-turn and
     * fill-in-the-middle names it recognises (unused too when a control token's name says so).
     */
    private static int[] attributes(GgufVocabulary v) {
        int n = v.size();
        int[] attrs = new int[n];
        for (int i = 0; i < n; i++) {
            attrs[i] = switch (v.types()[i]) {
                case GgufVocabulary.NORMAL -> A_NORMAL;
                case GgufVocabulary.UNKNOWN -> A_UNKNOWN;
                case GgufVocabulary.CONTROL -> A_CONTROL;
                case GgufVocabulary.USER_DEFINED -> A_USER_DEFINED;
                case GgufVocabulary.UNUSED -> A_UNUSED;
                case GgufVocabulary.BYTE -> A_BYTE;
                default -> 0;
            };
            String text = v.tokens().get(i);
            if (END_OF_GENERATION.contains(text) || FIM.contains(text) || FIM_ENDING.contains(text)) {
                attrs[i] |= A_CONTROL;
            }
            if ((attrs[i] & A_CONTROL) != 0 && text.contains("unused")) {
                attrs[i] |= A_UNUSED;
            }
        }
        return attrs;
    }

    /**
     * The vocabulary as llama.cpp answers for it: control and unknown tokens special, BOS and EOS the
     * file's or llama.cpp's defaults, generation stopped by EOS, the end-of-turn ids and the tokens
     * whose names end generation.
     *
     * @throws TokenizerFormatException if a token is there twice
     */
    private static TokenVocabulary vocabulary(GgufVocabulary v, int[] attrs) {
        int n = v.size();
        String[] texts = v.tokens().toArray(new String[0]);
        TokenIds ids = TokenIds.of(texts);
        if (ids.repeated() >= 0) {
            throw new TokenizerFormatException("The GGUF vocabulary has the token \"" + Excerpt.of(texts[ids.repeated()]) + "\" twice.");
        }
        // Defaults of llama.cpp when the file names no id (an id out of range keeps the default).
        int bos = special(v.bos(), v.model().equals("llama") ? 1 : 11, n);
        int eos = special(v.eos(), v.model().equals("llama") ? 2 : 11, n);
        Set<Integer> stops = new LinkedHashSet<>();
        for (int id : new int[] {eos, special(v.eot(), -1, n), special(v.eom(), -1, n)}) {
            if (id >= 0) {
                stops.add(id);
            }
        }
        boolean[] special = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (END_OF_GENERATION.contains(texts[i]) || FIM_ENDING.contains(texts[i])) {
                stops.add(i);
            }
            special[i] = (attrs[i] & (A_CONTROL | A_UNKNOWN)) != 0;
        }
        return new TokenVocabulary(texts, ids, special, bos, eos, stops.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int special(int fromFile, int fallback, int n) {
        if (fromFile >= 0 && fromFile < n) {
            return fromFile;
        }
        return fallback < n ? fallback : -1;
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding

    @Override
    public Encoding encode(String text) {
        Objects.requireNonNull(text, "text");
        String s = withoutLoneSurrogates(text);
        TokenBuffer out = new TokenBuffer();
        boolean prevSpecial = true;
        for (int[] f : fragments(s)) {
            if (f[2] >= 0) {
                out.add(f[2], vocabulary.token(f[2]), f[0], f[1]);
                prevSpecial = true;
            } else {
                AlignedText piece = AlignedText.of(s, f[0], f[1]);
                if (sentencepiece) {
                    if (addSpacePrefix && prevSpecial) {
                        piece = piece.prepend(" ");
                    }
                    sentencepiece(piece.replaceChar(' ', SPACE_MARK), out);
                } else {
                    bytePairs(piece, out);
                }
                prevSpecial = false;
            }
        }
        return finish(out, addBos && bos >= 0, addEos && eos >= 0);
    }

    /** The tokens with BOS in front and EOS behind when the vocabulary adds them. */
    private Encoding finish(TokenBuffer b, boolean withBos, boolean withEos) {
        int n = b.size + (withBos ? 1 : 0) + (withEos ? 1 : 0);
        int[] idArray = new int[n];
        String[] tokens = new String[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int k = 0;
        if (withBos) {
            idArray[k] = bos;
            tokens[k] = vocabulary.token(bos);
            starts[k] = -1;
            ends[k++] = -1;
        }
        System.arraycopy(b.ids, 0, idArray, k, b.size);
        System.arraycopy(b.tokens, 0, tokens, k, b.size);
        System.arraycopy(b.starts, 0, starts, k, b.size);
        System.arraycopy(b.ends, 0, ends, k, b.size);
        k += b.size;
        if (withEos) {
            idArray[k] = eos;
            tokens[k] = vocabulary.token(eos);
            starts[k] = -1;
            ends[k] = -1;
        }
        return new Encoding(idArray, new int[n], tokens, starts, ends);
    }

    /**
     * The text cut at special tokens: triples {@code start, end, id} with id -1 for plain text. Each
     * special token in turn, longest first, is cut out of every plain fragment wherever it occurs.
     */
    private List<int[]> fragments(String s) {
        List<int[]> frags = new ArrayList<>();
        if (s.isEmpty()) {
            return frags;
        }
        frags.add(new int[] {0, s.length(), -1});
        for (int id : specials) {
            String t = vocabulary.token(id);
            List<int[]> next = null;
            for (int f = 0; f < frags.size(); f++) {
                int[] frag = frags.get(f);
                if (frag[2] >= 0 || s.indexOf(t, frag[0]) < 0 || s.indexOf(t, frag[0]) + t.length() > frag[1]) {
                    if (next != null) {
                        next.add(frag);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(frags.subList(0, f));
                }
                int from = frag[0];
                int at;
                while ((at = s.indexOf(t, from)) >= 0 && at + t.length() <= frag[1]) {
                    if (at > from) {
                        next.add(new int[] {from, at, -1});
                    }
                    next.add(new int[] {at, at + t.length(), id});
                    from = at + t.length();
                }
                if (from < frag[1]) {
                    next.add(new int[] {from, frag[1], -1});
                }
            }
            if (next != null) {
                frags = next;
            }
        }
        return frags;
    }

    /** One bigram candidate: symbols {@code left} and {@code right} (adjacent when made), ordered by score or by rank. */
    private record Bigram(int left, int right, float score, int rank, int size) {}

    /** The symbols of a piece being merged: their lengths in characters, linked in order by their first positions. */
    private static final class Symbols {
        final int[] len;
        final int[] prev;
        final int[] next;   // -1 after the last

        /** Every character its own symbol. */
        Symbols(int n) {
            len = new int[n];
            prev = new int[n];
            next = new int[n];
            for (int k = 0; k < n; k++) {
                len[k] = 1;
                prev[k] = k - 1;
                next[k] = k + 1 < n ? k + 1 : -1;
            }
        }

        /** Whether both symbols of the candidate are still there, with the lengths it was made from. */
        boolean current(Bigram b) {
            return len[b.left] != 0 && len[b.right] != 0 && len[b.left] + len[b.right] == b.size;
        }

        /** Joins symbol {@code right} into {@code left}, its predecessor. */
        void merge(int left, int right) {
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
        }
    }

    /**
     * llama.cpp's sentencepiece merge: start from the characters, repeatedly merge the adjacent pair whose
     * concatenation is the token of highest score (leftmost on ties), then emit each symbol as its token,
     * or as the byte tokens of its UTF-8 if it is none.
     */
    private void sentencepiece(AlignedText t, TokenBuffer out) {
        int n = t.length;
        if (n == 0) {
            return;
        }
        Symbols s = new Symbols(n);
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int k = 1; k < n; k++) {
            addScoredBigram(t, k - 1, k, s.len, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            if (!s.current(b)) {
                continue;
            }
            s.merge(b.left, b.right);
            addScoredBigram(t, s.prev[b.left], b.left, s.len, queue);
            addScoredBigram(t, b.left, s.next[b.left], s.len, queue);
        }
        for (int k = 0; k != -1; k = s.next[k]) {
            emit(t, k, s.len[k], out);
        }
    }

    private void addScoredBigram(AlignedText t, int left, int right, int[] len, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int id = vocabulary.idOf(new String(t.cps, left, len[left] + len[right]));
        if (id < 0) {
            return;
        }
        queue.add(new Bigram(left, right, scores[id], 0, len[left] + len[right]));
    }

    /** A final symbol: its token, or one token per UTF-8 byte (each with the whole character's span). */
    private void emit(AlignedText t, int from, int length, TokenBuffer out) {
        String text = new String(t.cps, from, length);
        int id = vocabulary.idOf(text);
        int start = t.starts[from];
        int end = t.ends[from + length - 1];
        if (id >= 0) {
            out.add(id, vocabulary.token(id), start, end);
            return;
        }
        for (int k = from; k < from + length; k++) {
            byte[] bytes = Character.toString(t.cps[k]).getBytes(StandardCharsets.UTF_8);
            boolean written = false;
            for (byte b : bytes) {
                int byteId = byteTokens[b & 0xFF];
                if (byteId >= 0) {
                    out.add(byteId, vocabulary.token(byteId), t.starts[k], t.ends[k]);
                    written = true;
                }
            }
            // A vocabulary without byte tokens cannot spell this character (llama.cpp fails on it):
            // it becomes the unknown token rather than vanish.
            if (!written && unknown >= 0) out.add(unknown, vocabulary.token(unknown), t.starts[k], t.ends[k]);
        }
    }

    /**
     * llama.cpp's byte-level BPE: split the piece, write each word's UTF-8 bytes as byte-level characters,
     * merge by lowest rank (leftmost on ties); a final symbol that is no token falls back to the tokens
     * of its single bytes where they exist.
     */
    private void bytePairs(AlignedText piece, TokenBuffer out) {
        int[] lengths = splitter.split(piece.cps, piece.length);
        int start = 0;
        for (int wordLength : lengths) {
            AlignedText w = ByteLevelAlphabet.encode(piece.slice(start, start + wordLength));
            start += wordLength;
            int n = w.length;
            if (n == 0) {
                continue;
            }
            if (ignoreMerges) {
                int id = vocabulary.idOf(w.text());
                if (id >= 0) {
                    out.add(id, vocabulary.token(id), w.starts[0], w.ends[n - 1]);
                    continue;
                }
            }
            Symbols s = new Symbols(n);
            int[] symbolIds = new int[n];
            for (int k = 0; k < n; k++) {
                symbolIds[k] = idOf(w, k, 1);
            }
            PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank
                    ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
            for (int k = 1; k < n; k++) {
                addRankedBigram(w, k - 1, k, s.len, symbolIds, queue);
            }
            while (!queue.isEmpty()) {
                Bigram b = queue.poll();
                if (!s.current(b) || s.next[b.left] != b.right) {
                    continue;
                }
                s.merge(b.left, b.right);
                symbolIds[b.left] = idOf(w, b.left, s.len[b.left]);
                addRankedBigram(w, s.prev[b.left], b.left, s.len, symbolIds, queue);
                addRankedBigram(w, b.left, s.next[b.left], s.len, symbolIds, queue);
            }
            for (int k = 0; k != -1; k = s.next[k]) {
                String text = new String(w.cps, k, s.len[k]);
                int end = w.ends[k + s.len[k] - 1];
                int id = vocabulary.idOf(text);
                if (id >= 0) {
                    out.add(id, vocabulary.token(id), w.starts[k], end);
                    continue;
                }
                // Each UTF-8 byte of the symbol's (byte-level) text, looked up as a one-byte string.
                for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                    int single = (b & 0x80) == 0 ? vocabulary.idOf(Character.toString(b)) : -1;
                    if (single >= 0) {
                        out.add(single, vocabulary.token(single), w.starts[k], end);
                    }
                }
            }
        }
    }

    private int idOf(AlignedText w, int from, int length) {
        return vocabulary.idOf(new String(w.cps, from, length));
    }

    private void addRankedBigram(AlignedText w, int left, int right, int[] len, int[] symbolIds, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int rank;
        if (symbolIds[left] >= 0 && symbolIds[right] >= 0) {
            long m = idRanks.get(symbolIds[left], symbolIds[right]);
            if (m == Bpe.PairMerges.NONE) {
                return;
            }
            rank = Bpe.PairMerges.rank(m);
        } else {
            Integer r = ranks.get(new String(w.cps, left, len[left]) + " " + new String(w.cps, right, len[right]));
            if (r == null) {
                return;
            }
            rank = r;
        }
        queue.add(new Bigram(left, right, 0, rank, len[left] + len[right]));
    }

    static String withoutLoneSurrogates(String s) {
        char[] c = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                if (c == null) {
                    c = s.toCharArray();
                }
                c[i] = '\uFFFD';
            }
        }
        return c == null ? s : new String(c);
    }

    // ---------------------------------------------------------------------------------------------
    // Vocabulary and decoding

    /**
     * llama.cpp's detokenizer: each token's piece (control tokens as their text, or nothing when
     * {@code skipSpecial}), the leading space of the first piece removed for sentencepiece vocabularies
     * (kept when a skipped BOS came first, as llama.cpp does), spaces before punctuation cleaned up where
     * the pre-tokenizer asks for it.
     */
    @Override
    public String decode(int[] tokenIds, boolean skipSpecial) {
        int from = 0;
        int to = tokenIds.length;
        boolean removeSpace = addSpacePrefix;
        if (skipSpecial && addBos && to > 0 && tokenIds[0] == bos) {
            removeSpace = false;
            from++;
        }
        if (skipSpecial && addEos && to > from && tokenIds[to - 1] == eos) {
            to--;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            byte[] piece = piece(tokenIds[i], !skipSpecial);
            int skip = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            bytes.write(piece, skip, piece.length - skip);
            removeSpace = false;
        }
        byte[] b = bytes.toByteArray();
        if (cleanSpaces) {
            b = cleanSpaces(b);
        }
        return Utf8.decodeLossy(b);
    }

    /** The bytes one token stands for. */
    private byte[] piece(int id, boolean special) {
        if (id < 0 || id >= vocabulary.size()) {
            return new byte[0];
        }
        int a = attrs[id];
        if (!special && (a & (A_UNKNOWN | A_CONTROL)) != 0) {
            return new byte[0];
        }
        String text = vocabulary.token(id);
        if ((a & (A_UNKNOWN | A_CONTROL | A_USER_DEFINED)) != 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if ((a & A_NORMAL) != 0) {
            if (sentencepiece) {
                return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
            text.codePoints().forEach(cp -> {
                int b = ByteLevelAlphabet.byteOf(cp);
                if (b >= 0) {
                    out.write(b);
                } else {
                    // llama.cpp writes a marker with the character's UTF-8 in hex and the whole token.
                    StringBuilder m = new StringBuilder("[UNK_BYTE_0x");
                    for (byte u : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                        m.append(String.format("%02x", u & 0xFF));
                    }
                    out.writeBytes(m.append(text).append(']').toString().getBytes(StandardCharsets.UTF_8));
                }
            });
            return out.toByteArray();
        }
        if ((a & A_BYTE) != 0) {
            int b = TokenDecoder.byteToken(text);
            return b < 0 ? new byte[0] : new byte[] {(byte) b};
        }
        return new byte[0];
    }

    /** llama.cpp's clean-up: no space before {@code ? ! . ,}, none around a lone {@code '}, none before {@code 's 'm 're 've}. */
    private static byte[] cleanSpaces(byte[] text) {
        byte[] t = text.clone();
        int total = t.length;
        int n = total > 0 ? 1 : 0;
        for (int i = 1; i < total; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                n--;
            }
            t[n++] = x;
        }
        total = n;
        n = total > 0 ? 1 : 0;
        for (int i = 1; i < total; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < total && t[i - 1] == ' ' && t[i + 1] == ' ') {
                n--;
                t[++i] = 0;
            }
            t[n++] = x;
        }
        total = n;
        n = total > 0 ? 1 : 0;
        for (int i = 1; i < total; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < total) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    n--;
                } else if (i + 2 < total) {
                    byte x2 = t[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        n--;
                    }
                }
            }
            t[n++] = x;
        }
        return Arrays.copyOf(t, n);
    }

    @Override
    public String toString() {
        return "GgufTokenizer[" + (sentencepiece ? "llama" : "gpt2") + ", " + vocabulary.size() + " tokens]";
    }
}
