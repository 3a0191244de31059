package org.attentionsearch.text;

import java.util.Arrays;

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
