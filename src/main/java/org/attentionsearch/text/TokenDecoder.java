package org.attentionsearch.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoders of a tokenizer.json: token strings back to text. Each step maps the list of token
 * strings to a new list (some join them into one); the text is the concatenation of the last list.
 */
sealed interface TokenDecoder {

    List<String> apply(List<String> tokens);

    /** The text of {@code tokens}. */
    default String decode(List<String> tokens) {
        return String.join("", apply(tokens));
    }

    /** Byte-level tokens to their bytes, all read as one UTF-8 text. */
    record ByteLevel() implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                bytes.writeBytes(ByteLevelAlphabet.decode(t));
            }
            return List.of(Utf8.decodeLossy(bytes.toByteArray()));
        }
    }

    /** Within each token, a literal string or regex replaced by {@code content}. */
    record Replace(String literal, Regex pattern, String content) implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                if (pattern == null) {
                    out.add(literal.isEmpty() ? t : t.replace(literal, content));
                } else {
                    out.add(AlignedText.of(t, 0, t.length()).replace(pattern, content).text());
                }
            }
            return out;
        }
    }

    /** Runs of {@code <0xNN>} tokens to the text of their bytes, or one U+FFFD per byte if they are not valid UTF-8. */
    record ByteFallback() implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    run.write(b);
                    continue;
                }
                flush(run, out);
                out.add(t);
            }
            flush(run, out);
            return out;
        }

        private static void flush(ByteArrayOutputStream run, List<String> out) {
            if (run.size() == 0) {
                return;
            }
            byte[] bytes = run.toByteArray();
            if (isValid(bytes)) {
                out.add(new String(bytes, StandardCharsets.UTF_8));
            } else {
                for (int k = 0; k < bytes.length; k++) {
                    out.add("\uFFFD");
                }
            }
            run.reset();
        }

        private static boolean isValid(byte[] bytes) {
            try {
                StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
                return true;
            } catch (java.nio.charset.CharacterCodingException e) {
                return false;
            }
        }
    }

    /** The value of a {@code <0xNN>} token (hex digits in either case), or -1. */
    static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
            return -1;
        }
        int hi = t.charAt(3) < 0x80 ? Character.digit(t.charAt(3), 16) : -1;
        int lo = t.charAt(4) < 0x80 ? Character.digit(t.charAt(4), 16) : -1;
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** All tokens joined into one. */
    record Fuse() implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Up to {@code start} leading and {@code stop} trailing {@code content} characters removed from each token. */
    record Strip(int content, int start, int stop) implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] c = t.codePoints().toArray();
                int from = 0;
                for (int i = 0; i < Math.min(start, c.length) && c[i] == content; i++) {
                    from = i + 1;
                }
                int to = c.length;
                for (int i = 0; i < stop && c.length - i - 1 >= 0 && c[c.length - i - 1] == content; i++) {
                    to = c.length - i - 1;
                }
                out.add(from >= to ? "" : new String(c, from, to - from));
            }
            return out;
        }
    }

    /** The replacement character back to spaces, dropped at the start of the first token unless nothing was prepended. */
    record Metaspace(int replacement, boolean dropFirst) implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                StringBuilder s = new StringBuilder();
                int index = i;
                tokens.get(i).codePoints().forEach(cp -> {
                    if (cp == replacement) {
                        if (!(index == 0 && dropFirst)) {
                            s.append(' ');
                        }
                    } else {
                        s.appendCodePoint(cp);
                    }
                });
                out.add(s.toString());
            }
            return out;
        }
    }

    /** WordPiece: continuation prefixes removed, a space before every other token, optional clean-up of spaces. */
    record WordPiece(String prefix, boolean cleanup) implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i != 0) {
                    t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                }
                if (cleanup) {
                    t = t.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                            .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                            .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
                }
                out.add(t);
            }
            return out;
        }
    }

    record Sequence(List<TokenDecoder> steps) implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            List<String> t = tokens;
            for (TokenDecoder d : steps) {
                t = d.apply(t);
            }
            return t;
        }
    }

    /** No decoder in the file: tokens joined by spaces. */
    record Spaces() implements TokenDecoder {
        @Override
        public List<String> apply(List<String> tokens) {
            return List.of(String.join(" ", tokens));
        }
    }
}
