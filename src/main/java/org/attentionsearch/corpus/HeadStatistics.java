package org.attentionsearch.corpus;

/**
 * What one head does over a corpus: each share is the mean, over every query of the corpus, of
 * the weight the head puts on that kind of key (see {@link HeadSums} for the formulas).
 *
 * @param effectiveResults mean exp(H(α)): how many keys a query of this head really reads
 * @param previousToken    mean α(i, i−1) over queries i ≥ 1
 * @param duplicateToken   mean weight on earlier or later occurrences of the query's own token
 * @param firstToken       mean α(i, 0)
 * @param specialTokens    mean weight on special tokens
 * @param sinks            mean weight on keys the sink rule marks
 * @param valueShare       mean share of the layer's attention output this head adds
 * @param induction        the induction score on repeated random tokens ({@link InductionScore}); NaN for an encoder
 */
public record HeadStatistics(int layer, int head, double effectiveResults, double previousToken, double duplicateToken,
                             double firstToken, double specialTokens, double sinks, double valueShare, double induction) {
}
