package org.attentionsearch.corpus;

/**
 * A corpus file or an index directory that cannot be used as asked: one sentence naming it and
 * what is wrong (the command line exits 2).
 */
public final class CorpusException extends RuntimeException {

    public CorpusException(String message) {
        super(message);
    }
}
