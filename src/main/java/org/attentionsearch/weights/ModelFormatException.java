package org.attentionsearch.weights;

/**
 * A model file that cannot be used: truncated, malformed, of the wrong shape or of an
 * unsupported kind. The message names the file and says what is wrong, in one sentence.
 */
public class ModelFormatException extends RuntimeException {

    private final String file;

    public ModelFormatException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public String file() {
        return file;
    }
}
