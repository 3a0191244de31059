package org.attentionsearch.text;

import java.util.Map;

final class GgufTokenizerJson {
    private GgufTokenizerJson() {}

    static byte[] export(Map<String, Object> metadata) {
        throw new UnsupportedOperationException();
    }
}
