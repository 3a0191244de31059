package org.attentionsearch.math;

/** What a matrix multiplication does to each output element after {@code x·W + bias}. */
public enum Epilogue {
    /** c = x·W + bias. */
    NONE,
    /** c = gelu(x·W + bias), exact (erf) GELU. */
    GELU,
    /** c = x·W + bias + residual, residual laid out like c. */
    ADD
}
