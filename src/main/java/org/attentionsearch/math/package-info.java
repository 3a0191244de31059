/**
 * The numeric kernels of the encoder, in plain Java with the Vector API.
 *
 * <ul>
 *   <li>{@link org.attentionsearch.math.MatMul}: c = epilogue(a·W + bias) with W packed once by
 *       {@link org.attentionsearch.math.PackedMatrix}; a register-blocked 6 × 64 micro-kernel
 *       (24 accumulators of 16 floats). Activations are row-major float arrays, one row per token.</li>
 *   <li>{@link org.attentionsearch.math.Vectors}: dot, axpy, scale, max, sum, softmax, layerNorm,
 *       GELU, l2Normalize over array slices.</li>
 *   <li>{@link org.attentionsearch.math.Scalar} and {@link org.attentionsearch.math.ScalarMatMul}:
 *       plain twins of the above, accumulating in double; the tests' references.</li>
 *   <li>{@link org.attentionsearch.math.QuantizedMatMul}: the same contract with W kept where a
 *       file stores it ({@link org.attentionsearch.math.QuantizedMatrix}: F16, BF16, Q8_0, Q4_0,
 *       Q4_K, Q6_K rows, each format's kernels in a class of its own); matrix × vector widens each
 *       stored row in registers, a prompt dequantizes panels into MatMul's packed layout.
 *       {@link org.attentionsearch.math.ScalarQuantizedMatMul} is its plain twin.</li>
 *   <li>{@link org.attentionsearch.math.PlainKernels}: MatMul's micro-kernel, GELU, LayerNorm and
 *       softmax as plain loops doing the vector kernels' operations in the same order (the same
 *       bits), for small multiplications and a process's first rows, which are over before C2
 *       would have compiled the Vector API code.</li>
 *   <li>{@link org.attentionsearch.math.Parallel}: the worker threads.</li>
 * </ul>
 *
 * <p>Accuracy: MatMul accumulates in float FMA chains (error ~√k·2^-24·Σ|a·w| typically);
 * GELU is exact (erf-based) GELU to within ~2e-7 absolute plus 4e-7 relative; exp to within
 * 2 ulp. Kernels never allocate per element; a MatMul call allocates one small tile buffer.
 */
package org.attentionsearch.math;
