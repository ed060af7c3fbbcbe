package io.tandem.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * "Ask, don't guess, native sizes": compiles a small C program that prints each named C expression
 * (sizeof, offsetof, a constant) and compares the values with what the Java code uses.
 */
public final class CProbe {
    private CProbe() {
    }

    /** True when gcc is on the PATH (tests skip without it). */
    public static boolean gccAvailable() {
        final String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (final String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "gcc"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Compiles and runs the probe in {@code dir} and asserts that every expression in {@code expected}
     * has the expected value in C.
     *
     * @param includes the {@code #include} lines (and defines) the expressions need
     */
    public static void assertMatches(final Path dir, final String includes, final Map<String, Long> expected)
            throws IOException, InterruptedException {
        final StringBuilder c = new StringBuilder("#define _GNU_SOURCE\n#include <stddef.h>\n#include <stdio.h>\n")
                .append(includes).append("int main(void) {\n");
        for (final String name : expected.keySet()) {
            c.append("    printf(\"%s=%lld\\n\", \"").append(name).append("\", (long long)(").append(name)
                    .append("));\n");
        }
        Files.writeString(dir.resolve("probe.c"), c.append("    return 0;\n}\n").toString());
        run(dir, List.of("gcc", "-std=c11", "-Wall", "-Werror", "-o", "probe", "probe.c"));
        final String output = run(dir, List.of(dir.resolve("probe").toString()));

        final Map<String, Long> actual = new LinkedHashMap<>();
        for (final String line : output.split("\n")) {
            final int eq = line.lastIndexOf('=');
            if (eq > 0) {
                actual.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
            }
        }
        final List<String> mismatches = new ArrayList<>();
        for (final Map.Entry<String, Long> e : expected.entrySet()) {
            final Long value = actual.get(e.getKey());
            if (!e.getValue().equals(value)) {
                mismatches.add(e.getKey() + ": java " + e.getValue() + ", C " + value);
            }
        }
        assertTrue(mismatches.isEmpty(), "layout/constant mismatches:\n" + String.join("\n", mismatches));
        assertEquals(expected.size(), actual.size());
    }

    private static String run(final Path dir, final List<String> command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command + " failed:\n" + output);
        return output;
    }
}
