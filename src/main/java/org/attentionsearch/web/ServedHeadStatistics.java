package org.attentionsearch.web;

import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.ModelFingerprint;

/**
 * A served model's head statistics over a corpus ({@code heads --json}, or the ones {@code index}
 * stored beside an index), shown as heatmaps in the page's model overview.
 *
 * @param modelId     the served model's id ({@link ServedModel#id()})
 * @param report      the statistics, every head of every layer of that model
 * @param fingerprint the model they were computed with
 * @param source      where they come from, for people ("the index in DIR", "FILE")
 */
public record ServedHeadStatistics(String modelId, CorpusHeads.Report report, ModelFingerprint fingerprint, String source) {
}
