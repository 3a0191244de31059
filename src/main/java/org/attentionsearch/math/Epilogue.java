package org.attentionsearch.math;

/** What a matrix multiplication does to each output element after {@code x·W + bias}. */
public enum Epilogue {
    /** c = x·W + bias. */
    NONE,
    /** c = gelu(x·W + bias), exact (erf) GELU. */
    GELU,
    /** c = gelu_new(x·W + bias), GELU with the tanh approximation (GPT-2). */
    GELU_TANH,
    /** c = x·W + bias + residual, residual laid out like c. */
    ADD
}
