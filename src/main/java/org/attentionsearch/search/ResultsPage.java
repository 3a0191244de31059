package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The results page of one query token under one view: the keys it attends to, ranked by the
 * view's number — an attention weight α = softmax(q·k/√d) for one head, the heads' mean α, the
 * value share of the value-weighted blend, or the rollout weight ({@link View#measure()}); each
 * {@link Result} has its formulas.
 *
 * @param query            the query token
 * @param view             the head, blend or rollout the page ranks by
 * @param keys             how many keys the query could see ("About N results"); without sinks, how many are left
 * @param effectiveResults exp(H(p)) = exp(−Σ_j p_j ln p_j) of the page's row p (the view's
 *                         {@link View#measure() measure} over every key): how many keys the query
 *                         really reads, 1 when one takes everything, n when all are equal
 * @param coveredWeight    Σ p_j over the results shown: the share of the row they hold
 * @param results          the shown results, heaviest first
 * @param sinksLeftOut     the sinks left out of a renormalised page ({@link #withoutSinks()}); null on
 *                         a page as the model computed it
 */
public record ResultsPage(TokenRef query, View view, int keys, double effectiveResults,
                          double coveredWeight, List<Result> results, SinksLeftOut sinksLeftOut) {

    /**
     * What a page without sinks left out: the sink keys, heaviest first, and the weight they held,
     * by which the other keys' weights were divided (1 − weight).
     */
    public record SinksLeftOut(List<TokenRef> keys, double weight) {
    }

    /** A page as the model computed it, no sinks left out. */
    public ResultsPage(TokenRef query, View view, int keys, double effectiveResults, double coveredWeight,
                       List<Result> results) {
        this(query, view, keys, effectiveResults, coveredWeight, results, null);
    }

    public boolean renormalised() {
        return sinksLeftOut != null;
    }

    /**
     * This page with its sinks left out and the other keys renormalised: every weight divided
     * by 1 − m, m the weight the sinks held (computed as the other keys' own sum), and every value
     * share likewise by 1 − the sinks' value share; ranks, keys, effective results and the covered weight are those of what is
     * left. Scores and value norms stay as the model computed them. A view that marks no sinks
     * (rollout) leaves nothing out. Needs every key of the page (a page of top ≤ 0): the keys
     * below the sinks move up.
     */
    public ResultsPage withoutSinks() {
        if (renormalised()) return this;
        Renormalised rest = leaveOut(Result::sink);
        ResultsPage p = rest.page();
        return new ResultsPage(query, view, p.keys(), p.effectiveResults(), p.coveredWeight(), p.results(),
                new SinksLeftOut(rest.keys(), rest.weight()));
    }

    /**
     * What {@link #leaveOut} leaves: the page of the other keys, renormalised, and the keys left
     * out, heaviest first, with the weight they held.
     */
    public record Renormalised(ResultsPage page, List<TokenRef> keys, double weight) {
    }

    /**
     * This page without the results {@code out} picks (the sinks, or the special tokens such as
     * [CLS], [SEP] and BOS), the others renormalised as {@link #withoutSinks} describes; the
     * page keeps its own {@link #sinksLeftOut}. Needs every key of the page (a page of top ≤ 0).
     */
    public Renormalised leaveOut(Predicate<Result> out) {
        if (results.size() != keys) {
            throw new IllegalStateException("leaving keys out needs every key of the page, not the top " + results.size());
        }
        List<TokenRef> left = new ArrayList<>();
        double weight = 0, restWeight = 0, restValue = 0;
        for (Result r : results) {
            if (out.test(r)) {
                left.add(r.key());
                weight += r.weight();
            } else {
                restWeight += r.weight();
                if (!Double.isNaN(r.valueShare())) restValue += r.valueShare();
            }
        }
        // The rest's own sums are 1 − the left-out keys' (a page's weights and shares sum to 1), without the
        // rounding of 1 − m when they hold nearly all of it. The sink rule leaves some weight unmarked
        // (the key adding most per unit of weight is never a sink), so for sinks they are positive.
        double scale = restWeight > 0 ? 1 / restWeight : 1, valueScale = restValue > 0 ? 1 / restValue : 1;
        List<Result> rest = new ArrayList<>(results.size() - left.size());
        double entropy = 0, covered = 0;
        for (Result r : results) {
            if (out.test(r)) continue;
            double w = r.weight() * scale;
            rest.add(new Result(r.key(), rest.size() + 1, w, r.score(), r.valueNorm(), r.valueShare() * valueScale,
                    r.snippet(), r.sink()));
            if (w > 0) entropy -= w * Math.log(w);
            covered += w;
        }
        ResultsPage page = new ResultsPage(query, view, rest.size(), Math.exp(entropy), covered, List.copyOf(rest), sinksLeftOut);
        return new Renormalised(page, List.copyOf(left), weight);
    }

    /** The first {@code k} results (all for k ≤ 0), with the weight they cover. */
    public ResultsPage top(int k) {
        if (k <= 0 || k >= results.size()) return this;
        double covered = 0;
        for (Result r : results.subList(0, k)) covered += r.weight();
        return new ResultsPage(query, view, keys, effectiveResults, covered, List.copyOf(results.subList(0, k)), sinksLeftOut);
    }
}
