package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The same input gives the same bits whether the JVM interprets the kernels or has compiled
 * them: {@link JitProbe} in a process that only interprets, and in one that runs it 300 times
 * first, by when C2 has compiled the kernels. (A corpus's head statistics once changed in the
 * last bit with the moment the JIT finished: the Vector API's own lane sums and logarithm are
 * computed otherwise by compiled code. Compiling everything up front with -Xcomp does not show
 * it: without a profile the vector operations are not compiled into the kernels.)
 */
class InterpretedAndCompiledTest {

    @Test
    void theKernelsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        List<String> interpreted = probe("-Xint");
        List<String> compiled = probe("warm");
        assertEquals(interpreted.size(), compiled.size(), "lines");
        for (int i = 0; i < interpreted.size(); i++) assertEquals(interpreted.get(i), compiled.get(i));
        // And both as this JVM, warm from the other tests, gives them.
        List<String> here = JitProbe.lines();
        for (int i = 0; i < here.size(); i++) assertEquals(here.get(i), compiled.get(i));
    }

    /** The probe's lines from a process of its own, run with {@code how}: a JVM option, or "warm". */
    private static List<String> probe(String how) throws IOException, InterruptedException {
        boolean warm = how.equals("warm");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        if (!warm) command.add(how);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JitProbe.class.getName()));
        if (warm) command.add(how);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
        assertEquals(0, p.exitValue(), how + ": " + out);
        return out.lines().filter(l -> !l.startsWith("WARNING")).toList();
    }
}
