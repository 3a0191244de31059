package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A BPE tokenizer built from a Hugging Face tokenizer.json, producing the same ids and offsets as
 * Hugging Face's tokenizers: byte-level vocabularies (GPT-2, Llama 3, Qwen2/2.5/3, SmolLM2) and
 * sentencepiece-style ones with byte fallback (Llama 2, Mistral). The pipeline per text: added tokens
 * are cut out of the raw text; each remaining piece is normalized, normalized added tokens are cut
 * out of it, the rest is pre-tokenized into words and each word is merged by the BPE model; the
 * post-processor then trims offsets and adds the template's special tokens.
 * <p>Immutable and safe for concurrent use.
 */
public final class BpeTokenizer extends VocabularyTokenizer {

    private final TextNormalizer normalizer;          // null: none
    private final PreTokenizer preTokenizer;          // null: the whole piece is one word
    private final Bpe model;
    private final AddedTokenMatcher rawAddedTokens;
    private final AddedTokenMatcher normalizedAddedTokens;
    private final boolean trimOffsets;
    private final boolean trimAddPrefixSpace;
    private final PostProcessor template;
    private final TokenDecoder decoder;

    private BpeTokenizer(Parsed p) {
        super(p.vocabulary);
        normalizer = p.normalizer;
        preTokenizer = p.preTokenizer;
        model = p.model;
        rawAddedTokens = p.rawAddedTokens;
        normalizedAddedTokens = p.normalizedAddedTokens;
        trimOffsets = p.trimOffsets;
        trimAddPrefixSpace = p.trimAddPrefixSpace;
        template = p.template;
        decoder = p.decoder;
    }

    /**
     * Reads a tokenizer.json whose model is BPE, with the tokenizer_config.json beside it if there is
     * one (for the BOS/EOS names and, for Llama-style classes, whether BOS/EOS are added).
     *
     * @throws TokenizerFormatException if the file is malformed or uses a component this class does not implement
     */
    static BpeTokenizer fromJson(JsonNode root, TokenizerConfig config) {
        return new BpeTokenizer(new Parsed(root, config));
    }

    @Override
    public int maxTypeId() {
        return template.maxTypeId();
    }

    @Override
    public Encoding encode(String text) {
        Objects.requireNonNull(text, "text");
        TokenBuffer out = new TokenBuffer();
        rawAddedTokens.cutOut(text, text.toCharArray(), new AddedTokenMatcher.Matches(), out,
                (from, to) -> encodePiece(text, from, to, out));
        if (trimOffsets) {
            trimByteLevelOffsets(text, out);
        }
        return template.apply(out, null);
    }

    /** Normalizes {@code text[from, to)}, cuts out normalized added tokens, and tokenizes the rest. */
    private void encodePiece(String text, int from, int to, TokenBuffer out) {
        AlignedText piece = AlignedText.of(text, from, to);
        if (normalizer != null) {
            piece = normalizer.apply(piece);
        }
        if (normalizedAddedTokens.isEmpty()) {
            encodeWords(piece, out);
            return;
        }
        // The added-token matcher works on UTF-16; map its indices back to code points.
        String s = piece.text();
        char[] units = s.toCharArray();
        int[] unitToCp = new int[units.length + 1];
        for (int k = 0, u = 0; k < piece.length; k++) {
            int width = Character.charCount(piece.cps[k]);
            for (int w = 0; w < width; w++) {
                unitToCp[u++] = k;
            }
            unitToCp[u] = k + 1;
        }
        AddedTokenMatcher.Matches m = new AddedTokenMatcher.Matches();
        normalizedAddedTokens.find(units, 0, units.length, m);
        int cursor = 0;
        for (int i = 0; i < m.count(); i++) {
            int start = Math.max(cursor, unitToCp[m.start(i)]);
            int end = unitToCp[m.end(i)];
            if (cursor < start) {
                encodeWords(piece.slice(cursor, start), out);
            }
            out.add(normalizedAddedTokens.token(m.token(i)).id(), new String(piece.cps, start, end - start),
                    piece.starts[start], piece.ends[end - 1]);
            cursor = end;
        }
        if (cursor < piece.length) {
            encodeWords(piece.slice(cursor, piece.length), out);
        }
    }

    private void encodeWords(AlignedText piece, TokenBuffer out) {
        if (piece.isEmpty()) {
            return;
        }
        List<AlignedText> words = new ArrayList<>();
        if (preTokenizer == null) {
            words.add(piece);
        } else {
            preTokenizer.apply(piece, words);
        }
        for (AlignedText w : words) {
            Bpe.Word tokens = model.tokenize(w.cps, w.length);
            for (int t = 0; t < tokens.ids().length; t++) {
                int id = tokens.ids()[t];
                out.add(id, vocabulary.token(id), w.starts[tokens.starts()[t]], w.ends[tokens.ends()[t] - 1]);
            }
        }
    }

    /**
     * The byte-level post-processor's offset trimming: leading and trailing spaces ({@code Ġ} or
     * whitespace) of a token's string are cut from its span, counted in characters as the reference
     * counts them; a single leading space of the first token stays when a prefix space was added.
     */
    private void trimByteLevelOffsets(String text, TokenBuffer out) {
        for (int i = 0; i < out.size; i++) {
            String token = out.tokens[i];
            int[] cps = token.codePoints().toArray();
            int leading = 0;
            while (leading < cps.length && isTrimmed(cps[leading])) {
                leading++;
            }
            int trailing = 0;
            while (trailing < cps.length && isTrimmed(cps[cps.length - 1 - trailing])) {
                trailing++;
            }
            if (leading == 0 && trailing == 0) {
                continue;
            }
            int start = out.starts[i];
            int end = out.ends[i];
            if (leading > 0) {
                boolean first = i == 0 || start == 0;
                if (first && trimAddPrefixSpace && leading == 1) {
                    leading = 0;
                }
                int available = text.codePointCount(start, end);
                start = text.offsetByCodePoints(start, Math.min(leading, available));
            }
            int length = text.codePointCount(0, end);
            if (trailing > 0 && length >= trailing) {
                int available = text.codePointCount(start, end);
                end = text.offsetByCodePoints(end, -Math.min(trailing, available));
            }
            out.starts[i] = start;
            out.ends[i] = end;
        }
    }

    private static boolean isTrimmed(int cp) {
        return cp == ByteLevelAlphabet.charOf(' ') || CharClasses.isWhitespace(cp);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        return decoder.decode(vocabulary.tokens(ids, skipSpecial));
    }

    // ---------------------------------------------------------------------------------------------
    // Reading tokenizer.json

    private static final class Parsed {
        TextNormalizer normalizer;
        PreTokenizer preTokenizer;
        Bpe model;
        AddedTokenMatcher rawAddedTokens;
        AddedTokenMatcher normalizedAddedTokens;
        boolean trimOffsets;
        boolean trimAddPrefixSpace;
        PostProcessor template;
        TokenDecoder decoder;
        TokenVocabulary vocabulary;

        Parsed(JsonNode root, TokenizerConfig config) {
            JsonNode modelNode = root.get("model");
            if (Json.isAbsent(modelNode) || !modelNode.isObject()) {
                throw new TokenizerFormatException("The tokenizer file has no \"model\" object.");
            }
            String type = Json.string(modelNode, "type", "BPE", "model");
            if (!"BPE".equals(type)) {
                throw new TokenizerFormatException("Unsupported model type \"" + Excerpt.of(type) + "\"; only BPE and WordPiece are implemented.");
            }
            JsonNode dropout = modelNode.get("dropout");
            if (!Json.isAbsent(dropout) && (!dropout.isNumber() || dropout.doubleValue() != 0.0)) {
                throw new TokenizerFormatException("BPE dropout is not supported: tokenization would be random.");
            }
            Map<String, Integer> vocab = vocabulary(modelNode.get("vocab"));
            List<String[]> merges = merges(modelNode.get("merges"));
            model = new Bpe(vocab, merges, Json.string(modelNode, "unk_token", null, "model"),
                    Json.bool(modelNode, "fuse_unk", false, "model"), Json.bool(modelNode, "byte_fallback", false, "model"),
                    Json.bool(modelNode, "ignore_merges", false, "model"),
                    Json.string(modelNode, "continuing_subword_prefix", null, "model"),
                    Json.string(modelNode, "end_of_word_suffix", null, "model"));

            normalizer = normalizer(root.get("normalizer"));
            preTokenizer = preTokenizer(root.get("pre_tokenizer"));
            decoder = decoder(root.get("decoder"));

            List<AddedTokenMatcher.AddedToken> added = AddedTokens.parse(root.get("added_tokens"), vocab);
            vocabulary = TokenVocabulary.of(vocab, added);
            AddedTokenMatcher[] matchers = AddedTokens.matchers(added, normalizer);
            rawAddedTokens = matchers[0];
            normalizedAddedTokens = matchers[1];

            postProcessor(root.get("post_processor"), config);
            template.requireIdsIn(vocabulary);
            vocabulary = sequenceIds(vocabulary, template, config);
        }

        private static Map<String, Integer> vocabulary(JsonNode n) {
            if (Json.isAbsent(n) || !n.isObject()) {
                throw new TokenizerFormatException("The BPE model has no \"vocab\" object.");
            }
            Map<String, Integer> vocab = new LinkedHashMap<>(n.size() * 2);
            Set<Integer> ids = new HashSet<>(n.size() * 2);
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                JsonNode id = e.getValue();
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0 || id.intValue() > 50_000_000) {
                    throw new TokenizerFormatException("The vocabulary entry \"" + Excerpt.of(e.getKey()) + "\" has no valid id.");
                }
                if (!ids.add(id.intValue())) {
                    throw new TokenizerFormatException("The vocabulary gives id " + id.intValue() + " to more than one token.");
                }
                vocab.put(e.getKey(), id.intValue());
            }
            return vocab;
        }

        /** Merges as "left right" strings (split at the only space) or as [left, right] pairs. */
        private static List<String[]> merges(JsonNode n) {
            if (Json.isAbsent(n)) {
                return List.of();
            }
            if (!n.isArray()) {
                throw new TokenizerFormatException("The BPE model's \"merges\" must be an array.");
            }
            List<String[]> merges = new ArrayList<>(n.size());
            for (JsonNode m : n) {
                if (m.isTextual()) {
                    String line = m.textValue();
                    if (line.startsWith("#version")) {
                        continue;
                    }
                    String[] parts = line.split(" ", -1);
                    if (parts.length != 2) {
                        throw new TokenizerFormatException("The merge \"" + Excerpt.of(line) + "\" is not two tokens separated by one space.");
                    }
                    merges.add(parts);
                } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                    merges.add(new String[] {m.get(0).textValue(), m.get(1).textValue()});
                } else {
                    throw new TokenizerFormatException("Every merge must be a \"left right\" string or a [left, right] pair.");
                }
            }
            return merges;
        }

        private static TextNormalizer normalizer(JsonNode n) {
            if (Json.isAbsent(n)) {
                return null;
            }
            String type = Json.requireString(n, "type", "normalizer");
            return switch (type) {
                case "NFC" -> new TextNormalizer.Nfc();
                case "Prepend" -> new TextNormalizer.Prepend(Json.requireString(n, "prepend", "Prepend normalizer"));
                case "Replace" -> {
                    Object[] pattern = pattern(n.get("pattern"), "Replace normalizer");
                    yield new TextNormalizer.Replace((String) pattern[0], (Regex) pattern[1],
                            Json.requireString(n, "content", "Replace normalizer"));
                }
                case "Sequence" -> new TextNormalizer.Sequence(sequence(n, "normalizers", "Sequence normalizer", Parsed::normalizer));
                default -> throw new TokenizerFormatException("Unsupported normalizer type \"" + Excerpt.of(type)
                        + "\"; NFC, Prepend, Replace and Sequence are implemented for BPE models.");
            };
        }

        private static PreTokenizer preTokenizer(JsonNode n) {
            if (Json.isAbsent(n)) {
                return null;
            }
            String type = Json.requireString(n, "type", "pre_tokenizer");
            return switch (type) {
                case "ByteLevel" -> new PreTokenizer.ByteLevel(Json.bool(n, "add_prefix_space", true, "ByteLevel pre-tokenizer"),
                        Json.bool(n, "use_regex", true, "ByteLevel pre-tokenizer"));
                case "Split" -> {
                    Object[] pattern = pattern(n.get("pattern"), "Split pre-tokenizer");
                    Regex regex = pattern[1] != null ? (Regex) pattern[1] : Regex.compile(quote((String) pattern[0]));
                    yield new PreTokenizer.Split(regex, behavior(Json.requireString(n, "behavior", "Split pre-tokenizer")),
                            Json.bool(n, "invert", false, "Split pre-tokenizer"));
                }
                case "Digits" -> new PreTokenizer.Digits(Json.bool(n, "individual_digits", false, "Digits pre-tokenizer"));
                case "Metaspace" -> {
                    int replacement = Json.character(n, "replacement", '\u2581', "Metaspace pre-tokenizer");
                    yield new PreTokenizer.Metaspace(replacement, prependScheme(n),
                            Json.bool(n, "split", true, "Metaspace pre-tokenizer"));
                }
                case "Sequence" -> new PreTokenizer.Sequence(sequence(n, "pretokenizers", "Sequence pre-tokenizer", Parsed::preTokenizer));
                default -> throw new TokenizerFormatException("Unsupported pre-tokenizer type \"" + Excerpt.of(type)
                        + "\"; ByteLevel, Split, Digits, Metaspace and Sequence are implemented for BPE models.");
            };
        }

        /** Metaspace's prepend scheme; the older {@code add_prefix_space: false} means never. */
        private static PreTokenizer.Metaspace.PrependScheme prependScheme(JsonNode n) {
            String scheme = Json.string(n, "prepend_scheme", "always", "Metaspace");
            PreTokenizer.Metaspace.PrependScheme s = switch (scheme) {
                case "always" -> PreTokenizer.Metaspace.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.Metaspace.PrependScheme.FIRST;
                case "never" -> PreTokenizer.Metaspace.PrependScheme.NEVER;
                default -> throw new TokenizerFormatException("Unknown Metaspace prepend_scheme \"" + Excerpt.of(scheme) + "\".");
            };
            JsonNode addPrefixSpace = n.get("add_prefix_space");
            if (addPrefixSpace != null && addPrefixSpace.isBoolean() && !addPrefixSpace.booleanValue()) {
                if (s != PreTokenizer.Metaspace.PrependScheme.NEVER && n.has("prepend_scheme")) {
                    throw new TokenizerFormatException("Metaspace's add_prefix_space does not match its prepend_scheme.");
                }
                s = PreTokenizer.Metaspace.PrependScheme.NEVER;
            }
            return s;
        }

        private static PreTokenizer.Behavior behavior(String b) {
            return switch (b) {
                case "Removed" -> PreTokenizer.Behavior.REMOVED;
                case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
                case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
                case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
                default -> throw new TokenizerFormatException("Unknown split behavior \"" + Excerpt.of(b) + "\".");
            };
        }

        private static TokenDecoder decoder(JsonNode n) {
            if (Json.isAbsent(n)) {
                return new TokenDecoder.Spaces();
            }
            String type = Json.requireString(n, "type", "decoder");
            return switch (type) {
                case "ByteLevel" -> new TokenDecoder.ByteLevel();
                case "Replace" -> {
                    Object[] pattern = pattern(n.get("pattern"), "Replace decoder");
                    yield new TokenDecoder.Replace((String) pattern[0], (Regex) pattern[1],
                            Json.requireString(n, "content", "Replace decoder"));
                }
                case "ByteFallback" -> new TokenDecoder.ByteFallback();
                case "Fuse" -> new TokenDecoder.Fuse();
                case "Strip" -> new TokenDecoder.Strip(Json.character(n, "content", ' ', "Strip decoder"),
                        Json.integer(n, "start", 0, "Strip decoder"), Json.integer(n, "stop", 0, "Strip decoder"));
                case "Metaspace" -> new TokenDecoder.Metaspace(Json.character(n, "replacement", '\u2581', "Metaspace decoder"),
                        prependScheme(n) != PreTokenizer.Metaspace.PrependScheme.NEVER);
                case "WordPiece" -> new TokenDecoder.WordPiece(Json.string(n, "prefix", "##", "WordPiece decoder"),
                        Json.bool(n, "cleanup", true, "WordPiece decoder"));
                case "Sequence" -> new TokenDecoder.Sequence(sequence(n, "decoders", "Sequence decoder", Parsed::decoder));
                default -> throw new TokenizerFormatException("Unsupported decoder type \"" + Excerpt.of(type)
                        + "\"; ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, WordPiece and Sequence are implemented.");
            };
        }

        /** A pattern object: {"String": literal} as {literal, null} or {"Regex": pattern} as {null, regex}. */
        private static Object[] pattern(JsonNode n, String where) {
            if (n != null && n.isObject()) {
                if (n.get("String") != null && n.get("String").isTextual()) {
                    return new Object[] {n.get("String").textValue(), null};
                }
                if (n.get("Regex") != null && n.get("Regex").isTextual()) {
                    return new Object[] {null, Regex.compile(n.get("Regex").textValue())};
                }
            }
            throw new TokenizerFormatException("The " + where + "'s \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}.");
        }

        /** A literal as a pattern: every character escaped. */
        private static String quote(String literal) {
            StringBuilder s = new StringBuilder();
            literal.codePoints().forEach(cp -> {
                if (cp < 0x80 && !Character.isLetterOrDigit(cp)) {
                    s.append('\\');
                }
                s.appendCodePoint(cp);
            });
            return s.toString();
        }

        /** The steps of a Sequence component, each read by {@code read}; a step that reads as null (none) is left out. */
        private static <T> List<T> sequence(JsonNode n, String field, String where, Function<JsonNode, T> read) {
            List<T> steps = new ArrayList<>();
            for (JsonNode s : array(n, field, where)) {
                T step = read.apply(s);
                if (step != null) {
                    steps.add(step);
                }
            }
            return steps;
        }

        private static JsonNode array(JsonNode n, String field, String where) {
            JsonNode a = n.get(field);
            if (a == null || !a.isArray()) {
                throw new TokenizerFormatException("The " + where + "'s \"" + field + "\" must be an array.");
            }
            return a;
        }

        private void postProcessor(JsonNode n, TokenizerConfig config) {
            template = PostProcessor.none();
            if (!Json.isAbsent(n)) {
                for (JsonNode step : steps(n)) {
                    String type = Json.requireString(step, "type", "post_processor");
                    switch (type) {
                        case "ByteLevel" -> {
                            trimOffsets = Json.bool(step, "trim_offsets", true, "ByteLevel post-processor");
                            trimAddPrefixSpace = Json.bool(step, "add_prefix_space", true, "ByteLevel post-processor");
                        }
                        case "TemplateProcessing" -> template = PostProcessor.fromTemplate(step);
                        default -> throw new TokenizerFormatException("Unsupported post-processor type \"" + Excerpt.of(type)
                                + "\"; ByteLevel, TemplateProcessing and Sequence are implemented for BPE models.");
                    }
                }
            }
            if (config.overridesTemplate()) {
                // LlamaTokenizerFast: the template is rebuilt from add_bos_token (default true) and add_eos_token (default false).
                boolean addBos = config.addBos() == null || config.addBos();
                boolean addEos = config.addEos() != null && config.addEos();
                List<PostProcessor.Piece> single = new ArrayList<>();
                if (addBos) {
                    single.add(specialPiece(config.bosToken(), "bos_token"));
                }
                single.add(new PostProcessor.Piece(0, 0, null, null));
                if (addEos) {
                    single.add(specialPiece(config.eosToken(), "eos_token"));
                }
                template = new PostProcessor(single.toArray(new PostProcessor.Piece[0]), null);
            }
        }

        private PostProcessor.Piece specialPiece(String token, String field) {
            int id = token == null ? -1 : vocabulary.idOf(token);
            if (id < 0) {
                throw new TokenizerFormatException("The tokenizer config adds its " + field + " \"" + token
                        + "\", which is not a token of the vocabulary.");
            }
            return new PostProcessor.Piece(PostProcessor.SPECIAL, 0, new int[] {id}, new String[] {token});
        }

        private static List<JsonNode> steps(JsonNode n) {
            if ("Sequence".equals(Json.string(n, "type", null, "post_processor"))) {
                List<JsonNode> out = new ArrayList<>();
                for (JsonNode s : array(n, "processors", "Sequence post-processor")) {
                    out.addAll(steps(s));
                }
                return out;
            }
            return List.of(n);
        }

        /**
         * BOS and EOS: the config's names if it has them, else the template's first and last special tokens,
         * else well-known names. Stop ids: EOS and the end-of-turn tokens the vocabulary has.
         */
        private static TokenVocabulary sequenceIds(TokenVocabulary v, PostProcessor template, TokenizerConfig config) {
            int bos = idOf(v, config.bosToken());
            int eos = idOf(v, config.eosToken());
            if (bos < 0) {
                bos = template.leadingSpecialId();
            }
            if (eos < 0) {
                eos = template.trailingSpecialId();
            }
            if (bos < 0) {
                bos = firstSpecial(v, "<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>");
            }
            if (eos < 0) {
                eos = firstSpecial(v, "<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>");
            }
            // generation_config.json names the ids generation stops at, and BOS when nothing else does.
            if (bos < 0 && config.generationBos() >= 0 && config.generationBos() < v.size()) {
                bos = config.generationBos();
            }
            Set<Integer> stops = new LinkedHashSet<>();
            if (eos < 0 && config.generationEos().length > 0 && config.generationEos()[0] < v.size()) {
                eos = config.generationEos()[0];
            }
            if (eos >= 0) {
                stops.add(eos);
            }
            for (int id : config.generationEos()) {
                if (id < v.size()) {
                    stops.add(id);
                }
            }
            for (String name : List.of("<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>", "<end_of_turn>", "<|end|>")) {
                int id = v.idOf(name);
                if (v.isSpecial(id)) {
                    stops.add(id);
                }
            }
            return v.withSequenceIds(bos, eos, stops.stream().mapToInt(Integer::intValue).toArray());
        }

        private static int idOf(TokenVocabulary v, String token) {
            return token == null ? -1 : v.idOf(token);
        }

        private static int firstSpecial(TokenVocabulary v, String... names) {
            for (String n : names) {
                int id = v.idOf(n);
                if (v.isSpecial(id)) {
                    return id;
                }
            }
            return -1;
        }
    }

    @Override
    public String toString() {
        return "BpeTokenizer[" + vocabulary.size() + " ids]";
    }
}
