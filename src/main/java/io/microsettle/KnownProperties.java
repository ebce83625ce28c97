package io.microsettle;

import io.microsettle.account.AccountConfig;
import io.microsettle.audit.AuditConfig;
import io.microsettle.cashout.CashoutConfig;
import io.microsettle.chain.ChainConfig;
import io.microsettle.ledger.FundingConfig;
import io.microsettle.ledger.LedgerConfig;
import io.microsettle.ops.OpsConfig;
import io.microsettle.pricing.PricingConfig;
import io.microsettle.reconcile.ReconcileConfig;
import io.microsettle.risk.RiskConfig;
import io.microsettle.security.SecurityConfig;
import io.microsettle.settlement.SettlementConfig;
import io.microsettle.webhook.WebhookConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code microsettle.*} properties the service reads: every {@code @ConfigMapping} of the features (their
 * names and {@code @WithDefault}s, from SmallRye's own reading of the interfaces) and the boot code's own.
 * A map-valued setting ({@code microsettle.funding.funders.<integrator>}) is a name with {@code *} for the key,
 * which matches any key (dots included). Plain Java: used before Quarkus boots.
 */
public final class KnownProperties {
    /** Every feature's typed configuration (KnownPropertiesTest checks that none is missing). */
    public static final List<Class<?>> MAPPINGS = List.of(AccountConfig.class, AuditConfig.class, CashoutConfig.class,
            ChainConfig.class, FundingConfig.class, LedgerConfig.class, OpsConfig.class, PricingConfig.class, ReconcileConfig.class,
            RiskConfig.class, SecurityConfig.class, SettlementConfig.class, WebhookConfig.class);
    public static final String DATA_DIR = "microsettle.data-dir";
    /** Settings of Quarkus and smallrye-jwt that the service's documentation names; shown even when unset. */
    public static final List<String> OTHER_NAMES = List.of("quarkus.datasource.jdbc.url", "quarkus.datasource.username",
            "quarkus.datasource.password", "quarkus.datasource.db-kind", "quarkus.datasource.jdbc.max-size",
            "mp.jwt.verify.publickey.location", "mp.jwt.verify.publickey", "mp.jwt.verify.issuer", "mp.jwt.verify.audiences",
            "mp.jwt.verify.publickey.algorithm", "mp.jwt.verify.token.age", "mp.jwt.verify.clock.skew",
            "smallrye.jwt.path.groups", "smallrye.jwt.jwks.refresh-interval", "smallrye.jwt.jwks.forced-refresh-interval",
            "smallrye.jwt.jwks.retain-cache-on-error-duration");
    /** Read by the boot code itself (the embedded defaults), not by a mapping. */
    public static final Map<String, String> BOOT_DEFAULTS = Map.of(DATA_DIR, "data",
            // fault tests only: crash points (infra.CrashPoints), off unless named
            "microsettle.test.crash-at", "");
    /** Settings that moved: a configuration still naming the old one is told the new name. */
    public static final Map<String, String> RENAMED = Map.of(
            "microsettle.reconcile.confirmations", ChainConfig.class.getAnnotation(ConfigMapping.class).prefix() + ".confirmations",
            "microsettle.settlement.default-funder", FundingConfig.class.getAnnotation(ConfigMapping.class).prefix() + ".default-funder");
    public static final String PREFIX = "microsettle.";
    /** Environment variables named like settings that are not settings: the launcher's JVM options. */
    public static final java.util.Set<String> NOT_SETTINGS = java.util.Set.of("MICROSETTLE_JAVA_OPTS");

    /** A known name: its default (empty: none) and the mapping it belongs to (empty: boot code). */
    public record Known(String name, Optional<String> defaultValue, Optional<String> owner) {
        public boolean isPattern() {
            return name.contains("*");
        }
    }

    private static final KnownProperties INSTANCE = new KnownProperties();

    private final Map<String, Known> byName;
    private final List<Pattern> dotted = new ArrayList<>();
    private final List<Pattern> env = new ArrayList<>();

    private KnownProperties() {
        Map<String, Known> names = new TreeMap<>();
        for (Class<?> mapping : MAPPINGS) {
            String prefix = mapping.getAnnotation(ConfigMapping.class).prefix();
            Map<String, ConfigMappingInterface.Property> props =
                    ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(mapping, prefix));
            props.forEach((name, p) -> {
                String n = name.replace("[*]", "");
                names.put(n, new Known(n, p.hasDefaultValue() ? Optional.ofNullable(p.getDefaultValue()) : Optional.empty(),
                        Optional.of(mapping.getSimpleName())));
            });
        }
        BOOT_DEFAULTS.forEach((n, d) -> names.put(n, new Known(n, Optional.of(d), Optional.empty())));
        byName = Collections.unmodifiableMap(names);
        for (String n : byName.keySet()) {
            dotted.add(Pattern.compile(dottedRegex(n)));
            env.add(Pattern.compile(envRegex(n)));
        }
    }

    public static KnownProperties get() {
        return INSTANCE;
    }

    /** Every known name, sorted (patterns included). */
    public Map<String, Known> all() {
        return byName;
    }

    /** Whether {@code name} (dotted, without a profile prefix; list indexes allowed) is read by the service. */
    public boolean isKnown(String name) {
        String n = name.replaceAll("\\[\\d+]", "");
        if (byName.containsKey(n)) return true;
        return dotted.stream().anyMatch(p -> p.matcher(n).matches());
    }

    /** The known name an environment variable sets (MICROSETTLE_CHAIN_RPC_URL: microsettle.chain.rpc-url). */
    public Optional<String> forEnvironmentName(String variable) {
        String v = envName(variable);
        int i = 0;
        for (String n : byName.keySet()) {
            if (env.get(i++).matcher(v).matches()) {
                if (!n.contains("*")) return Optional.of(n);
                // a map key: the variable's remainder, in the case SmallRye would match it with
                String prefix = n.substring(0, n.indexOf('*'));
                String rest = v.substring(envName(prefix).length()).toLowerCase(Locale.ROOT);
                String suffix = n.substring(n.indexOf('*') + 1);
                String key = suffix.isEmpty() ? rest : rest.substring(0, Math.max(0, rest.length() - envName(suffix).length()));
                return Optional.of(prefix + key + suffix);
            }
        }
        return Optional.empty();
    }

    /** The closest known name, for a hint (within a third of the name's length in edits), or the new name of a renamed one. */
    public Optional<String> nearest(String unknown) {
        if (RENAMED.containsKey(unknown)) return Optional.of(RENAMED.get(unknown));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : byName.keySet()) {
            int d = editDistance(unknown, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, unknown.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    /** A property name as an environment variable name: non-alphanumerics to '_', upper case (MicroProfile Config's rule). */
    public static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    static String dottedRegex(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("\\*", -1)) {
            if (!sb.isEmpty()) sb.append(".+");
            sb.append(Pattern.quote(part));
        }
        return sb.toString();
    }

    static String envRegex(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("\\*", -1)) {
            if (!sb.isEmpty()) sb.append("[A-Z0-9_]+");
            sb.append(Pattern.quote(envName(part)));
        }
        return sb.toString();
    }

    /** Levenshtein distance, for names (short strings) only. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
