package org.attentionsearch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.web.ServedHeadStatistics;
import org.attentionsearch.web.ServedModel;

/**
 * Which served model's overview shows which head statistics: each {@code --heads} file goes with
 * the served model whose fingerprint it names (a file that names none, with the first model),
 * and must have that model's layers and heads; the first model without a file shows the ones its
 * {@code --index} run stored, when it stored them.
 */
final class ServedStatistics {

    private ServedStatistics() {
    }

    static List<ServedHeadStatistics> of(List<ServedModel> models, List<Path> files, Path index) {
        Map<ServedModel, ModelFingerprint> fingerprints = new HashMap<>();
        Map<String, Path> taken = new HashMap<>();
        List<ServedHeadStatistics> out = new ArrayList<>();
        for (Path file : files) {
            HeadStatisticsJson.Loaded loaded = HeadStatisticsJson.read(file);
            ServedModel target = models.getFirst();
            if (loaded.model() != null) {
                for (ServedModel m : models) {
                    if (fingerprint(m, fingerprints).sameModel(loaded.model())) target = m;
                }
            }
            var config = target.model().config();
            loaded.requireModel(file, fingerprint(target, fingerprints), config.layers(), config.heads());
            Path before = taken.put(target.id(), file);
            if (before != null) {
                throw new CorpusException(before + " and " + file + " both hold head statistics of " + target.name() + "; give one of them");
            }
            out.add(new ServedHeadStatistics(target.id(), loaded.report(), fingerprint(target, fingerprints), String.valueOf(file.getFileName())));
        }
        ServedModel first = models.getFirst();
        if (index != null && !taken.containsKey(first.id())) {
            var stored = HeadStatisticsJson.ofIndex(index);
            if (stored.isPresent()) {
                var config = first.model().config();
                stored.get().requireModel(index.resolve(HeadStatisticsJson.FILE), fingerprint(first, fingerprints), config.layers(), config.heads());
                out.add(new ServedHeadStatistics(first.id(), stored.get().report(), fingerprint(first, fingerprints), "the index " + index.getFileName()));
            }
        }
        return out;
    }

    private static ModelFingerprint fingerprint(ServedModel m, Map<ServedModel, ModelFingerprint> known) {
        return known.computeIfAbsent(m, x -> ModelFingerprint.of(x.model(), x.name()));
    }
}
