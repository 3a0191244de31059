package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic test text that exercises every corner of the tokenizer: accents and stacked
 * combining marks, CJK, emoji sequences, controls, invisible characters, right-to-left scripts,
 * fullwidth forms, very long words, punctuation runs, unusual whitespace and special-token literals.
 */
final class NastyCorpus {
    private NastyCorpus() {}

    private static final String[] WORDS = (
            "the quick brown fox jumps over lazy dog attention transformer embedding search query "
            + "document vector model layer head token encoder running unbelievable tokenization "
            + "internationalization John Mary London Paris I a an of in to is was were be been it "
            + "that this with for on as at by from not but or and Hello WORLD McDonald's iPhone eBay "
            + "naïve café résumé façade coöperate jalapeño Zürich São Paulo Ærøskøbing Dvořák Łódź "
            + "straße STRASSE İstanbul ıi ǅemal Ωmega ΣΊΣΥΦΟΣ σοφός Москва привет Ελλάδα").split(" ");

    private static final String[] SENTENCES = {
        "The quick brown fox jumps over the lazy dog.",
        "It's 3:45 p.m. on 2024-01-15, and the temperature is -3.5°C (26.6°F)!",
        "Dr. Smith's e-mail is john.smith@example.com; call +1 (555) 123-4567.",
        "\"Quoted,\" she said — 'nested' quotes… and ellipses...",
        "Prices: $1,000,000.00 / €850 / £700 / ¥100,000 — 50% off!!!",
        "C++ and C# aren't the same as Objective-C; neither is F#.",
        "URL: https://en.wikipedia.org/wiki/BERT_(language_model)?x=1&y=2#section",
        "He said: «Bonjour» and „Guten Tag“ and 「こんにちは」.",
        "1st 2nd 3rd 4th ½ ¾ ² ³ ¹ ⁴ ₀ ① ⑵ Ⅻ ٣٤٥ ४५६",
        "",
    };

    private static final int[] EMOJI = {
        0x1F600, 0x1F602, 0x1F44D, 0x2764, 0x1F525, 0x1F970, 0x1F972, 0x1FAE0, 0x1F680, 0x2600, 0x231A, 0x1F1FA,
    };

    private static final String[] EMOJI_SEQUENCES = {
        "👨‍👩‍👧‍👦", "👍🏽", "👋🏿", "🇺🇸", "🇯🇵🇫🇷", "❤️", "1️⃣", "🏳️‍🌈", "🧑🏻‍💻", "👩‍❤️‍💋‍👨", "✌︎", "#️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    };

    private static final String[] SPECIAL_LITERALS = {
        "[MASK]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[mask]", "[MASK", "MASK]", "[[MASK]]", "x[MASK]y",
        "[MASK][MASK]", " [SEP] ", "[CLS][SEP]", "[Mask]", "[ MASK ]", "[unused1]", "##", "##ing", "#",
    };

    private static final int[] ODD_SPACE = {
        ' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F, 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2005, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    };

    private static final int[] INVISIBLE = {
        0x00, 0x01, 0x07, 0x1B, 0x7F, 0x80, 0x9F, 0xAD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202E,
        0x2060, 0x2066, 0xFEFF, 0xFFFD, 0xFFF9, 0x061C, 0x180E, 0x034F, 0xFE0F, 0xFE00, 0xE000, 0xF8FF, 0xE0001,
        0xE0041, 0xF0000, 0x10FFFD, 0x0600, 0x08E2, 0x0890, 0x110CD, 0x13430, 0x1D173,
    };

    private static final String PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡§«¶·»¿‐‑‒–—―‖‗‘’‚‛“”„‟†‡•‣․‥…‧‰′″‹›※‼⁇⁈⁉、。〃〈〉《》「」『』【】〔〕〜・！？（）［］｛｝，．：；＂＇＿｜～"
            + "\u055A\u0589\u05BE\u05C3\u060C\u061B\u061F\u066A\u06D4\u0964\u0965\u0E5A\u0F04\u104A\u1361\u166D\u166E"
            + "\u2E43\u2E4F\u2E52\u0A76\u061D\u1B7D\u2E3A\u2E3B\u00B4\u02DC\u00A8\u2044\u2212\u00D7\u00F7\u2030";

    /** Marks, including out-of-order stacks (reordered by NFD) and marks added after Unicode 8. */
    private static final int[] MARKS = {
        0x0300, 0x0301, 0x0302, 0x0303, 0x0308, 0x030A, 0x030C, 0x0316, 0x0323, 0x0327, 0x0328, 0x0331, 0x0334,
        0x0345, 0x035C, 0x0361, 0x0483, 0x0488, 0x05B4, 0x05BC, 0x064B, 0x0650, 0x0670, 0x093C, 0x094D, 0x0E48,
        0x1AB0, 0x1DC0, 0x20D0, 0x20E3, 0x302A, 0x302E, 0x0D00, 0x0898, 0x1ACF, 0x0CBC, 0x093E, 0x0903, 0x1D165,
        0x1D16D, 0x0F71, 0x0F72, 0x0F74, 0x0344, 0x0F73, 0x0E4E,
    };

    private static final String[] SCRIPTS = {
        "العربية لغة جميلة", "مَرْحَبًا بِكُمْ", "ﻻ ﷺ ﷽", "עִבְרִית שָׁלוֹם", "שלום עולם", "हिन्दी भाषा",
        "ภาษาไทยง่ายนิดเดียว", "한국어 텍스트 처리", "日本語のテキスト、カタカナ。", "中文分词测试，你好！",
        "Ελληνικά κείμενα", "Русский язык", "Tiếng Việt có dấu", "ქართული", "አማርኛ", "ᚠᚢᚦᚨᚱᚲ", "ꯃꯤꯇꯩ",
        "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ　１２３", "ｶﾀｶﾅ", "Å Ω K ǈ ﬁ ﬀ ŉ ẞ ß", "ΣΑΣ ΌΣΟΣ ς", "ꞋꞌꞍ ǅǆǄ",
        "\u0130\u0049\u0131\u0069", "\uD835\uDC00\uD835\uDD38\uD835\uDFCE", "𝒜𝓁𝓅𝒽𝒶", "𠀀𠀁𪜀𫝀𬺰", "〇〡〢",
        "\u1100\u1161\u11A8", "\u3131\u314F", "e\u0301\u0316a\u0316\u0301", "Z\u0351\u0364\u036B\u0344\u0301",
    };

    static List<String> lines(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(line(r));
        }
        return out;
    }

    static String line(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int fragments = 1 + r.nextInt(10);
        for (int f = 0; f < fragments; f++) {
            fragment(r, s);
            int sep = r.nextInt(10);
            if (sep < 6) {
                s.append(' ');
            } else if (sep < 8) {
                s.appendCodePoint(ODD_SPACE[r.nextInt(ODD_SPACE.length)]);
            }
        }
        return s.toString();
    }

    private static void fragment(SplittableRandom r, StringBuilder s) {
        switch (r.nextInt(22)) {
            case 0, 1, 2 -> s.append(SENTENCES[r.nextInt(SENTENCES.length)]);
            case 3, 4 -> {
                int n = 1 + r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    s.append(mixCase(r, WORDS[r.nextInt(WORDS.length)])).append(' ');
                }
            }
            case 5 -> {
                // A word with stacked combining marks.
                String w = WORDS[r.nextInt(WORDS.length)];
                for (int i = 0; i < w.length(); i++) {
                    s.append(w.charAt(i));
                    int marks = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 0;
                    for (int m = 0; m < marks; m++) {
                        s.appendCodePoint(MARKS[r.nextInt(MARKS.length)]);
                    }
                }
            }
            case 6 -> {
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    s.appendCodePoint(cjk(r));
                }
            }
            case 7 -> {
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (r.nextBoolean()) {
                        s.append(EMOJI_SEQUENCES[r.nextInt(EMOJI_SEQUENCES.length)]);
                    } else {
                        s.appendCodePoint(EMOJI[r.nextInt(EMOJI.length)]);
                    }
                }
            }
            case 8 -> {
                String w = WORDS[r.nextInt(WORDS.length)];
                int at = r.nextInt(w.length() + 1);
                s.append(w, 0, at).appendCodePoint(INVISIBLE[r.nextInt(INVISIBLE.length)]).append(w, at, w.length());
            }
            case 9 -> s.append(SCRIPTS[r.nextInt(SCRIPTS.length)]);
            case 10 -> s.append(SPECIAL_LITERALS[r.nextInt(SPECIAL_LITERALS.length)]);
            case 11 -> {
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    s.append(PUNCT.charAt(r.nextInt(PUNCT.length())));
                }
            }
            case 12 -> {
                // Words around the 100-code-point limit, sometimes with supplementary characters.
                int len = r.nextInt(3) == 0 ? 95 + r.nextInt(12) : 100 + r.nextInt(200);
                for (int i = 0; i < len; i++) {
                    int k = r.nextInt(20);
                    if (k == 0) {
                        s.appendCodePoint(0x1D400 + r.nextInt(26));
                    } else if (k == 1) {
                        s.append('é');
                    } else {
                        s.append((char) ('a' + r.nextInt(26)));
                    }
                }
            }
            case 13 -> {
                int n = r.nextInt(100000);
                s.append(switch (r.nextInt(5)) {
                    case 0 -> Integer.toString(n);
                    case 1 -> String.format("%,d", n * 37L);
                    case 2 -> n / 100.0 + "";
                    case 3 -> "0x" + Integer.toHexString(n);
                    default -> n + "th";
                });
            }
            case 14 -> s.appendCodePoint(randomCodePoint(r));
            case 15 -> {
                int n = 1 + r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    s.appendCodePoint(randomCodePoint(r));
                }
            }
            case 16 -> {
                String w = WORDS[r.nextInt(WORDS.length)];
                s.append(w).append(SPECIAL_LITERALS[r.nextInt(SPECIAL_LITERALS.length)]).append(mixCase(r, w));
            }
            case 17 -> {
                int n = 1 + r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    s.appendCodePoint(0xFF01 + r.nextInt(0x5E));
                }
            }
            case 18 -> {
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    s.appendCodePoint(ODD_SPACE[r.nextInt(ODD_SPACE.length)]);
                }
            }
            case 19 -> {
                // Latin letters with random marks, including Mn added after Unicode 8 and spacing marks with a combining class.
                s.append((char) ('A' + r.nextInt(58)));
                s.appendCodePoint(MARKS[r.nextInt(MARKS.length)]);
                s.appendCodePoint(MARKS[r.nextInt(MARKS.length)]);
            }
            case 20 -> s.appendCodePoint(0xAC00 + r.nextInt(11172)).appendCodePoint(0x3041 + r.nextInt(86));
            default -> {
                // Precomposed letters from Latin-1 Supplement to Latin Extended Additional, and Greek.
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    s.appendCodePoint(r.nextBoolean() ? 0xC0 + r.nextInt(0x250 - 0xC0) : (r.nextBoolean() ? 0x1E00 + r.nextInt(0x100) : 0x370 + r.nextInt(0x90)));
                }
            }
        }
    }

    private static int cjk(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> 0x3400 + r.nextInt(0x4DC0 - 0x3400);
            case 1 -> 0x20000 + r.nextInt(0x2A6E0 - 0x20000);
            case 2 -> 0xF900 + r.nextInt(0x100);
            case 3 -> 0x2B800 + r.nextInt(0x200);
            default -> 0x4E00 + r.nextInt(0x9FFF - 0x4E00);
        };
    }

    /** Any scalar value, biased towards the BMP and the planes where characters are assigned. */
    static int randomCodePoint(SplittableRandom r) {
        while (true) {
            int cp = switch (r.nextInt(4)) {
                case 0, 1 -> r.nextInt(0x10000);
                case 2 -> 0x10000 + r.nextInt(0x30000);
                default -> r.nextInt(0x110000);
            };
            if (cp < 0xD800 || cp > 0xDFFF) {
                return cp;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Lines for BPE tokenizers: the fragments above and what byte-level and sentencepiece BPE need.

    private static final String[] CONTRACTIONS = {
        "'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'rE", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'Ll", "'d", "'D",
        "'ſ", "’s", "''s", "'", "'x", "n't", "N'T", "'sS", "'lL'", "y'all", "'12",
    };

    private static final String[] BPE_SPECIAL_LITERALS = {
        "<|endoftext|>", "<|endoftext|", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|eot_id|>", "<s>", "</s>",
        "<unk>", "<pad>", "<0x41>", "<0xE4>", "<|reserved_special_token_5|>", "<think>", "</think>", "<|fim_prefix|>",
        "\u2581", "\u2581\u2581", " <s> ", "<s><s>", "<|endoftext|><|endoftext|>", "[INST]", "<<SYS>>", "Ġ", "Ċ",
    };

    private static final String[] WHITESPACE_RUNS = {
        " ", "  ", "   ", "    ", "        ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r", " \n", "\n ",
        " \t\n", "\u00A0", "\u3000", "\u0085", "\u2028", "\u180E", "\u200B", " \u00A0 ", "\u000B\u000C",
    };

    /** Deterministic lines for BPE tokenizers; a different generator from {@link #lines}, whose output stays as it was. */
    static List<String> bpeLines(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(bpeLine(r));
        }
        return out;
    }

    static String bpeLine(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int fragments = 1 + r.nextInt(10);
        for (int f = 0; f < fragments; f++) {
            if (r.nextInt(3) == 0) {
                fragment(r, s);
            } else {
                bpeFragment(r, s);
            }
            int sep = r.nextInt(10);
            if (sep < 5) {
                s.append(' ');
            } else if (sep < 7) {
                s.append(WHITESPACE_RUNS[r.nextInt(WHITESPACE_RUNS.length)]);
            }
        }
        return s.toString();
    }

    private static void bpeFragment(SplittableRandom r, StringBuilder s) {
        switch (r.nextInt(14)) {
            case 0 -> {
                int n = 1 + r.nextInt(40);
                String unit = WHITESPACE_RUNS[r.nextInt(WHITESPACE_RUNS.length)];
                for (int i = 0; i < n; i++) {
                    s.append(unit);
                }
            }
            case 1 -> {
                String w = WORDS[r.nextInt(WORDS.length)];
                s.append(mixCase(r, w)).append(CONTRACTIONS[r.nextInt(CONTRACTIONS.length)]);
                if (r.nextBoolean()) {
                    s.append(WORDS[r.nextInt(WORDS.length)]);
                }
            }
            case 2 -> {
                int n = 1 + r.nextInt(25);
                for (int i = 0; i < n; i++) {
                    s.append((char) ('0' + r.nextInt(10)));
                }
                if (r.nextBoolean()) {
                    s.append(r.nextBoolean() ? "." : ",").append(r.nextInt(1000));
                }
            }
            case 3 -> s.append(BPE_SPECIAL_LITERALS[r.nextInt(BPE_SPECIAL_LITERALS.length)]);
            case 4 -> {
                String w = WORDS[r.nextInt(WORDS.length)];
                s.append(w).append(BPE_SPECIAL_LITERALS[r.nextInt(BPE_SPECIAL_LITERALS.length)]).append(w);
            }
            case 5 -> {
                // Mixed scripts with no spaces between them.
                int n = 2 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    String t = SCRIPTS[r.nextInt(SCRIPTS.length)];
                    int a = r.nextInt(t.length());
                    s.append(t, Character.isLowSurrogate(t.charAt(a)) ? a - 1 : a, t.length());
                }
            }
            case 6 -> {
                int n = 1 + r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    s.append(EMOJI_SEQUENCES[r.nextInt(EMOJI_SEQUENCES.length)]);
                    if (r.nextInt(3) == 0) {
                        s.append(WORDS[r.nextInt(WORDS.length)]);
                    }
                }
            }
            case 7 -> {
                // A lone surrogate, or an unpaired pair, inside a word.
                String w = WORDS[r.nextInt(WORDS.length)];
                int at = r.nextInt(w.length() + 1);
                char lone = r.nextBoolean() ? (char) (0xD800 + r.nextInt(0x400)) : (char) (0xDC00 + r.nextInt(0x400));
                s.append(w, 0, at).append(lone).append(w, at, w.length());
            }
            case 8 -> {
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    s.append(r.nextBoolean() ? '\uFFFD' : (char) r.nextInt(0x20));
                }
            }
            case 9 -> {
                // Code-like text: indentation, brackets, operators.
                s.append("\n").append("    ".repeat(r.nextInt(4))).append(r.nextBoolean() ? "if (x >= 10) {" : "return a->b + c[i];")
                        .append(r.nextBoolean() ? "\n" : "\r\n").append("\t}// done");
            }
            case 10 -> s.append(switch (r.nextInt(4)) {
                case 0 -> "I'M";
                case 1 -> "YOU'LL";
                case 2 -> "it's";
                default -> "They'Re";
            });
            case 11 -> {
                // Long runs of one character: merges of repeated pairs.
                int n = 5 + r.nextInt(60);
                char c = "=-_*.#~ab!".charAt(r.nextInt(10));
                for (int i = 0; i < n; i++) {
                    s.append(c);
                }
            }
            case 12 -> {
                int n = 1 + r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    s.appendCodePoint(randomCodePoint(r));
                }
            }
            default -> {
                // Words glued to punctuation and digits.
                s.append(mixCase(r, WORDS[r.nextInt(WORDS.length)])).append(PUNCT.charAt(r.nextInt(PUNCT.length())))
                        .append(r.nextInt(100)).append(mixCase(r, WORDS[r.nextInt(WORDS.length)]));
            }
        }
    }

    private static String mixCase(SplittableRandom r, String w) {
        return switch (r.nextInt(4)) {
            case 0 -> w.toUpperCase(java.util.Locale.ROOT);
            case 1 -> w.isEmpty() ? w : Character.toUpperCase(w.charAt(0)) + w.substring(1);
            default -> w;
        };
    }
}
