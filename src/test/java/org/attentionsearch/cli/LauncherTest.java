package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script, run against a stand-in JDK whose java prints what the real one would
 * (the incubator warning first) and records its arguments: stderr filtered, complete and in
 * order when the launcher exits, exit codes and stdin passed through, the start-up cache built
 * once per jar and then used.
 */
class LauncherTest {

    @TempDir Path home;
    private Path jdk, log;

    @BeforeEach
    void layOut() throws IOException {
        // The launcher and the JDK finder, beside a built jar that no source is newer than.
        Files.copy(Path.of("attention-search"), home.resolve("attention-search"));
        Files.createDirectories(home.resolve(".mvn"));
        Files.copy(Path.of(".mvn/jdk25.sh"), home.resolve(".mvn/jdk25.sh"));
        Files.createDirectories(home.resolve("src/main"));
        Files.writeString(home.resolve("pom.xml"), "<project/>");
        Files.setLastModifiedTime(home.resolve("pom.xml"), FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(home.resolve("src/main"), FileTime.from(Instant.now().minusSeconds(60)));
        Files.createDirectories(home.resolve("target"));
        Files.writeString(home.resolve("target/attention-search-cli.jar"), "jar");
        jdk = Files.createDirectories(home.resolve("jdk/bin"));
        log = home.resolve("java-args.txt");
        Files.writeString(home.resolve("jdk/release"), "JAVA_VERSION=\"25.0.3\"\n");
        executable(jdk.resolve("javac"), "#!/bin/sh\nexit 0\n");
        executable(jdk.resolve("java"), """
                #!/bin/bash
                echo "$*" >> '%s'
                for a in "$@"; do case "$a" in -XX:AOTCacheOutput=*) echo cache > "${a#-XX:AOTCacheOutput=}"; exit 0 ;; esac; done
                echo "WARNING: Using incubator modules: jdk.incubator.vector" >&2
                echo "first line" >&2
                cat
                sleep 0.3
                echo "last line, written just before exit" >&2
                exit 7
                """.formatted(log));
    }

    @Test
    void stderrIsFilteredCompleteAndInOrderWhenTheLauncherExits() throws Exception {
        Path err = home.resolve("err.txt"), out = home.resolve("out.txt");
        Process p = launcher(List.of("explain", "x")).redirectError(err.toFile()).redirectOutput(out.toFile()).start();
        p.getOutputStream().write("from stdin\n".getBytes());
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(7, p.exitValue(), "the JVM's exit code");
        // Read at once: nothing may still be on its way.
        List<String> lines = Files.readAllLines(err).stream().filter(l -> !l.startsWith("Preparing")).toList();
        assertEquals(List.of("first line", "last line, written just before exit"), lines);
        assertEquals("from stdin\n", Files.readString(out), "stdin reaches the JVM");
    }

    @Test
    void theStartUpCacheIsBuiltOncePerJarAndThenUsed() throws Exception {
        Path cache = home.resolve("target/attention-search.aot");
        run();
        assertTrue(Files.size(cache) > 0);
        List<String> calls = Files.readAllLines(log);
        assertEquals(3, calls.size(), "a run that extracts the model, a training run, then the command: " + calls);
        String extracts = "-Dattentionsearch.cache=" + home.resolve("target/cache");
        assertTrue(calls.get(0).contains(extracts) && calls.get(0).contains(" explain ") && !calls.get(0).contains("AOTCache"), calls.get(0));
        assertTrue(calls.get(1).contains("-XX:AOTCacheOutput=") && calls.get(1).contains(" explain "), calls.get(1));
        assertTrue(calls.get(2).contains("-XX:AOTCache=" + cache) && calls.get(2).contains(extracts) && calls.get(2).endsWith("tokenize x"), calls.get(2));
        assertTrue(calls.get(2).contains("-XX:TieredStopAtLevel=1"), "tokenizing needs no C2: " + calls.get(2));
        assertFalse(calls.get(0).contains("TieredStopAtLevel") || calls.get(1).contains("TieredStopAtLevel"), "a model's runs do");

        run();
        assertEquals(4, Files.readAllLines(log).size(), "no second training run for the same jar");

        Files.setLastModifiedTime(home.resolve("target/attention-search-cli.jar"), FileTime.from(Instant.now().plusSeconds(5)));
        run();
        calls = Files.readAllLines(log);
        assertEquals(7, calls.size(), "a new jar, a new cache: " + calls);
        assertTrue(calls.get(5).contains("-XX:AOTCacheOutput="));
        assertFalse(calls.get(6).contains("AOTCacheOutput"));
    }

    private void run() throws Exception {
        Process p = launcher(List.of("tokenize", "x")).redirectErrorStream(true).start();
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    }

    private ProcessBuilder launcher(List<String> args) {
        List<String> command = new java.util.ArrayList<>(List.of("bash", home.resolve("attention-search").toString()));
        command.addAll(args);
        ProcessBuilder b = new ProcessBuilder(command);
        b.environment().put("JAVA_HOME", home.resolve("jdk").toString());
        b.environment().remove("ATTENTION_SEARCH_NO_AOT");
        b.environment().remove("ATTENTION_SEARCH_JAVA_OPTS");
        return b;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
