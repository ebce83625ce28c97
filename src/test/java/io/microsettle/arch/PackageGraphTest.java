package io.microsettle.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The feature packages depend on each other without a circle (DESIGN.md: imports point one way): read from the
 * sources, an import or a qualified name of {@code io.microsettle.<feature>.} in a file of another feature is an
 * arrow. The boot code beside {@code Main} (the files of {@code io.microsettle} itself) is one more node, {@value #BOOT}:
 * it starts the features, so none may reach back into it. A circle fails with its arrows and the classes that draw them.
 */
class PackageGraphTest {
    static final Path SOURCES = Path.of("src/main/java/io/microsettle");
    static final Pattern REFERENCE = Pattern.compile("io\\.microsettle\\.([a-z]+)\\.([A-Za-z]\\w*)");
    static final Pattern BOOT_REFERENCE = Pattern.compile("io\\.microsettle\\.([A-Z]\\w*)");
    static final String BOOT = "(boot)";

    @Test
    void theFeaturePackagesFormNoCircle() throws IOException {
        Map<String, Map<String, Set<String>>> arrows = arrows(SOURCES);
        assertThat(arrows.keySet()).contains("cashout", "settlement", "audit", "ops", "infra", BOOT);
        assertThat(arrows.get(BOOT)).as("Main starts the features").containsKeys("chain", "security");
        Optional<List<String>> circle = circle(graph(arrows));
        assertThat(circle).as(() -> describe(circle.orElseThrow(), arrows)).isEmpty();
    }

    @Test
    void aCircleIsFoundAndAnAcyclicGraphPasses() {
        assertThat(circle(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of())) ).isEmpty();
        assertThat(circle(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")))).hasValueSatisfying(c ->
                assertThat(c).hasSize(4).first().isEqualTo(c.getLast()));
        assertThat(circle(Map.of("a", Set.of("b", "d"), "b", Set.of(), "d", Set.of("e"), "e", Set.of("d"))))
                .hasValueSatisfying(c -> assertThat(c).containsOnly("d", "e"));
    }

    /** from package -> to package -> the "Class->Referenced" pairs that draw the arrow. */
    static Map<String, Map<String, Set<String>>> arrows(Path root) throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
        }
        Map<String, Map<String, Set<String>>> arrows = new TreeMap<>();
        for (String from : packages) {
            try (Stream<Path> files = Files.walk(root.resolve(from))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) addArrows(from, f, packages, arrows);
            }
        }
        try (Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) addArrows(BOOT, f, packages, arrows);
        }
        return arrows;
    }

    private static void addArrows(String from, Path file, Set<String> packages, Map<String, Map<String, Set<String>>> arrows)
            throws IOException {
        Map<String, Set<String>> out = arrows.computeIfAbsent(from, k -> new TreeMap<>());
        String cls = file.getFileName().toString().replace(".java", "");
        String text = Files.readString(file);
        Matcher m = REFERENCE.matcher(text);
        while (m.find()) {
            String to = m.group(1);
            if (!to.equals(from) && packages.contains(to)) out.computeIfAbsent(to, k -> new TreeSet<>()).add(cls + "->" + m.group(2));
        }
        Matcher boot = BOOT_REFERENCE.matcher(text);
        while (boot.find()) {
            if (!from.equals(BOOT)) out.computeIfAbsent(BOOT, k -> new TreeSet<>()).add(cls + "->" + boot.group(1));
        }
    }

    static Map<String, Set<String>> graph(Map<String, Map<String, Set<String>>> arrows) {
        Map<String, Set<String>> g = new TreeMap<>();
        arrows.forEach((from, out) -> g.put(from, out.keySet()));
        return g;
    }

    /** A circle as a path that ends where it starts, found by depth-first search; empty when there is none. */
    static Optional<List<String>> circle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
        for (String start : new TreeSet<>(graph.keySet())) {
            if (state.containsKey(start)) continue;
            Deque<String> path = new ArrayDeque<>();
            Optional<List<String>> found = visit(start, graph, state, path);
            if (found.isPresent()) return found;
        }
        return Optional.empty();
    }

    private static Optional<List<String>> visit(String node, Map<String, Set<String>> graph, Map<String, Integer> state,
            Deque<String> path) {
        state.put(node, 1);
        path.addLast(node);
        for (String next : new TreeSet<>(graph.getOrDefault(node, Set.of()))) {
            Integer s = state.get(next);
            if (s == null) {
                Optional<List<String>> found = visit(next, graph, state, path);
                if (found.isPresent()) return found;
            } else if (s == 1) {
                List<String> circle = new ArrayList<>();
                boolean on = false;
                for (String p : path) {
                    if (p.equals(next)) on = true;
                    if (on) circle.add(p);
                }
                circle.add(next);
                return Optional.of(circle);
            }
        }
        path.removeLast();
        state.put(node, 2);
        return Optional.empty();
    }

    static String describe(List<String> circle, Map<String, Map<String, Set<String>>> arrows) {
        StringBuilder b = new StringBuilder("package circle ").append(String.join(" -> ", circle)).append(':');
        Set<String> seen = new HashSet<>();
        for (int i = 0; i + 1 < circle.size(); i++) {
            String from = circle.get(i), to = circle.get(i + 1);
            if (seen.add(from + to)) b.append("\n  ").append(from).append(" -> ").append(to).append(": ").append(arrows.get(from).get(to));
        }
        return b.toString();
    }
}
