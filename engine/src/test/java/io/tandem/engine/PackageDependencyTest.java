package io.tandem.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
 * The engine's packages depend on each other in one direction only (docs/architecture.md,
 * "Packages"): the import graph of {@code src/main/java} has no cycle, and the packet path's lower
 * packages never import the parts that are built on them. Read from the sources, so a new import
 * that closes a cycle fails here with the cycle named.
 */
class PackageDependencyTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+?)(?:\\.\\*)?;", Pattern.MULTILINE);

    @Test
    void thePackageGraphHasNoCycle() throws IOException {
        final Map<String, Set<String>> graph = graph();
        assertTrue(graph.size() > 10, "sources found: " + graph.keySet());
        final List<List<String>> cycles = stronglyConnected(graph);
        assertEquals(List.of(), cycles, "package cycles (each list is one strongly connected set)");
    }

    @Test
    void lowerPackagesDoNotImportThePartsBuiltOnThem() throws IOException {
        final Map<String, Set<String>> graph = graph();
        assertNoDependency(graph, "state", "sync", "journal", "packet", "verdict", "metrics", "assembly", "cli");
        assertNoDependency(graph, "decode", "state", "rules", "packet", "sync");
        assertNoDependency(graph, "counters", "packet", "metrics", "state");
        assertNoDependency(graph, "sync", "packet", "metrics", "assembly", "cli");
        assertNoDependency(graph, "packet", "metrics", "assembly", "cli", "control");
    }

    /** The counter registry's package sits low, so every part can list its counters in it. */
    @Test
    void theCountersPackageImportsOnlyTheDecoderAndTheNativeBindings() throws IOException {
        for (final String p : graph().get("io.tandem.engine.counters")) {
            assertTrue(p.equals("io.tandem.engine.decode") || p.startsWith("io.tandem.nativeio."),
                    "io.tandem.engine.counters imports " + p);
        }
    }

    private static void assertNoDependency(final Map<String, Set<String>> graph, final String from,
            final String... notOn) {
        final Set<String> reach = reachable(graph, "io.tandem.engine." + from);
        for (final String target : notOn) {
            assertTrue(!reach.contains("io.tandem.engine." + target),
                    from + " must not depend (directly or not) on " + target + "; it reaches " + reach);
        }
    }

    private static Set<String> reachable(final Map<String, Set<String>> graph, final String start) {
        final Set<String> seen = new TreeSet<>();
        final Deque<String> todo = new ArrayDeque<>(graph.getOrDefault(start, Set.of()));
        while (!todo.isEmpty()) {
            final String p = todo.pop();
            if (seen.add(p)) {
                todo.addAll(graph.getOrDefault(p, Set.of()));
            }
        }
        return seen;
    }

    /** Package → packages of this module it imports (a class or a static member of one). */
    private static Map<String, Set<String>> graph() throws IOException {
        final Map<Path, String> text = new HashMap<>();
        final Map<Path, String> packageOf = new HashMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (final Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                final String s = Files.readString(f, StandardCharsets.UTF_8);
                final Matcher m = PACKAGE.matcher(s);
                if (m.find()) {
                    text.put(f, s);
                    packageOf.put(f, m.group(1));
                }
            }
        }
        final Set<String> known = new TreeSet<>(packageOf.values());
        final Map<String, Set<String>> graph = new TreeMap<>();
        known.forEach(p -> graph.put(p, new TreeSet<>()));
        text.forEach((file, s) -> {
            final String pkg = packageOf.get(file);
            final Matcher m = IMPORT.matcher(s);
            while (m.find()) {
                final String[] parts = m.group(1).split("\\.");
                for (int i = parts.length; i > 0; i--) {
                    final String candidate = String.join(".", java.util.Arrays.copyOf(parts, i));
                    if (known.contains(candidate)) {
                        if (!candidate.equals(pkg)) {
                            graph.get(pkg).add(candidate);
                        }
                        break;
                    }
                }
            }
        });
        return graph;
    }

    /** Tarjan's strongly connected components with more than one package. */
    private static List<List<String>> stronglyConnected(final Map<String, Set<String>> graph) {
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new TreeSet<>();
        final List<List<String>> result = new ArrayList<>();
        final int[] counter = {0};
        for (final String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                strong(v, graph, index, low, stack, onStack, result, counter);
            }
        }
        return result;
    }

    private static void strong(final String v, final Map<String, Set<String>> graph, final Map<String, Integer> index,
            final Map<String, Integer> low, final Deque<String> stack, final Set<String> onStack,
            final List<List<String>> result, final int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (final String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                strong(w, graph, index, low, stack, onStack, result, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            final List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                component.sort(String::compareTo);
                result.add(component);
            }
        }
    }
}
