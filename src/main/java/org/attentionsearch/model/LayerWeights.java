package org.attentionsearch.model;

import org.attentionsearch.math.PackedMatrix;

/**
 * One encoder layer's weights, packed once at load.
 *
 * <p>Query, key and value are fused into one [hidden × 3·hidden] matrix so that a single
 * pass over the residual stream projects all three. {@code outputWeight} keeps W_O unpacked
 * as [in = hidden][out = hidden] because the search views need each head's slice of it:
 * rows h·d … h·d+d−1 are head h's part of the output projection.
 */
public record LayerWeights(
        PackedMatrix queryKeyValue, float[] queryKeyValueBias,
        PackedMatrix output, float[] outputBias, float[] outputWeight,
        Norm attentionNorm,
        PackedMatrix intermediate, float[] intermediateBias,
        PackedMatrix feedForwardOutput, float[] feedForwardOutputBias,
        Norm outputNorm) {
}
