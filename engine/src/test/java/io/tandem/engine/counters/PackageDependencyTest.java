package io.tandem.engine.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages depend on each other in one direction only, read from the sources' imports
 * and qualified names (comments aside): no cycle, and the counter registry's package sits low, over
 * the decoder and the native bindings only, so every part can list its counters in it.
 */
class PackageDependencyTest {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.tandem\\.(?:engine|nativeio)(?:\\.[a-z]\\w*)*)\\.[A-Z]");
    private static final Pattern COMMENTS = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);

    static Map<String, Set<String>> graph() throws IOException {
        final Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                final String source;
                try {
                    source = COMMENTS.matcher(Files.readString(p)).replaceAll(" ");
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
                final Matcher pkg = PACKAGE.matcher(source);
                if (!pkg.find()) {
                    return;
                }
                final Set<String> to = deps.computeIfAbsent(pkg.group(1), k -> new TreeSet<>());
                final Matcher ref = REFERENCE.matcher(source);
                while (ref.find()) {
                    if (!ref.group(1).equals(pkg.group(1))) {
                        to.add(ref.group(1));
                    }
                }
            });
        }
        return deps;
    }

    @Test
    void noPackageCycles() throws IOException {
        final Map<String, Set<String>> deps = graph();
        final List<String> cycles = new ArrayList<>();
        for (final String start : deps.keySet()) {
            // a cycle through start: start reaches a package that reaches start back
            final Deque<String> todo = new ArrayDeque<>(deps.get(start));
            final Set<String> seen = new TreeSet<>();
            while (!todo.isEmpty()) {
                final String p = todo.pop();
                if (p.equals(start)) {
                    cycles.add(start);
                    break;
                }
                if (seen.add(p)) {
                    todo.addAll(deps.getOrDefault(p, Set.of()));
                }
            }
        }
        assertEquals(List.of(), cycles, "packages on a dependency cycle; the graph: " + deps);
    }

    @Test
    void theCountersPackageDependsOnlyOnLowerOnes() throws IOException {
        final Set<String> counters = graph().get("io.tandem.engine.counters");
        assertTrue(counters != null);
        for (final String p : counters) {
            assertTrue(p.equals("io.tandem.engine.decode") || p.startsWith("io.tandem.nativeio."),
                    "io.tandem.engine.counters imports " + p);
        }
    }
}
