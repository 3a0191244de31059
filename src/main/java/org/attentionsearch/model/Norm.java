package org.attentionsearch.model;

/** LayerNorm parameters: y = (x − mean) / √(var + eps) · gamma + beta. */
public record Norm(float[] gamma, float[] beta, float eps) {
}
