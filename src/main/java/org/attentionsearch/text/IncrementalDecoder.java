package org.attentionsearch.text;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Text of generated tokens as they arrive, never half a character and never anything a later token
 * could still change. After each id it decodes the ids since the last settled point together with a
 * little context before them, and hands out what is new, except what may still change: a trailing
 * U+FFFD (the mark of an incomplete UTF-8 sequence) and trailing spaces (or a space and an apostrophe),
 * which a decoder's clean-up may yet remove before punctuation or a contraction. Decoding with context
 * keeps what depends on neighbours (a sentencepiece word's leading space, bytes that make a character
 * together) exactly as a whole decode renders it, so the pieces, with {@link #finish()}, concatenate to
 * the decode of all the ids.
 * <p>Not thread-safe: one per generation.
 */
public final class IncrementalDecoder {

    /** A tail that clean-up of spaces can still rewrite: spaces, possibly followed by {@code '}, {@code 'r} or {@code 'v}. */
    private static final Pattern UNSETTLED = Pattern.compile(" +(?:'[rv]?)?$");

    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private int[] ids = new int[16];
    private int count;
    /** Ids before {@code prefixStart} from here on are context only: their text is out. */
    private int contextStart;
    /** Ids from here on have text that is not all out yet. */
    private int prefixStart;
    /** The decode of {@code ids[contextStart, prefixStart)}. */
    private String prefix = "";
    /** How much of the text after {@code prefix} is already out. */
    private int emitted;

    IncrementalDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one id; returns the text it settles, possibly empty. */
    public String next(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOfRange(ids, contextStart, count), skipSpecial);
        if (!text.startsWith(prefix)) {
            return "";
        }
        String fresh = text.substring(prefix.length());
        int settled = settledLength(fresh);
        if (settled <= emitted) {
            return "";
        }
        String out = fresh.substring(emitted, settled);
        if (settled == fresh.length()) {
            // Everything is out: the window moves on, the last ids staying as context.
            contextStart = prefixStart;
            prefixStart = count;
            prefix = tokenizer.decode(Arrays.copyOfRange(ids, contextStart, count), skipSpecial);
            emitted = 0;
            compact();
        } else {
            emitted = settled;
        }
        return out;
    }

    /** The rest of the text at the end of generation (an incomplete character as U+FFFD). */
    public String finish() {
        String text = tokenizer.decode(Arrays.copyOfRange(ids, contextStart, count), skipSpecial);
        String out = "";
        if (text.startsWith(prefix) && text.length() - prefix.length() > emitted) {
            out = text.substring(prefix.length() + emitted);
        }
        contextStart = count;
        prefixStart = count;
        prefix = "";
        emitted = 0;
        compact();
        return out;
    }

    /** The length of the part of {@code fresh} that no later token can change. */
    private static int settledLength(String fresh) {
        int end = fresh.length();
        while (end > 0 && fresh.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        java.util.regex.Matcher m = UNSETTLED.matcher(fresh).region(0, end);
        return m.find() ? m.start() : end;
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
