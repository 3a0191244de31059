package org.attentionsearch.search;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;

/**
 * A JSON writer whose numbers are always numbers: a NaN or an infinity, which JSON cannot
 * hold (Jackson would write the string "NaN"), is refused instead of written. Values that are
 * undefined by design are written as null by the caller before they get here.
 */
public final class FiniteJsonGenerator extends JsonGeneratorDelegate {

    public FiniteJsonGenerator(JsonGenerator out) {
        super(out, false);
    }

    @Override
    public void writeNumber(float v) throws IOException {
        if (!Float.isFinite(v)) throw refused(v);
        super.writeNumber(v);
    }

    @Override
    public void writeNumber(double v) throws IOException {
        if (!Double.isFinite(v)) throw refused(v);
        super.writeNumber(v);
    }

    @Override
    public void writeArray(double[] values, int offset, int length) throws IOException {
        for (int i = offset; i < offset + length; i++) if (!Double.isFinite(values[i])) throw refused(values[i]);
        super.writeArray(values, offset, length);
    }

    private JsonGenerationException refused(double v) {
        return new JsonGenerationException("the value " + v + " is not a finite number and cannot be written as JSON", this);
    }
}
