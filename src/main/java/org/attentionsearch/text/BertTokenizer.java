package org.attentionsearch.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A BERT WordPiece tokenizer built from a Hugging Face {@code tokenizer.json} alone, producing the
 * same ids, type ids and offsets as the Hugging Face implementation. The pipeline per text:
 * added tokens are cut out of the raw text, each remaining piece is normalized, split into words,
 * and the words into WordPiece tokens; the post-processor then adds special tokens.
 * <p>Its special tokens are the added tokens the file marks special ({@code [CLS]}, {@code [SEP]},
 * {@code [PAD]}, {@code [MASK]}, {@code [UNK]} in BERT files). As an encoder's sequence it begins at
 * the template's first special token ({@code [CLS]}, its BOS) and ends at the last ({@code [SEP]}, its
 * EOS and only stop id).
 * <p>Immutable and safe for concurrent use.
 */
public final class BertTokenizer extends VocabularyTokenizer {

    private final BertNormalizer normalizer;          // null: none
    private final boolean bertPreTokenizer;           // false: the whole piece is one word
    private final WordPiece wordPiece;
    private final AddedTokenMatcher rawAddedTokens;        // matched in the original text
    private final AddedTokenMatcher normalizedAddedTokens; // matched in normalized pieces
    private final PostProcessor postProcessor;
    private final boolean hasPairTemplate;
    private final int padId;
    private final int clsId;
    private final int sepId;
    private final int unkId;
    private final TokenDecoder decoder;

    private BertTokenizer(Parsed p) {
        super(p.vocabulary);
        this.normalizer = p.normalizer;
        this.bertPreTokenizer = p.bertPreTokenizer;
        this.wordPiece = p.wordPiece;
        this.rawAddedTokens = p.rawAddedTokens;
        this.normalizedAddedTokens = p.normalizedAddedTokens;
        this.postProcessor = p.postProcessor;
        this.hasPairTemplate = p.hasPairTemplate;
        this.padId = p.padId;
        this.clsId = p.clsId;
        this.sepId = p.sepId;
        this.unkId = p.unkId;
        this.decoder = p.decoder;
    }

    /**
     * Reads a tokenizer.json.
     *
     * @throws TokenizerFormatException if it is not valid JSON, lacks a WordPiece model, or uses a
     *                                  component this class does not implement
     */
    public static BertTokenizer fromJson(byte[] tokenizerJson) {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        return fromRoot(Json.parseObject(tokenizerJson, "tokenizer file"));
    }

    /** Builds the tokenizer from an already parsed tokenizer.json. */
    static BertTokenizer fromRoot(JsonNode root) {
        return new BertTokenizer(new Parsed(root));
    }

    @Override
    public int maxTypeId() {
        return postProcessor.maxTypeId();
    }

    /** Tokens of {@code text} with the template's special tokens (for BERT: {@code [CLS] … [SEP]}). */
    @Override
    public Encoding encode(String text) {
        return postProcessor.apply(encodeSequence(text), null);
    }

    /**
     * Tokens of a text pair with the template's pair form (for BERT: {@code [CLS] A [SEP] B [SEP]},
     * type id 0 for the first part and 1 for the second). Offsets of the second sequence index {@code second}.
     *
     * @throws IllegalStateException if the tokenizer's template has no pair form
     */
    public Encoding encodePair(String first, String second) {
        if (!hasPairTemplate) {
            throw new IllegalStateException("This tokenizer's post-processor has no template for pairs.");
        }
        return postProcessor.apply(encodeSequence(first), encodeSequence(second));
    }

    /** The file's decoder (WordPiece: {@code ##} pieces joined, spaces cleaned up); unknown ids are ignored. */
    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        return decoder.decode(vocabulary.tokens(ids, skipSpecial));
    }

    /** Padding id: the file's padding settings, else the id of {@code [PAD]}, else 0 (Hugging Face's default). */
    public int padId() {
        return padId;
    }

    /** The first special token of the single-text template ({@code [CLS]} for BERT). */
    public int clsId() {
        return clsId;
    }

    /** The last special token of the single-text template ({@code [SEP]} for BERT). */
    public int sepId() {
        return sepId;
    }

    /** The WordPiece model's unknown token. */
    public int unkId() {
        return unkId;
    }

    /** The normalizer's output for {@code text} (the text itself if the file has no normalizer). */
    String normalize(String text) {
        char[] src = text.toCharArray();
        NormalizedText nt = new NormalizedText();
        if (normalizer != null) {
            normalizer.normalize(src, 0, src.length, nt);
        } else {
            nt.copyOf(src, 0, src.length);
        }
        return nt.substring(0, nt.length);
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding

    /** Per-call working memory, so that a call allocates only O(1) objects besides its result. */
    private static final class Work {
        final NormalizedText text = new NormalizedText();
        final AddedTokenMatcher.Matches rawMatches = new AddedTokenMatcher.Matches();
        final AddedTokenMatcher.Matches normalizedMatches = new AddedTokenMatcher.Matches();
        final TokenBuffer out = new TokenBuffer();
    }

    private TokenBuffer encodeSequence(String text) {
        Objects.requireNonNull(text, "text");
        char[] src = text.toCharArray();
        Work w = new Work();
        // Added tokens with normalized=false are found in the raw text, before any normalization.
        rawAddedTokens.cutOut(text, src, w.rawMatches, w.out, (from, to) -> encodePiece(src, from, to, w));
        return w.out;
    }

    /** Normalizes one piece between raw added tokens, then finds normalized added tokens and words in it. */
    private void encodePiece(char[] src, int from, int to, Work w) {
        NormalizedText nt = w.text;
        if (normalizer != null) {
            normalizer.normalize(src, from, to, nt);
        } else {
            nt.copyOf(src, from, to);
        }
        if (normalizedAddedTokens.isEmpty()) {
            encodeWords(nt, 0, nt.length, w.out);
            return;
        }
        AddedTokenMatcher.Matches m = w.normalizedMatches;
        normalizedAddedTokens.find(nt.chars, 0, nt.length, m);
        int cursor = 0;
        for (int i = 0; i < m.count(); i++) {
            int start = Math.max(cursor, m.start(i));
            int end = m.end(i);
            encodeWords(nt, cursor, start, w.out);
            AddedTokenMatcher.AddedToken t = normalizedAddedTokens.token(m.token(i));
            w.out.add(t.id(), nt.substring(start, end), nt.starts[start], nt.ends[end - 1]);
            cursor = end;
        }
        encodeWords(nt, cursor, nt.length, w.out);
    }

    private void encodeWords(NormalizedText nt, int from, int to, TokenBuffer out) {
        if (from >= to) {
            return;
        }
        if (bertPreTokenizer) {
            BertPreTokenizer.split(nt, from, to, (a, b) -> wordPiece.tokenize(nt, a, b, out));
        } else {
            wordPiece.tokenize(nt, from, to, out);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // tokenizer.json

    /** Everything read from the file, checked. */
    private static final class Parsed {
        BertNormalizer normalizer;
        boolean bertPreTokenizer;
        WordPiece wordPiece;
        AddedTokenMatcher rawAddedTokens;
        AddedTokenMatcher normalizedAddedTokens;
        PostProcessor postProcessor;
        boolean hasPairTemplate;
        TokenVocabulary vocabulary;
        int padId;
        int clsId;
        int sepId;
        int unkId;
        TokenDecoder decoder;

        Parsed(JsonNode root) {
            normalizer = parseNormalizer(root.get("normalizer"));
            bertPreTokenizer = parsePreTokenizer(root.get("pre_tokenizer"));

            JsonNode model = root.get("model");
            if (model == null || !model.isObject()) {
                throw new TokenizerFormatException("The tokenizer file has no \"model\" object.");
            }
            String modelType = Json.string(model, "type", "WordPiece", "model");
            if (!modelType.equals("WordPiece")) {
                throw new TokenizerFormatException("Unsupported model type \"" + Excerpt.of(modelType) + "\"; only WordPiece is implemented.");
            }
            JsonNode vocabNode = model.get("vocab");
            if (vocabNode == null || !vocabNode.isObject() || vocabNode.isEmpty()) {
                throw new TokenizerFormatException("The WordPiece model has no \"vocab\" object with entries.");
            }
            Map<String, Integer> vocab = LinkedHashMap.newLinkedHashMap(vocabNode.size());
            for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
                JsonNode v = e.getValue();
                if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0) {
                    throw new TokenizerFormatException("The vocabulary entry \"" + Excerpt.of(e.getKey()) + "\" has no non-negative integer id.");
                }
                vocab.put(e.getKey(), v.intValue());
            }
            String unkToken = Json.string(model, "unk_token", "[UNK]", "model");
            String prefix = Json.string(model, "continuing_subword_prefix", "##", "model");
            int maxChars = Json.integer(model, "max_input_chars_per_word", 100, "model");
            Integer unk = vocab.get(unkToken);
            if (unk == null) {
                throw new TokenizerFormatException("The unknown token \"" + Excerpt.of(unkToken) + "\" is not in the vocabulary.");
            }
            unkId = unk;
            wordPiece = new WordPiece(vocab, unkToken, unkId, prefix, maxChars);

            List<AddedTokenMatcher.AddedToken> added = AddedTokens.parse(root.get("added_tokens"), vocab);
            vocabulary = TokenVocabulary.of(vocab, added);
            buildAddedTokenMatchers(added);
            decoder = parseDecoder(root.get("decoder"));

            parsePostProcessor(root.get("post_processor"));
            // An encoder's sequence starts at [CLS] and ends at [SEP], which is also where generation would stop.
            vocabulary = vocabulary.withSequenceIds(clsId, sepId, new int[] {sepId});
            padId = resolvePadId(root.get("padding"));
        }

        private static BertNormalizer parseNormalizer(JsonNode n) {
            if (n == null || n.isNull()) {
                return null;
            }
            String type = Json.string(n, "type", null, "normalizer");
            if (!"BertNormalizer".equals(type)) {
                throw new TokenizerFormatException("Unsupported normalizer type \"" + Excerpt.of(type) + "\"; only BertNormalizer is implemented.");
            }
            JsonNode strip = n.get("strip_accents");
            Boolean stripAccents;
            if (strip == null || strip.isNull()) {
                stripAccents = null;
            } else if (strip.isBoolean()) {
                stripAccents = strip.booleanValue();
            } else {
                throw new TokenizerFormatException("The normalizer's \"strip_accents\" must be true, false or null.");
            }
            return new BertNormalizer(Json.bool(n, "clean_text", true, "normalizer"),
                    Json.bool(n, "handle_chinese_chars", true, "normalizer"), stripAccents,
                    Json.bool(n, "lowercase", true, "normalizer"));
        }

        private static boolean parsePreTokenizer(JsonNode n) {
            if (n == null || n.isNull()) {
                return false;
            }
            String type = Json.string(n, "type", null, "pre_tokenizer");
            if (!"BertPreTokenizer".equals(type)) {
                throw new TokenizerFormatException("Unsupported pre-tokenizer type \"" + Excerpt.of(type) + "\"; only BertPreTokenizer is implemented.");
            }
            return true;
        }

        /** Added-token patterns are looked for in their normalized form when the token is "normalized". */
        private void buildAddedTokenMatchers(List<AddedTokenMatcher.AddedToken> added) {
            NormalizedText scratch = new NormalizedText();
            AddedTokenMatcher[] m = AddedTokens.matchers(added, content -> {
                if (normalizer == null) {
                    return content;
                }
                char[] c = content.toCharArray();
                normalizer.normalize(c, 0, c.length, scratch);
                return scratch.substring(0, scratch.length);
            });
            rawAddedTokens = m[0];
            normalizedAddedTokens = m[1];
        }

        private void parsePostProcessor(JsonNode n) {
            if (n == null || n.isNull()) {
                postProcessor = PostProcessor.none();
                hasPairTemplate = true;
                clsId = requireToken("[CLS]");
                sepId = requireToken("[SEP]");
                return;
            }
            String type = Json.string(n, "type", null, "post_processor");
            if ("BertProcessing".equals(type)) {
                PostProcessor.Piece cls = bertProcessingToken(n, "cls");
                PostProcessor.Piece sep = bertProcessingToken(n, "sep");
                PostProcessor.Piece sep1 = new PostProcessor.Piece(PostProcessor.SPECIAL, 1, sep.ids(), sep.tokens());
                postProcessor = new PostProcessor(
                        new PostProcessor.Piece[] {cls, new PostProcessor.Piece(0, 0, null, null), sep},
                        new PostProcessor.Piece[] {cls, new PostProcessor.Piece(0, 0, null, null), sep,
                                new PostProcessor.Piece(1, 1, null, null), sep1});
                hasPairTemplate = true;
            } else if ("TemplateProcessing".equals(type)) {
                JsonNode specials = n.get("special_tokens");
                PostProcessor.Piece[] single = PostProcessor.templatePieces(n.get("single"), specials, "single");
                JsonNode pairNode = n.get("pair");
                hasPairTemplate = pairNode != null && !pairNode.isNull();
                PostProcessor.Piece[] pair = hasPairTemplate ? PostProcessor.templatePieces(pairNode, specials, "pair") : null;
                postProcessor = new PostProcessor(single, pair);
            } else {
                throw new TokenizerFormatException("Unsupported post-processor type \"" + Excerpt.of(type)
                        + "\"; only TemplateProcessing and BertProcessing are implemented.");
            }
            postProcessor.requireIdsIn(vocabulary);
            clsId = postProcessor.firstSpecialId();
            sepId = postProcessor.lastSpecialId();
            if (clsId < 0 || sepId < 0) {
                throw new TokenizerFormatException("The post-processor's single-text template adds no special tokens to take [CLS] and [SEP] from.");
            }
        }

        private PostProcessor.Piece bertProcessingToken(JsonNode n, String field) {
            JsonNode t = n.get(field);
            if (t == null || !t.isArray() || t.size() != 2 || !t.get(0).isTextual() || !t.get(1).canConvertToInt()) {
                throw new TokenizerFormatException("BertProcessing's \"" + field + "\" must be a [token, id] pair.");
            }
            if (!t.get(1).isIntegralNumber()) {
                throw new TokenizerFormatException("BertProcessing's \"" + field + "\" must be a [token, id] pair.");
            }
            return new PostProcessor.Piece(PostProcessor.SPECIAL, 0, new int[] {t.get(1).intValue()},
                    new String[] {t.get(0).textValue()});
        }

        private static TokenDecoder parseDecoder(JsonNode n) {
            if (n == null || n.isNull()) {
                return new TokenDecoder.Spaces();
            }
            String type = Json.string(n, "type", null, "decoder");
            if (!"WordPiece".equals(type)) {
                throw new TokenizerFormatException("Unsupported decoder type \"" + Excerpt.of(type) + "\" for a WordPiece model; only WordPiece is implemented.");
            }
            return new TokenDecoder.WordPiece(Json.string(n, "prefix", "##", "decoder"), Json.bool(n, "cleanup", true, "decoder"));
        }

        private int resolvePadId(JsonNode padding) {
            if (padding != null && padding.isObject()) {
                JsonNode id = padding.get("pad_id");
                if (id != null && id.canConvertToInt()) {
                    return id.intValue();
                }
                JsonNode token = padding.get("pad_token");
                if (token != null && token.isTextual() && vocabulary.idOf(token.textValue()) >= 0) {
                    return vocabulary.idOf(token.textValue());
                }
            }
            int pad = vocabulary.idOf("[PAD]");
            return pad >= 0 ? pad : 0;
        }

        private int requireToken(String token) {
            int id = vocabulary.idOf(token);
            if (id < 0) {
                throw new TokenizerFormatException("The tokenizer has no post-processor and no " + token + " token.");
            }
            return id;
        }
    }
}
