package org.attentionsearch.search;

import java.util.List;

/**
 * The results page of one query token under one view: the keys it attends to, ranked by weight.
 *
 * @param query            the query token
 * @param view             the head, blend or rollout the page ranks by
 * @param keys             how many keys the query could see ("About N results")
 * @param effectiveResults exp(H(α)), the perplexity of the weight row: how many links it really clicked
 * @param coveredWeight    the weight mass of the results shown
 * @param results          the shown results, heaviest first
 */
public record ResultsPage(TokenRef query, View view, int keys, double effectiveResults,
                          double coveredWeight, List<Result> results) {
}
