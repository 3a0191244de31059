package org.attentionsearch.text;

import java.util.List;

/**
 * What llama.cpp does for a byte-level BPE vocabulary, by the pre-tokenizer name its GGUF file
 * carries ({@code tokenizer.ggml.pre}): the split expressions and the tokenizer options that go with them.
 *
 * @param expressions  the splits, in order (see {@link LlamaCppSplitter})
 * @param ignoreMerges a word that is itself a token is not merged
 * @param addBos       BOS is added unless the file says otherwise
 * @param cleanSpaces  decoding removes spaces before punctuation and some contractions
 */
record GgufPreTokenizer(List<String> expressions, boolean ignoreMerges, boolean addBos, boolean cleanSpaces) {

    /** llama.cpp's default pre-tokenizer, for files without a name. */
    private static final List<String> DEFAULT = List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", LlamaCppSplitter.GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> GPT2 = List.of(LlamaCppSplitter.GPT2);
    private static final List<String> LLAMA3 = List.of(LlamaCppSplitter.LLAMA3);
    private static final List<String> QWEN2 = List.of(LlamaCppSplitter.QWEN2);
    /** StarCoder's family (SmolLM among them): every digit alone, then GPT-2's split. */
    private static final List<String> DIGITS_THEN_GPT2 = List.of("\\p{N}", LlamaCppSplitter.GPT2);
    private static final List<String> FALCON = List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", LlamaCppSplitter.GPT2, "[0-9][0-9][0-9]");

    /** @throws TokenizerFormatException for a name llama.cpp does not know or this class does not implement */
    static GgufPreTokenizer named(String name) {
        return switch (name) {
            case "default" -> new GgufPreTokenizer(DEFAULT, false, false, true);
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano" ->
                    new GgufPreTokenizer(LLAMA3, true, true, true);
            case "dbrx", "smaug-bpe", "glm4", "chatglm-bpe" -> new GgufPreTokenizer(LLAMA3, false, false, true);
            case "falcon" -> new GgufPreTokenizer(FALCON, false, false, true);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                 "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "exaone4" ->
                    new GgufPreTokenizer(GPT2, false, false, true);
            case "trillion", "granite-docling" -> new GgufPreTokenizer(GPT2, false, false, false);
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2" -> new GgufPreTokenizer(QWEN2, false, false, false);
            case "stablelm2", "megrez" -> new GgufPreTokenizer(QWEN2, false, false, true);
            case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2" ->
                    new GgufPreTokenizer(DIGITS_THEN_GPT2, false, false, true);
            case "smollm", "command-r" -> new GgufPreTokenizer(DIGITS_THEN_GPT2, false, false, false);
            default -> throw new TokenizerFormatException("The GGUF pre-tokenizer \"" + Excerpt.of(name)
                    + "\" is not supported; those of GPT-2, Llama 3, Qwen2, SmolLM and their relatives are.");
        };
    }
}
