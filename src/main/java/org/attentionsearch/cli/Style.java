package org.attentionsearch.cli;

/**
 * Colour and bars on a terminal; plain text when stdout is a pipe or a file, or when
 * NO_COLOR is set (no-color.org).
 */
final class Style {

    private static final String[] EIGHTHS = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};

    final boolean colour;
    final boolean bars;

    Style(boolean colour, boolean bars) {
        this.colour = colour;
        this.bars = bars;
    }

    static Style detect() {
        var console = System.console();
        boolean terminal = console != null && console.isTerminal();
        String noColour = System.getenv("NO_COLOR");
        return new Style(terminal && (noColour == null || noColour.isEmpty()), terminal);
    }

    String bold(String s) {
        return colour ? "\u001b[1m" + s + "\u001b[22m" : s;
    }

    String dim(String s) {
        return colour ? "\u001b[2m" + s + "\u001b[22m" : s;
    }

    String link(String s) {
        return colour ? "\u001b[34m" + s + "\u001b[39m" : s;
    }

    /** The mark of an attention sink. */
    String sink(String s) {
        return colour ? "\u001b[33m" + s + "\u001b[39m" : s;
    }

    /** The token inside its snippet. */
    String mark(String s) {
        return colour ? "\u001b[1;4m" + s + "\u001b[22;24m" : "[" + s + "]";
    }

    /** A bar of {@code fraction} of {@code width} cells, in eighths of a cell; empty when bars are off. */
    String bar(double fraction, int width) {
        if (!bars) return "";
        double cells = Math.max(0, Math.min(1, fraction)) * width;
        int full = (int) cells;
        int part = (int) Math.round((cells - full) * 8);
        if (part == 8) {
            full++;
            part = 0;
        }
        String b = "█".repeat(full) + EIGHTHS[part];
        String padded = b + " ".repeat(Math.max(0, width - full - (part > 0 ? 1 : 0)));
        return (colour ? "\u001b[36m" + padded + "\u001b[39m" : padded) + " ";
    }
}
