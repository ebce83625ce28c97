package io.microsettle;

import io.smallrye.config.ConfigValue;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesLocationConfigSourceFactory;
import io.smallrye.config.RelocateConfigSourceInterceptor;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration as Quarkus will see it, read before Quarkus boots, so that what the boot code embeds (a
 * PostgreSQL, dev keys, a dev verifier) and refuses follows every source a user may configure through, and so
 * that {@code microsettle config} can say where each value comes from.
 *
 * <p>The sources and their ordinals are Quarkus's own (SmallRye Config's default sources, as Quarkus's
 * RuntimeConfigBuilder adds them): system properties (400), environment variables (300), {@code .env} in the
 * working directory (295), {@code config/application.properties} in the working directory (260), the
 * application's {@code application.properties} (250), and the files or directories named by
 * {@code quarkus.config.locations} in any of those (at the ordinal of the source that named them). Profile-specific
 * values ({@code %prod.name}) apply for the active profile: {@code prod} for {@code run}, or {@code quarkus.profile}.
 */
public final class BootConfig {
    public static final String DEFAULT_PROFILE = "prod";
    static final String LOCATIONS = "quarkus.config.locations";

    private final SmallRyeConfig config;
    private final String profile;
    private final Path workDir;
    private final Map<String, String> environment;

    private BootConfig(SmallRyeConfig config, String profile, Path workDir, Map<String, String> environment) {
        this.config = config;
        this.profile = profile;
        this.workDir = workDir;
        this.environment = environment;
    }

    /** The configuration for {@code profile}, or (empty) the one {@code quarkus.profile} names, else prod. */
    public static BootConfig load(Optional<String> profile) {
        String active = profile.orElseGet(() -> build(null).getOptionalValue("quarkus.profile", String.class).orElse(DEFAULT_PROFILE));
        return new BootConfig(build(active), active, Path.of(System.getProperty("user.dir")).toAbsolutePath(), System.getenv());
    }

    private static SmallRyeConfig build(String profile) {
        SmallRyeConfigBuilder b = new SmallRyeConfigBuilder()
                .forClassLoader(BootConfig.class.getClassLoader())
                .addDefaultSources()
                .addDefaultInterceptors()
                // quarkus.config.locations is Quarkus's name for SmallRye's own setting, as Quarkus relocates it
                .withSources(new PropertiesLocationConfigSourceFactory())
                .withInterceptors(new RelocateConfigSourceInterceptor(Map.of("smallrye.config.locations", LOCATIONS)));
        if (profile != null) b.withProfile(profile);
        return b.build();
    }

    public String profile() {
        return profile;
    }

    public Path workDir() {
        return workDir;
    }

    /** The value in effect (profile applied, expressions expanded); empty when unset or blank. */
    public Optional<String> value(String name) {
        ConfigValue v = config.getConfigValue(name);
        return v.getValue() == null || v.getValue().isBlank() ? Optional.empty() : Optional.of(v.getValue());
    }

    public boolean isSet(String name) {
        return value(name).isPresent();
    }

    /** The value in effect, else the known default (a mapping's {@code @WithDefault}). */
    public Optional<String> valueOrDefault(String name) {
        return value(name).or(() -> Optional.ofNullable(KnownProperties.get().all().get(name)).flatMap(KnownProperties.Known::defaultValue));
    }

    /** The embedded mode's data directory ({@code microsettle.data-dir}, default {@code data}), absolute. */
    public Path dataDir() {
        return workDir.resolve(valueOrDefault(KnownProperties.DATA_DIR).orElseThrow()).normalize();
    }

    /** Where the value of {@code name} in effect comes from, in words ({@code system property}, {@code .env}, ...). */
    public Optional<String> source(String name) {
        ConfigValue v = config.getConfigValue(name);
        if (v.getValue() == null) return Optional.empty();
        return Optional.of(describe(v.getConfigSourceName(), v.getConfigSourceOrdinal(), name, profile, environment, workDir));
    }

    /** A property seen in a source: its name as written there and the source, in words. */
    public record Seen(String name, String writtenAs, String source) {}

    /**
     * Every {@code microsettle.*} name found in any source (for any profile) that the service does not read,
     * with its source. Environment variables count when they start with {@code MICROSETTLE_}.
     */
    public List<Seen> unknownProperties() {
        KnownProperties known = KnownProperties.get();
        List<Seen> unknown = new ArrayList<>();
        for (Seen s : seen()) {
            if (s.name().startsWith(KnownProperties.PREFIX) && !known.isKnown(s.name())) unknown.add(s);
        }
        return unknown;
    }

    /** Every {@code microsettle.*}, {@code quarkus.datasource.*}, {@code mp.jwt.*}, {@code smallrye.jwt.*} name in the sources. */
    public Set<String> configuredNames() {
        Set<String> names = new HashSet<>();
        for (Seen s : seen()) {
            String w = s.writtenAs();
            boolean profiled = w.startsWith("%") || w.matches("^_[A-Z0-9]+_.*");
            if (!profiled || w.startsWith("%" + profile + ".") || w.startsWith("_" + profile.toUpperCase(Locale.ROOT) + "_")) {
                names.add(s.name());
            }
        }
        return names;
    }

    static final List<String> REPORTED_PREFIXES = List.of(KnownProperties.PREFIX, "quarkus.datasource.", "mp.jwt.", "smallrye.jwt.");

    private List<Seen> seen() {
        List<Seen> all = new ArrayList<>();
        KnownProperties known = KnownProperties.get();
        for (ConfigSource s : config.getConfigSources()) {
            String where = describe(s, "");
            for (String written : writtenNames(s)) {
                Optional<String> name = dottedName(written, known);
                if (name.isPresent() && REPORTED_PREFIXES.stream().anyMatch(name.get()::startsWith)) {
                    all.add(new Seen(name.get(), written, where.equals("environment") ? "environment (" + written + ")" : where));
                }
            }
        }
        return all;
    }

    /**
     * The names a source holds as written there. An environment source (the environment, {@code .env}) also
     * lists a dotted lower-case form of each variable (MICROSETTLE_A_B as microsettle.a.b): not written by anyone.
     */
    static Set<String> writtenNames(ConfigSource source) {
        Set<String> names = new HashSet<>(source.getPropertyNames());
        if (source instanceof EnvConfigSource) {
            Set<String> derived = new HashSet<>();
            for (String n : names) {
                if (!n.contains(".")) derived.add(n.toLowerCase(Locale.ROOT).replace('_', '.'));
            }
            names.removeIf(n -> n.contains(".") && derived.contains(n));
        }
        return names;
    }

    /** {@code %prod.a.b} → {@code a.b}; {@code MICROSETTLE_A_B} (or {@code _PROD_MICROSETTLE_A_B}) → the known name it sets. */
    static Optional<String> dottedName(String written, KnownProperties known) {
        String n = written;
        if (n.startsWith("%")) {
            int dot = n.indexOf('.');
            if (dot < 0) return Optional.empty();
            n = n.substring(dot + 1);
        }
        if (n.contains(".")) return Optional.of(n);
        if (!n.equals(n.toUpperCase(Locale.ROOT))) return Optional.empty();
        if (KnownProperties.NOT_SETTINGS.contains(n)) return Optional.empty();
        String env = n.replaceFirst("^_[A-Z0-9]+_(?=(MICROSETTLE|QUARKUS|MP|SMALLRYE)_)", "");
        if (env.startsWith("MICROSETTLE_")) {
            return Optional.of(known.forEnvironmentName(env).orElse(env.toLowerCase(Locale.ROOT).replace('_', '.')));
        }
        for (String extra : KnownProperties.OTHER_NAMES) {
            if (KnownProperties.envName(extra).equals(env)) return Optional.of(extra);
        }
        if (env.startsWith("QUARKUS_DATASOURCE_") || env.startsWith("MP_JWT_") || env.startsWith("SMALLRYE_JWT_")) {
            return Optional.of(env.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        return Optional.empty();
    }

    private String describe(ConfigSource source, String property) {
        return describe(source.getName(), source.getOrdinal(), property, profile, environment, workDir);
    }

    /**
     * A source in words: {@code system property}, {@code environment (MICROSETTLE_CHAIN_RPC_URL)}, {@code .env},
     * {@code config/application.properties}, {@code application.properties (built in)}, or the file's URL.
     */
    static String describe(String sourceName, int ordinal, String property, String profile, Map<String, String> environment,
                           Path workDir) {
        if (sourceName == null || sourceName.equals("DefaultValuesConfigSource")) return "default";
        if (sourceName.equals("SysPropConfigSource")) return "system property";
        if (sourceName.equals("EnvConfigSource")) {
            return property.isEmpty() ? "environment" : "environment (" + environmentVariable(property, profile, environment).orElse("?") + ")";
        }
        String url = sourceName.replaceFirst("^[A-Za-z]+\\[source=(.*)]$", "$1");
        Optional<Path> file = filePath(url);
        if (file.isPresent() && file.get().equals(workDir.resolve(".env"))) return ".env";
        if (file.isPresent() && file.get().equals(workDir.resolve("config").resolve("application.properties"))) {
            return "config/application.properties";
        }
        // the application's own file, on the class path (Quarkus gives it ordinal 250)
        if (ordinal == BUILT_IN_ORDINAL && url.endsWith("/application.properties")) return "application.properties (built in)";
        return file.map(f -> "file:" + f).orElse(url);
    }

    static final int BUILT_IN_ORDINAL = 250;

    private static Optional<Path> filePath(String url) {
        if (!url.startsWith("file:")) return Optional.empty();
        try {
            return Optional.of(Path.of(java.net.URI.create(url)).toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The environment variable that sets {@code property} (for the profile first, as SmallRye looks it up). */
    static Optional<String> environmentVariable(String property, String profile, Map<String, String> environment) {
        String plain = KnownProperties.envName(property);
        String profiled = KnownProperties.envName("%" + profile + "." + property);
        for (String candidate : List.of(profiled, plain)) {
            for (String var : environment.keySet()) {
                if (KnownProperties.envName(var).equals(candidate)) return Optional.of(var);
            }
        }
        return Optional.empty();
    }

    /** A source: its ordinal (precedence) and what it is, in words. */
    public record Source(int ordinal, String description) {}

    /** Every source, highest ordinal (precedence) first. */
    public List<Source> sources() {
        List<Source> out = new ArrayList<>();
        for (ConfigSource s : config.getConfigSources()) {
            if (s.getName().equals("DefaultValuesConfigSource")) continue;
            out.add(new Source(s.getOrdinal(), describe(s, "")));
        }
        return out; // SmallRye keeps them highest ordinal first
    }
}
