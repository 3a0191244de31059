package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;

/**
 * What the server does many times at once gives, bit for bit, what it gives one at a time:
 * forward passes of different texts on many threads, and many threads reading pages (blends,
 * rollout, memoised inside the analysis) of one shared analysis, as cache hits do.
 */
class ConcurrentAnalysesTest {

    private static final int THREADS = 8, PER_THREAD = 4; // each text is run by four of the threads
    private static final List<String> TEXTS = List.of(
            "The bank raised its rates.", "We sat on the river bank after the flood.",
            "Attention finds the keys a query needs.", "A short one.",
            "Money was deposited at the bank by the river, twice.", "Heads differ in what they look for.",
            "The cat sat on the mat and looked at the dog.", "Rollout multiplies attention through layers.");

    private final Model bert = TestModels.MINILM.model();

    @Test
    void forwardPassesOnManyThreadsEqualThoseRunOneByOne() throws Exception {
        List<Analysis> alone = new ArrayList<>();
        for (String text : TEXTS) alone.add(Analysis.of(bert, text));
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Callable<List<Analysis>>> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int shift = t;
            work.add(() -> {
                start.await();
                List<Analysis> out = new ArrayList<>();
                for (int i = 0; i < PER_THREAD; i++) out.add(Analysis.of(bert, TEXTS.get((i + shift) % TEXTS.size())));
                return out;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<List<Analysis>>> done = pool.invokeAll(work, 2, TimeUnit.MINUTES);
            for (int t = 0; t < THREADS; t++) {
                List<Analysis> got = done.get(t).get();
                for (int i = 0; i < PER_THREAD; i++) {
                    Analysis expected = alone.get((i + t) % TEXTS.size()), actual = got.get(i);
                    assertEquals(expected.trace().names(), actual.trace().names());
                    for (String name : expected.trace().names()) {
                        assertArrayEquals(expected.trace().get(name).data(), actual.trace().get(name).data(),
                                "thread " + t + ", " + TEXTS.get((i + t) % TEXTS.size()) + ": " + name);
                    }
                }
            }
        }
    }

    @Test
    void pagesOfOneSharedAnalysisReadOnManyThreadsEqualThoseReadOneByOne() throws Exception {
        String text = TEXTS.get(4);
        List<View> views = List.of(new View.Rollout(), new View.ValueBlend(3), new View.MeanBlend(1), new View.Head(5, 11),
                new View.ValueBlend(0), new View.Head(2, 3));
        Analysis reference = Analysis.of(bert, text);
        List<List<ResultsPage>> expected = new ArrayList<>();
        for (View v : views) expected.add(reference.pages(v, 0));

        Analysis shared = Analysis.of(bert, text); // nothing memoised yet: the threads race to fill it
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Callable<List<List<ResultsPage>>>> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int shift = t;
            work.add(() -> {
                start.await();
                List<List<ResultsPage>> out = new ArrayList<>();
                for (int i = 0; i < views.size(); i++) out.add(shared.pages(views.get((i + shift) % views.size()), 0));
                return out;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<List<List<ResultsPage>>>> done = pool.invokeAll(work, 2, TimeUnit.MINUTES);
            for (int t = 0; t < THREADS; t++) {
                List<List<ResultsPage>> got = done.get(t).get();
                for (int i = 0; i < views.size(); i++) {
                    assertEquals(expected.get((i + t) % views.size()), got.get(i), "thread " + t + ", " + views.get((i + t) % views.size()));
                }
            }
        }
    }
}
