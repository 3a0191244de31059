package org.attentionsearch.corpus;

import java.io.IOException;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Lucene's HNSW vectors (its default graph: 16 neighbours, beam 100) for residual streams wider
 * than Lucene's default limit of 1024 dimensions: models of 2048 or 4096 hidden units. Readers
 * find it by name through META-INF/services.
 */
public final class WideVectorFormat extends KnnVectorsFormat {

    static final String NAME = "AttentionSearchHnsw";
    private static final int MAX_DIMENSIONS = 16384;

    private final KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat();

    public WideVectorFormat() {
        super(NAME);
    }

    @Override
    public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
        return hnsw.fieldsWriter(state);
    }

    @Override
    public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
        return hnsw.fieldsReader(state);
    }

    @Override
    public int getMaxDimensions(String fieldName) {
        return MAX_DIMENSIONS;
    }
}
