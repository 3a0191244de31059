package org.attentionsearch.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.corpus.HeadStatisticsJson;

/**
 * {@code GET /api/heads-statistics?model=ID}: what every head of a served model does over a
 * corpus, for the heatmaps of the page's model overview — the object of {@code heads --json},
 * with {@code "available": true} and where the numbers come from. A model the server has no
 * statistics for answers {@code {"available": false}} (an answer, not an error, so that the page
 * logs none). The answers are made once, at start: the numbers never change while serving.
 */
final class HeadStatisticsApi {

    private final Map<String, byte[]> answers = new LinkedHashMap<>();
    private final String defaultId;

    HeadStatisticsApi(List<ServedModel> models, List<ServedHeadStatistics> statistics) {
        for (ServedModel m : models) answers.put(m.id(), JsonBody.object(g -> g.writeBooleanField("available", false)));
        defaultId = models.getFirst().id();
        for (ServedHeadStatistics s : statistics) {
            if (!answers.containsKey(s.modelId())) throw new IllegalArgumentException("no served model has the id " + s.modelId());
            answers.put(s.modelId(), JsonBody.object(g -> {
                g.writeBooleanField("available", true);
                g.writeStringField("modelId", s.modelId());
                g.writeStringField("source", s.source());
                HeadStatisticsJson.writeFields(g, s.report(), s.fingerprint());
            }));
        }
    }

    /** The answer for the model a request names by id (the default one without). */
    byte[] answer(String id) {
        byte[] a = answers.get(id == null ? defaultId : id);
        if (a == null) {
            throw ApiException.badRequest("no model \"" + JsonBody.clip(id) + "\" here; the models are " + String.join(", ", answers.keySet()));
        }
        return a;
    }
}
