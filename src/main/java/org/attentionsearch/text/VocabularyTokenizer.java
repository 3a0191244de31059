package org.attentionsearch.text;

import java.util.OptionalInt;

/**
 * What a {@link Tokenizer} answers from its {@link TokenVocabulary}, the same for every algorithm:
 * ids and token strings, special tokens, BOS, EOS and stop ids. Subclasses encode and decode.
 */
abstract class VocabularyTokenizer implements Tokenizer {

    final TokenVocabulary vocabulary;

    VocabularyTokenizer(TokenVocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public String token(int id) {
        return vocabulary.token(id);
    }

    @Override
    public OptionalInt id(String token) {
        return vocabulary.id(token);
    }

    @Override
    public boolean isSpecial(int id) {
        return vocabulary.isSpecial(id);
    }

    @Override
    public OptionalInt bos() {
        return vocabulary.bos();
    }

    @Override
    public OptionalInt eos() {
        return vocabulary.eos();
    }

    @Override
    public int[] stopIds() {
        return vocabulary.stopIds();
    }
}
