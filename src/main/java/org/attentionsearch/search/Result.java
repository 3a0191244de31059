package org.attentionsearch.search;

/**
 * One "blue link" of a results page: a key the query found, and what its value adds.
 *
 * @param key        the key's token
 * @param rank       1 for the heaviest weight
 * @param weight     the view's number ({@link View#measure()}): α_ij = softmax_j(s_ij) for a head, the
 *                   heads' mean α for the mean blend, the value share ‖Σ_h α^h_ij f^h(x_j)‖ / Σ_k ‖…‖ for
 *                   the value-weighted blend (not an attention weight), the rollout weight for rollout
 * @param score      s_ij = q_i·k_j/√d before the softmax; NaN for blends and rollout
 * @param valueNorm  ‖α_ij f(x_j)‖ with f(x_j) = (x_j W_V + b_V) W_O (per head), or the
 *                   value-weighted blend's norm; NaN for the mean blend and rollout
 * @param valueShare valueNorm as a share of the page's total; NaN where valueNorm is
 * @param snippet    the key token in its surrounding text
 * @param sink       whether the key is an attention sink for this query: it takes a large
 *                   weight but its value adds little (the rule: {@link Sinks}); false where the
 *                   view marks none
 */
public record Result(TokenRef key, int rank, double weight, double score, double valueNorm,
                     double valueShare, Snippet snippet, boolean sink) {
}
