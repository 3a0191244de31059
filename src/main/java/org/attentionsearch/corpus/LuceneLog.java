package org.attentionsearch.corpus;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Keeps Lucene's start-up notes (which vector instructions it uses) off stderr; its warnings still show. */
final class LuceneLog {

    /** Held, so that the level set on it is not lost when the logger is collected. */
    private static final Logger LUCENE = Logger.getLogger("org.apache.lucene");

    static {
        LUCENE.setLevel(Level.WARNING);
    }

    private LuceneLog() {
    }

    static void quiet() {
        // the static initialiser has done it
    }
}
