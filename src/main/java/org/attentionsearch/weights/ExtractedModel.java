package org.attentionsearch.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.stream.Stream;

/**
 * A model extracted once from its jar into a directory of its own, as {@link ModelLoader#export}
 * writes one (config.json, model.safetensors, tokenizer.json, the pooling files), so that later
 * starts memory-map its weights instead of inflating the ~90 MB ONNX file and parsing its protobuf.
 * <p>The directory's name carries the jar entry's size and CRC-32, which the jar's central directory
 * records (nothing is inflated to learn them), and this layout's version: a new jar gets a directory
 * of its own, and the old one is removed. A list of the files with their sizes and modification
 * times, written last, marks the directory complete; it is checked on every read, so a truncated,
 * edited or partly written directory is never used. (A checksum of the ~90 MB of weights, read at
 * every start before the JIT has compiled anything, cost a fifth of a short run; a file written
 * to changes its time, and one cut short its size.) Such a directory is removed and the model read
 * from the jar and extracted again. Extraction writes into a temporary directory and renames it into place,
 * so that a concurrent reader sees all of it or none; a directory that cannot be written costs
 * nothing but the next start's speed.
 */
public final class ExtractedModel {

    /** The layout of the directory; a change of layout changes it, and old directories are not read. */
    private static final String LAYOUT = "v2";
    static final String LISTING = "files.txt";

    private final Path directory;

    private ExtractedModel(Path directory) {
        this.directory = directory;
    }

    /**
     * Where {@code resource} (a jar entry on the class path) is extracted under {@code root}: a
     * directory named after {@code name}, the layout and the entry's size and checksum.
     */
    public static ExtractedModel of(Path root, String name, URL resource) throws IOException {
        return new ExtractedModel(root.resolve(name + "-" + LAYOUT + "-" + identity(resource)));
    }

    /** The entry's size and CRC-32 from the jar's directory; a plain file's size and modification time. */
    static String identity(URL resource) throws IOException {
        URLConnection c = resource.openConnection();
        if (c instanceof JarURLConnection jar) {
            JarEntry e = jar.getJarEntry();
            if (e.getSize() >= 0 && e.getCrc() >= 0) return e.getSize() + "-" + String.format("%08x", e.getCrc());
        }
        return c.getContentLengthLong() + "-" + c.getLastModified();
    }

    public Path directory() {
        return directory;
    }

    /**
     * The extracted model when its directory is complete and intact; otherwise {@code fromJar}'s,
     * extracted for the next start. Never fails for the directory's sake.
     */
    public Checkpoint load(Supplier<Checkpoint> fromJar) {
        Checkpoint extracted = read();
        if (extracted != null) return extracted;
        Checkpoint c = fromJar.get();
        write(c);
        return c;
    }

    /** The extracted model, or null when there is none or it is not intact (it is then removed). */
    Checkpoint read() {
        if (!Files.isRegularFile(directory.resolve(LISTING))) return null;
        try {
            // The listing shows these are the files written from a model whose values were checked
            // as it was read, so they are not scanned again (with a cold JIT, a third of a start).
            if (intact()) return ModelLoader.loadDirectory(directory, false);
        } catch (IOException | RuntimeException e) {
            // not what was written: read the jar instead, and extract anew
        }
        delete(directory);
        return null;
    }

    /** Writes the directory for the next start, unless another process has just done so. */
    void write(Checkpoint c) {
        Path tmp = directory.resolveSibling(directory.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        try {
            Files.createDirectories(directory.getParent());
            ModelLoader.export(c, tmp);
            Files.write(tmp.resolve(LISTING), listing(tmp).getBytes(StandardCharsets.UTF_8));
            if (Files.exists(directory.resolve(LISTING))) return; // another process put it in place first
            delete(directory); // an incomplete one, which has no list
            Files.move(tmp, directory, StandardCopyOption.ATOMIC_MOVE);
            removeOthers();
        } catch (IOException | RuntimeException e) {
            // a read-only or full disk: the model is loaded all the same, from the jar
        } finally {
            delete(tmp);
        }
    }

    /**
     * Every file but the list itself, a line each: {@code size modified path}, sorted by path, the
     * time to the file system's own precision.
     */
    static String listing(Path dir) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Path file : files(dir)) {
            String name = dir.relativize(file).toString();
            if (name.equals(LISTING)) continue;
            out.append(Files.size(file)).append(' ').append(Files.getLastModifiedTime(file)).append(' ').append(name).append('\n');
        }
        return out.toString();
    }

    private boolean intact() throws IOException {
        String recorded = Files.readString(directory.resolve(LISTING), StandardCharsets.UTF_8);
        return !recorded.isEmpty() && recorded.equals(listing(directory));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    /** Directories of the same model from other jars or layouts, and temporary ones left by a killed process. */
    private void removeOthers() throws IOException {
        String name = directory.getFileName().toString();
        String model = name.substring(0, name.indexOf("-" + LAYOUT + "-") + 1);
        List<Path> others = new ArrayList<>();
        try (Stream<Path> s = Files.list(directory.getParent())) {
            s.filter(p -> !p.equals(directory))
                    .filter(p -> p.getFileName().toString().startsWith(model) && !isFreshTemporary(p))
                    .forEach(others::add);
        }
        others.forEach(ExtractedModel::delete);
    }

    /** A temporary directory less than an hour old may belong to a process still writing it. */
    private static boolean isFreshTemporary(Path p) {
        try {
            return p.getFileName().toString().contains(".tmp-")
                    && Files.getLastModifiedTime(p).toMillis() > System.currentTimeMillis() - 3_600_000L;
        } catch (IOException e) {
            return true;
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // left for the next extraction to remove
        }
    }
}
