package org.attentionsearch.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A few texts on their way through a command together, each succeeding or failing on its own.
 * From {@code --input}, a text that cannot be processed is answered in its place by
 * {@code {"line": n, "error": "…"}} and the others go on; given as arguments, it stops the
 * command, as a bad argument does.
 */
final class TextBatch {

    /** One text: its 1-based number (line of the input, or argument), the text, or why it cannot be used. */
    record Text(int number, String value, String problem) {
    }

    private final List<Text> texts;
    private final String[] errors;
    private final boolean answerInPlace;

    /** @param answerInPlace whether a failed text is answered by an error line (--input) rather than stopping the command */
    TextBatch(List<Text> texts, boolean answerInPlace) {
        this.texts = List.copyOf(texts);
        this.errors = new String[texts.size()];
        this.answerInPlace = answerInPlace;
        for (int i = 0; i < errors.length; i++) {
            String problem = texts.get(i).problem();
            if (problem != null) fail(i, new UsageException(problem));
        }
    }

    List<Text> texts() {
        return texts;
    }

    int size() {
        return texts.size();
    }

    /** Applies step to each text not failed so far; the result lines up with texts(), null where a text failed. */
    <T> List<T> each(Function<Text, T> step) {
        List<T> out = new ArrayList<>(Arrays.asList(newArray(texts.size())));
        for (int i = 0; i < texts.size(); i++) {
            if (errors[i] != null) continue;
            try {
                out.set(i, step.apply(texts.get(i)));
            } catch (UsageException e) {
                fail(i, e);
            }
        }
        return out;
    }

    /**
     * Runs step once on the values of the texts not failed so far (one forward pass for all),
     * and lines its results up with texts() again. No call when every text has failed.
     */
    <T, R> List<R> together(List<T> values, Function<List<T>, List<R>> step) {
        List<T> live = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) if (errors[i] == null) live.add(values.get(i));
        List<R> out = new ArrayList<>(Arrays.asList(newArray(texts.size())));
        if (live.isEmpty()) return out;
        List<R> results = step.apply(live);
        for (int i = 0, r = 0; i < texts.size(); i++) if (errors[i] == null) out.set(i, results.get(r++));
        return out;
    }

    /**
     * In input order: each text's answer through write, or a failed text's {"line": n, "error": "…"}.
     * write works out whatever may refuse the text before it starts writing its object.
     */
    <R> void answer(List<R> results, JsonLines lines, BiConsumer<Text, R> write) {
        for (int i = 0; i < texts.size(); i++) {
            if (errors[i] == null) {
                try {
                    write.accept(texts.get(i), results.get(i));
                } catch (UsageException e) {
                    fail(i, e);
                }
            }
            if (errors[i] != null) {
                int line = texts.get(i).number();
                String error = errors[i];
                lines.object(g -> {
                    g.writeNumberField("line", line);
                    g.writeStringField("error", error);
                });
            }
        }
    }

    /** The failed texts' messages in input order, null for the others. */
    List<String> errors() {
        return Arrays.asList(errors.clone());
    }

    private void fail(int i, UsageException e) {
        if (!answerInPlace) throw e;
        errors[i] = e.getMessage();
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] newArray(int n) {
        return (T[]) new Object[n];
    }
}
