package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Adds the template's special tokens around one or two sequences and assigns type ids
 * (Hugging Face's TemplateProcessing; BertProcessing is the same thing with a fixed template).
 */
final class PostProcessor {

    /** Marks a template piece that is a special token rather than sequence A or B. */
    static final int SPECIAL = -1;

    /**
     * One element of a template: a special token ({@code sequence == SPECIAL}, with its ids and
     * token strings) or sequence A (0) or B (1).
     */
    record Piece(int sequence, int typeId, int[] ids, String[] tokens) {}

    private final Piece[] single;
    private final Piece[] pair;

    PostProcessor(Piece[] single, Piece[] pair) {
        this.single = single;
        this.pair = pair;
    }

    /** No post-processor: the sequence as is; a pair is A then B with type ids 0 and 1. */
    static PostProcessor none() {
        return new PostProcessor(
                new Piece[] {new Piece(0, 0, null, null)},
                new Piece[] {new Piece(0, 0, null, null), new Piece(1, 1, null, null)});
    }

    /** A TemplateProcessing post-processor (its single-text template; the pair template if it has one). */
    static PostProcessor fromTemplate(JsonNode n) {
        JsonNode specials = n.get("special_tokens");
        Piece[] single = templatePieces(n.get("single"), specials, "single");
        JsonNode pair = n.get("pair");
        return new PostProcessor(single, Json.isAbsent(pair) ? null : templatePieces(pair, specials, "pair"));
    }

    /** The template pieces of one TemplateProcessing template. */
    static Piece[] templatePieces(JsonNode pieces, JsonNode specials, String name) {
        if (pieces == null || !pieces.isArray() || pieces.isEmpty()) {
            throw new TokenizerFormatException("TemplateProcessing's \"" + name + "\" template must be a non-empty array.");
        }
        List<Piece> out = new ArrayList<>();
        for (JsonNode p : pieces) {
            JsonNode special = p.get("SpecialToken");
            JsonNode sequence = p.get("Sequence");
            if (special != null && special.isObject()) {
                String id = Json.string(special, "id", null, "template special token");
                int typeId = typeId(special, "template special token");
                JsonNode def = specials == null || id == null ? null : specials.get(id);
                JsonNode ids = def == null ? null : def.get("ids");
                JsonNode tokens = def == null ? null : def.get("tokens");
                if (ids == null || tokens == null || !ids.isArray() || !tokens.isArray() || ids.size() != tokens.size()) {
                    throw new TokenizerFormatException("The template's special token \"" + Excerpt.of(id)
                            + "\" has no matching \"ids\" and \"tokens\" in \"special_tokens\".");
                }
                int[] idArray = new int[ids.size()];
                String[] tokenArray = new String[ids.size()];
                for (int i = 0; i < idArray.length; i++) {
                    if (!ids.get(i).canConvertToInt() || !tokens.get(i).isTextual()) {
                        throw new TokenizerFormatException("The template's special token \"" + Excerpt.of(id) + "\" has a malformed id or token.");
                    }
                    idArray[i] = ids.get(i).intValue();
                    tokenArray[i] = tokens.get(i).textValue();
                }
                out.add(new Piece(SPECIAL, typeId, idArray, tokenArray));
            } else if (sequence != null && sequence.isObject()) {
                String id = Json.string(sequence, "id", null, "template sequence");
                int which = "A".equals(id) ? 0 : "B".equals(id) ? 1 : -1;
                if (which < 0 || ("single".equals(name) && which == 1)) {
                    throw new TokenizerFormatException("The \"" + name + "\" template refers to an unknown sequence \"" + Excerpt.of(id) + "\".");
                }
                out.add(new Piece(which, typeId(sequence, "template sequence"), null, null));
            } else {
                throw new TokenizerFormatException("Every piece of the \"" + name + "\" template must be a SpecialToken or a Sequence.");
            }
        }
        return out.toArray(new Piece[0]);
    }

    /** A piece's type_id: a non-negative integer (Hugging Face keeps it unsigned), 0 when absent. */
    private static int typeId(JsonNode piece, String where) {
        int typeId = Json.integer(piece, "type_id", 0, where);
        if (typeId < 0) {
            throw new TokenizerFormatException("The " + where + "'s \"type_id\" is " + typeId + "; it must not be negative.");
        }
        return typeId;
    }

    /**
     * Checks that every special token the templates add is a token of the vocabulary, so that no
     * encoding can carry an id the model has no row for.
     */
    void requireIdsIn(TokenVocabulary vocabulary) {
        for (Piece[] template : pair == null ? new Piece[][] {single} : new Piece[][] {single, pair}) {
            for (Piece p : template) {
                if (p.sequence() != SPECIAL) continue;
                for (int j = 0; j < p.ids().length; j++) {
                    int id = p.ids()[j];
                    if (id < 0 || id >= vocabulary.size()) {
                        throw new TokenizerFormatException("The post-processor's special token \"" + Excerpt.of(p.tokens()[j])
                                + "\" has id " + id + ", outside the vocabulary of " + vocabulary.size() + " tokens.");
                    }
                }
            }
        }
    }

    /** The largest type id the single-text template gives a token (what every encoding of one text carries). */
    int maxTypeId() {
        int max = 0;
        for (Piece p : single) max = Math.max(max, p.typeId());
        return max;
    }

    /** The id of the special token the single template puts first, before the text, or -1. */
    int leadingSpecialId() {
        Piece p = single[0];
        return p.sequence() == SPECIAL && p.ids().length > 0 ? p.ids()[0] : -1;
    }

    /** The id of the special token the single template puts last, after the text, or -1. */
    int trailingSpecialId() {
        Piece p = single[single.length - 1];
        return p.sequence() == SPECIAL && p.ids().length > 0 ? p.ids()[p.ids().length - 1] : -1;
    }

    /** The first id of the first special token of the single template, or -1 if there is none. */
    int firstSpecialId() {
        for (Piece p : single) {
            if (p.sequence() == SPECIAL && p.ids().length > 0) {
                return p.ids()[0];
            }
        }
        return -1;
    }

    /** The last id of the last special token of the single template, or -1 if there is none. */
    int lastSpecialId() {
        for (int i = single.length - 1; i >= 0; i--) {
            Piece p = single[i];
            if (p.sequence() == SPECIAL && p.ids().length > 0) {
                return p.ids()[p.ids().length - 1];
            }
        }
        return -1;
    }

    Encoding apply(TokenBuffer a, TokenBuffer b) {
        Piece[] template = b == null ? single : pair;
        int n = 0;
        for (Piece p : template) {
            n += p.sequence() == SPECIAL ? p.ids().length : (p.sequence() == 0 ? a.size : b.size);
        }
        int[] ids = new int[n];
        int[] typeIds = new int[n];
        String[] tokens = new String[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int k = 0;
        for (Piece p : template) {
            if (p.sequence() == SPECIAL) {
                for (int j = 0; j < p.ids().length; j++, k++) {
                    ids[k] = p.ids()[j];
                    typeIds[k] = p.typeId();
                    tokens[k] = p.tokens()[j];
                    starts[k] = -1;
                    ends[k] = -1;
                }
            } else {
                TokenBuffer s = p.sequence() == 0 ? a : b;
                System.arraycopy(s.ids, 0, ids, k, s.size);
                System.arraycopy(s.tokens, 0, tokens, k, s.size);
                System.arraycopy(s.starts, 0, starts, k, s.size);
                System.arraycopy(s.ends, 0, ends, k, s.size);
                Arrays.fill(typeIds, k, k + s.size, p.typeId());
                k += s.size;
            }
        }
        return new Encoding(ids, typeIds, tokens, starts, ends);
    }
}
