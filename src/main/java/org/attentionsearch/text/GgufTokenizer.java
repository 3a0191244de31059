package org.attentionsearch.text;

import java.util.Map;

final class GgufTokenizer {
    private GgufTokenizer() {}

    static Tokenizer fromMetadata(Map<String, Object> metadata) {
        throw new UnsupportedOperationException();
    }
}
