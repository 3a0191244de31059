package org.attentionsearch.weights;

import org.attentionsearch.text.Excerpt;

/**
 * A model file that cannot be used: truncated, malformed, of the wrong shape or of an
 * unsupported kind. The message names the file and says what is wrong, in one sentence
 * (bounded in length: see {@link Excerpt#message}).
 */
public class ModelFormatException extends RuntimeException {

    private final String file;

    public ModelFormatException(String file, String problem) {
        super(Excerpt.message(file + ": " + problem));
        this.file = file;
    }

    public ModelFormatException(String file, String problem, Throwable cause) {
        super(Excerpt.message(file + ": " + problem), cause);
        this.file = file;
    }

    public String file() {
        return file;
    }
}
