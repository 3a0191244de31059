package org.attentionsearch.cli;

import java.io.PrintStream;

import org.attentionsearch.model.Model;

/** Says on stderr when a text was cut to the model's positions, or refuses with --no-truncate. */
final class Truncation {

    private Truncation() {
    }

    static Model.Tokenized check(Model model, String text, int index, boolean noTruncate, PrintStream err) {
        Model.Tokenized t = model.tokenize(text);
        if (t.dropped() > 0) {
            int max = model.config().maxPositions();
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
