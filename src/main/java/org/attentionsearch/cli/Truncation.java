package org.attentionsearch.cli;

import java.io.PrintStream;

import org.attentionsearch.model.Bert;

/** Says on stderr when a text was cut to the model's positions, or refuses with --no-truncate. */
final class Truncation {

    private Truncation() {
    }

    static Bert.Tokenized check(Bert bert, String text, int index, boolean noTruncate, PrintStream err) {
        Bert.Tokenized t = bert.tokenize(text);
        if (t.dropped() > 0) {
            int max = bert.config().maxPositions();
            int total = t.encoding().length() + t.dropped();
            if (noTruncate) {
                throw new UsageException("text " + (index + 1) + " has " + total + " tokens but the model takes at most "
                        + max + " (drop --no-truncate to cut it)");
            }
            err.println("warning: text " + (index + 1) + " has " + total + " tokens; the model takes " + max
                    + ", so the last " + t.dropped() + " were dropped");
        }
        return t;
    }
}
