package org.attentionsearch.weights;

import org.attentionsearch.model.ModelConfig;

/** bge-small-en-v1.5 as shipped in langchain4j's jar: 12 layers, position ids as a Constant node. */
class BgeSmallOnnxTest extends OnnxBertModelTestBase {

    @Override
    String resource() {
        return "/bge-small-en-v1.5.onnx";
    }

    @Override
    ModelConfig publishedConfig() {
        return ModelConfig.bert(30522, 384, 12, 12, 1536, 512, 2, 1e-12f);
    }
}
