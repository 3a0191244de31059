package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.attentionsearch.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extracted copy of a model: read only when intact, else replaced by the original's, never an error. */
class ExtractedModelTest {

    @TempDir
    Path dir;

    private final Checkpoint original = ModelLoaderTest.tiny(Pooling.MEAN_NORMALIZED);
    private final AtomicInteger originalReads = new AtomicInteger();
    private final Supplier<Checkpoint> fromOriginal = () -> {
        originalReads.incrementAndGet();
        return original;
    };

    private ExtractedModel extracted() throws IOException {
        Path source = dir.resolve("model.onnx");
        if (!Files.exists(source)) Files.write(source, new byte[] {1, 2, 3});
        return ExtractedModel.of(dir.resolve("cache"), "tiny", source.toUri().toURL());
    }

    @Test
    void theFirstLoadExtractsAndLaterOnesReadTheCopyBitForBit() throws IOException {
        ExtractedModel e = extracted();
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertTrue(Files.isRegularFile(e.directory().resolve(ExtractedModel.LISTING)));
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        ModelLoaderTest.assertSameModel(original, extracted().load(fromOriginal));
        assertEquals(1, originalReads.get(), "only the first load reads the original");
        assertEquals(1, Files.list(dir.resolve("cache")).count(), "no temporary directory is left");
    }

    @Test
    void aChangedWeightIsNeverReadAndTheCopyIsWrittenAgain() throws IOException {
        ExtractedModel e = extracted();
        e.load(fromOriginal);
        Path weights = e.directory().resolve(ModelLoader.SAFETENSORS);
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            f.seek(f.length() - 3);   // inside the last float: another finite value of the same size
            int b = f.read();
            f.seek(f.length() - 3);
            f.write(b ^ 1);
        }
        // The file system's clock may tick more coarsely than this test runs: the edit is dated as any later one would be.
        Files.setLastModifiedTime(weights, FileTime.from(Files.getLastModifiedTime(weights).toInstant().plusSeconds(1)));
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertEquals(2, originalReads.get());
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertEquals(2, originalReads.get(), "the copy written again is read");
    }

    @Test
    void truncatedMissingOrGarbledFilesFallBackToTheOriginal() throws IOException {
        ExtractedModel e = extracted();
        Path d = e.directory();
        e.load(fromOriginal);
        try (RandomAccessFile f = new RandomAccessFile(d.resolve(ModelLoader.SAFETENSORS).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        Files.delete(d.resolve(HfConfig.CONFIG));
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        Files.writeString(d.resolve(ExtractedModel.LISTING), "not a list\n");
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        Files.writeString(d.resolve(ExtractedModel.LISTING), "");
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertEquals(5, originalReads.get());
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertEquals(5, originalReads.get());
    }

    @Test
    void aCopyWithoutItsListIsIncompleteAndReplaced() throws IOException {
        ExtractedModel e = extracted();
        e.load(fromOriginal);
        Files.delete(e.directory().resolve(ExtractedModel.LISTING));   // as if the writer was killed before renaming
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertEquals(2, originalReads.get());
        assertTrue(Files.isRegularFile(e.directory().resolve(ExtractedModel.LISTING)));
    }

    @Test
    void aNewSourceGetsItsOwnCopyAndTheOldOneIsRemoved() throws IOException {
        ExtractedModel before = extracted();
        before.load(fromOriginal);
        Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3, 4});
        ExtractedModel after = extracted();
        assertNotEquals(before.directory(), after.directory());
        after.load(fromOriginal);
        assertEquals(2, originalReads.get());
        assertFalse(Files.exists(before.directory()));
        assertTrue(Files.exists(after.directory()));
    }

    @Test
    void aCacheThatCannotBeWrittenCostsOnlySpeed() throws IOException {
        Files.writeString(dir.resolve("cache"), "a file where the directory would be");
        ExtractedModel e = extracted();
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        ModelLoaderTest.assertSameModel(original, e.load(fromOriginal));
        assertEquals(2, originalReads.get());
    }

    @Test
    void theBuiltInModelReadFromItsCopyIsTheOneInTheJar() throws IOException {
        Checkpoint jar = ModelLoader.embedded();
        Path cache = dir.resolve("built-in");
        String before = System.getProperty(ModelLoader.CACHE_PROPERTY);
        System.setProperty(ModelLoader.CACHE_PROPERTY, cache.toString());
        try {
            Checkpoint extracting = ModelLoader.embedded();
            Checkpoint extracted = ModelLoader.embedded();
            for (Checkpoint c : new Checkpoint[] {extracting, extracted}) {
                ModelLoaderTest.assertSameModel(jar, c);
                assertEquals(jar.source(), c.source());
            }
        } finally {
            if (before == null) System.clearProperty(ModelLoader.CACHE_PROPERTY);
            else System.setProperty(ModelLoader.CACHE_PROPERTY, before);
        }
        try (Stream<Path> s = Files.list(cache)) {
            URL onnx = ModelLoader.class.getResource(ModelLoader.EMBEDDED_MODEL);
            assertEquals(ExtractedModel.of(cache, "all-minilm-l6-v2", onnx).directory(), s.findFirst().orElseThrow());
        }
    }
}
