package io.microsettle;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code microsettle config [--profile NAME]}: the configuration in effect, without booting Quarkus. Every
 * {@code microsettle.*} setting (defaults included), and every {@code quarkus.datasource.*}, {@code mp.jwt.*} and
 * {@code smallrye.jwt.*} one that is set or that the service relies on, with its value (secrets masked) and where
 * it comes from; then what {@code run} would refuse. Exit code 0, or 1 when {@code run} would refuse to start.
 */
public final class ConfigReport {
    public static final String MASK = "****";
    public static final String NOT_SET = "(not set)";
    public static final String EMBEDDED = "embedded default";
    private static final Pattern URL = Pattern.compile("(?i)^[a-z][a-z0-9+.-]*:/.*");
    private static final Pattern RELATIVE_FILE = Pattern.compile("^[\\w.-]+(/[\\w.-]+)*\\.[A-Za-z0-9]{1,6}$");

    private ConfigReport() {}

    /** One property: name, value as shown (masked), and its source in words. */
    public record Line(String name, String value, String source) {}

    /** What the report shows for each property, sorted by name. */
    public static List<Line> lines(BootConfig config, EmbeddedDefaults.Plan plan) {
        KnownProperties known = KnownProperties.get();
        TreeSet<String> names = new TreeSet<>(config.configuredNames());
        names.addAll(KnownProperties.OTHER_NAMES);
        known.all().values().stream().filter(k -> !k.isPattern()).forEach(k -> names.add(k.name()));
        Map<String, String> embedded = plan.properties();
        List<Line> lines = new ArrayList<>();
        for (String name : names) {
            Optional<String> value = config.value(name);
            String source;
            String shown;
            if (value.isPresent() && !embedded.containsKey(name)) {
                shown = value.get();
                source = config.source(name).orElse("?");
            } else if (embedded.containsKey(name)) {
                shown = embedded.get(name);
                source = EMBEDDED;
            } else {
                Optional<KnownProperties.Known> k = Optional.ofNullable(known.all().get(name));
                Optional<String> d = k.flatMap(KnownProperties.Known::defaultValue);
                shown = d.orElse(NOT_SET);
                source = d.isPresent() ? "default (" + k.get().owner().orElse("boot code") + ")" : "-";
            }
            lines.add(new Line(name, shown.equals(NOT_SET) ? shown : mask(name, shown), source));
        }
        return lines;
    }

    /**
     * Masks a secret: a name whose last part mentions a password always, one that mentions a secret or ends in
     * "key" unless its value is a path or a URL (a key file's location is not the key).
     */
    public static String mask(String name, String value) {
        String last = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        if (last.contains("password")) return MASK;
        if (last.contains("secret") || last.endsWith("key")) return isPathOrUrl(value) ? value : MASK;
        return value;
    }

    static boolean isPathOrUrl(String value) {
        String v = value.trim();
        return URL.matcher(v).matches() || v.startsWith("/") || v.startsWith("./") || v.startsWith("../")
                || v.startsWith("~/") || v.startsWith("classpath:") || RELATIVE_FILE.matcher(v).matches();
    }

    /** Prints the report; returns the exit code (1: {@code run} would refuse to start). */
    public static int print(BootConfig config, PrintStream out) {
        EmbeddedDefaults.Plan plan = EmbeddedDefaults.plan(config);
        out.println("microsettle configuration: profile " + config.profile() + ", working directory " + config.workDir());
        out.println("sources, highest precedence first:");
        config.sources().forEach(s -> out.printf("  %4d  %s%n", s.ordinal(), s.description()));
        out.println("chain: " + chainSummary(config));
        out.println();
        List<Line> lines = lines(config, plan);
        int nameWidth = lines.stream().mapToInt(l -> l.name().length()).max().orElse(10);
        int valueWidth = Math.min(60, lines.stream().mapToInt(l -> l.value().length()).max().orElse(10));
        out.printf("%-" + nameWidth + "s  %-" + valueWidth + "s  %s%n", "PROPERTY", "VALUE", "SOURCE");
        for (Line l : lines) {
            out.printf("%-" + nameWidth + "s  %-" + valueWidth + "s  %s%n", l.name(), l.value(), l.source());
        }
        List<String> problems = StartChecks.all(config);
        out.println();
        if (problems.isEmpty()) {
            out.println("run would start with this configuration.");
            return 0;
        }
        out.println("run would refuse to start:");
        problems.forEach(p -> out.println("  - " + p));
        return 1;
    }

    static String chainSummary(BootConfig config) {
        Optional<String> rpc = config.value(StartChecks.RPC_URL);
        String chainId = config.valueOrDefault(StartChecks.CHAIN_ID).orElse("?");
        if (rpc.isEmpty()) {
            return "the service's own " + config.valueOrDefault("microsettle.chain.dev.kind").orElse("?") + " dev chain (chain id "
                    + chainId + ")";
        }
        return "the node at " + rpc.get() + ", chain id " + chainId
                + (StartChecks.localDevChain(config::value) ? " (a local dev node the service deploys to)" : " (not a local dev chain)");
    }
}
