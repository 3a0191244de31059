package org.attentionsearch.corpus;

import java.nio.ByteBuffer;

/**
 * What one head does at one token, as the index keeps it: where its top key stands, which token
 * that is, how spread its weights are, and whether the top key is an attention sink.
 *
 * @param offset   the top key's position minus the query's (−1: the previous token; 0: itself)
 * @param keyToken the top key's token id
 * @param entropy  H(α) = −Σ α ln α over the visible keys, in nats (exp(H) is the page's effective results)
 * @param sink     whether the top key is a sink for this query (the rule of {@link org.attentionsearch.search.Sinks})
 */
public record HeadSummary(int offset, int keyToken, float entropy, boolean sink) {

    static final int BYTES = 13;

    /** Every head's summary of one layer, packed: offset, token, entropy, sink flag per head. */
    static byte[] pack(HeadSummary[] heads) {
        ByteBuffer b = ByteBuffer.allocate(BYTES * heads.length);
        for (HeadSummary h : heads) b.putInt(h.offset).putInt(h.keyToken).putFloat(h.entropy).put((byte) (h.sink ? 1 : 0));
        return b.array();
    }

    static HeadSummary[] unpack(byte[] bytes, int offset, int length) {
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
        HeadSummary[] heads = new HeadSummary[length / BYTES];
        for (int h = 0; h < heads.length; h++) heads[h] = new HeadSummary(b.getInt(), b.getInt(), b.getFloat(), b.get() != 0);
        return heads;
    }
}
