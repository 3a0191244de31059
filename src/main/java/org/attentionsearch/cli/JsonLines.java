package org.attentionsearch.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionsearch.search.FiniteJsonGenerator;

/** Writes one compact JSON object per line to standard output; its numbers are always finite (see {@link FiniteJsonGenerator}). */
final class JsonLines implements AutoCloseable {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final JsonGenerator out;

    JsonLines(OutputStream stream) {
        try {
            out = new FiniteJsonGenerator(FACTORY.createGenerator(stream, JsonEncoding.UTF8));
            out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            out.setRootValueSeparator(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** Writes one object and a newline (buffered: see {@link #flush()}). */
    void object(Body body) {
        try {
            out.writeStartObject();
            body.write(out);
            out.writeEndObject();
            out.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Hands what is buffered to stdout; commands call it once per batch, so lines stream.
     * When the reader has gone (`… | head -1`), the command stops instead of working on.
     */
    void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (System.out.checkError()) throw new OutputClosed();
    }

    /** Standard output was closed by its reader: stop quietly. */
    static final class OutputClosed extends RuntimeException {
        OutputClosed() {
            super("standard output was closed", null, false, false);
        }
    }

    static void floats(JsonGenerator g, float[] v, int from, int to) throws IOException {
        g.writeStartArray();
        for (int i = from; i < to; i++) g.writeNumber(v[i]);
        g.writeEndArray();
    }

    @Override
    public void close() {
        flush();
    }
}
