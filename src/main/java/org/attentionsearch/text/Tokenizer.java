package org.attentionsearch.text;

import java.util.OptionalInt;

/**
 * Text to a model's token ids and back, with every token's span in the original text.
 * Implementations are immutable and safe for concurrent use.
 */
public interface Tokenizer {

    /**
     * The tokens of {@code text}, with the special tokens the model expects around a single
     * text (BERT: {@code [CLS] … [SEP]}; a decoder: its BOS when it adds one). Special-token
     * literals written in the text (like {@code <|endoftext|>}) are recognised as those tokens.
     */
    Encoding encode(String text);

    /**
     * The tokens of {@code text}; without {@code addSpecialTokens}, none of the special tokens the
     * model puts around a text (its BOS, BERT's {@code [CLS] … [SEP]}), as Hugging Face's
     * {@code add_special_tokens=False}: how a rendered chat template is tokenized, since it writes
     * BOS itself. Special-token literals in the text are still recognised as those tokens.
     */
    default Encoding encode(String text, boolean addSpecialTokens) {
        Encoding e = encode(text);
        if (addSpecialTokens) {
            return e;
        }
        // The tokens the template adds are those without a span of the text (see Encoding).
        int n = 0;
        for (int i = 0; i < e.length(); i++) {
            if (e.hasOffsets(i)) n++;
        }
        if (n == e.length()) {
            return e;
        }
        int[] ids = new int[n], typeIds = new int[n], starts = new int[n], ends = new int[n];
        String[] tokens = new String[n];
        for (int i = 0, k = 0; i < e.length(); i++) {
            if (!e.hasOffsets(i)) continue;
            ids[k] = e.ids()[i];
            typeIds[k] = e.typeIds()[i];
            tokens[k] = e.tokens()[i];
            starts[k] = e.starts()[i];
            ends[k++] = e.ends()[i];
        }
        return new Encoding(ids, typeIds, tokens, starts, ends);
    }

    /**
     * The largest token type id an encoding of one text carries (BERT's segment ids; 0 when the
     * tokenizer gives every token type 0). A model needs a token-type row for each.
     */
    default int maxTypeId() {
        return 0;
    }

    /** Number of ids: one more than the largest id of the vocabulary and the added tokens. */
    int vocabSize();

    /**
     * The token string of an id, as the vocabulary writes it.
     *
     * @throws IllegalArgumentException if no token has that id
     */
    String token(int id);

    /** The id of a token string, as the vocabulary writes it. */
    OptionalInt id(String token);

    /**
     * Whether the id is a special (control) token: one that stands for no text, like BOS, EOS,
     * {@code [CLS]} or {@code <|im_start|>}. {@link #decode(int[], boolean)} can leave these out.
     */
    boolean isSpecial(int id);

    /** The beginning-of-sequence token, if the model has one (whether or not {@link #encode} adds it). */
    OptionalInt bos();

    /** The end-of-sequence token, if the model has one. */
    OptionalInt eos();

    /**
     * Every id that ends generation: the EOS token and the other end-of-turn tokens the model
     * declares (for example {@code <|eot_id|>} or {@code <|im_end|>}), without duplicates.
     */
    default int[] stopIds() {
        OptionalInt eos = eos();
        return eos.isPresent() ? new int[] {eos.getAsInt()} : new int[0];
    }

    /** The text of {@code ids}, special tokens included, as the model's reference decoder renders it. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}; with {@code skipSpecial}, the tokens {@link #isSpecial} names are left out.
     * Ids that no token has are ignored.
     */
    String decode(int[] ids, boolean skipSpecial);

    /**
     * A decoder for generation: fed one id at a time, it returns text only once it is complete, so a
     * character whose bytes are split over several tokens appears once, whole. The pieces it returns,
     * with {@link IncrementalDecoder#finish()} at the end, concatenate to {@link #decode(int[], boolean)}
     * of all the ids.
     */
    default IncrementalDecoder incrementalDecoder(boolean skipSpecial) {
        return new IncrementalDecoder(this, skipSpecial);
    }
}
