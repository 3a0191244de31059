package org.attentionsearch.text;

import java.util.Arrays;

/**
 * Text of generated tokens as they arrive, never half a character. After each id it decodes the
 * ids since the last complete point together with a little context before them, and hands out the
 * new text once it no longer ends in U+FFFD (the mark of an incomplete UTF-8 sequence). Decoding
 * with context keeps what depends on neighbours (a sentencepiece word's leading space, bytes that
 * only make a character together) exactly as a whole decode renders it.
 * <p>Not thread-safe: one per generation.
 */
public final class IncrementalDecoder {

    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private int[] ids = new int[16];
    private int count;
    /** Ids before {@code prefixStart} are already out and are no longer needed as context. */
    private int contextStart;
    /** Ids from {@code prefixStart} on have not all been handed out as text yet. */
    private int prefixStart;
    /** The decode of {@code ids[contextStart, prefixStart)}: the text already handed out, as context. */
    private String prefix = "";

    IncrementalDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one id; returns the text it completes, possibly empty. */
    public String next(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOfRange(ids, contextStart, count), skipSpecial);
        if (text.length() > prefix.length() && !text.endsWith("\uFFFD") && text.startsWith(prefix)) {
            String out = text.substring(prefix.length());
            contextStart = prefixStart;
            prefixStart = count;
            prefix = tokenizer.decode(Arrays.copyOfRange(ids, contextStart, count), skipSpecial);
            compact();
            return out;
        }
        return "";
    }

    /** The rest of the text at the end of generation (an incomplete character as U+FFFD). */
    public String finish() {
        String text = tokenizer.decode(Arrays.copyOfRange(ids, contextStart, count), skipSpecial);
        String out = text.startsWith(prefix) ? text.substring(prefix.length()) : text;
        contextStart = count;
        prefixStart = count;
        prefix = "";
        compact();
        return out;
    }

    private void compact() {
        if (contextStart > 0) {
            System.arraycopy(ids, contextStart, ids, 0, count - contextStart);
            count -= contextStart;
            prefixStart -= contextStart;
            contextStart = 0;
        }
    }
}
