package io.microsettle;

import io.microsettle.account.DevVerifier;
import io.microsettle.account.VerificationLevel;
import io.microsettle.chain.ChainClient;
import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import io.microsettle.security.Roles;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import org.eclipse.microprofile.config.ConfigProvider;
import org.web3j.crypto.Keys;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command line.
 * <ul>
 *   <li>{@code run [--fresh]} (default) starts the service with the embedded defaults;</li>
 *   <li>{@code token --sub NAME --role ROLE [--ttl-seconds N]} mints a bearer token with the dev
 *       key under {@code ./data/keys};</li>
 *   <li>{@code verification-token --sub EXTERNAL_REF --wallet 0x… [--level BASIC|FULL] [--ttl-seconds N]}
 *       mints a verification token with the dev verifier key under {@code ./data/keys}.</li>
 *   <li>{@code config [--profile NAME]} prints the configuration in effect, each value's source, and what
 *       {@code run} would refuse ({@link ConfigReport}).</li>
 * </ul>
 * {@code run} reads the configuration from every source before Quarkus boots ({@link BootConfig}) and refuses to
 * start ({@link StartChecks}) with unknown settings, or with dev keys on a chain that is not a local dev chain.
 * The other subcommands do not boot Quarkus.
 */
@QuarkusMain
public class Main {
    static final long DEMO_TOKEN_TTL_SECONDS = 24 * 3600;
    static final String USAGE = """
            usage: microsettle [run [--fresh] [-Dname=value ...]]
                   microsettle config [--profile NAME] [-Dname=value ...]
                   microsettle token --sub NAME --role integrator|auditor|operator|admin [--ttl-seconds N]
                   microsettle verification-token --sub EXTERNAL_REF --wallet 0xADDRESS [--level BASIC|FULL] [--ttl-seconds N]""";
    private static volatile EmbeddedDefaults.Started started;

    public static void main(String... args) {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "run";
        String[] rest = args.length > 0 && !args[0].startsWith("-") ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        switch (command) {
            case "token" -> System.exit(token(rest));
            case "verification-token" -> System.exit(verificationToken(rest));
            case "run" -> run(rest);
            case "config" -> System.exit(config(rest));
            case "help" -> System.out.println(USAGE);
            default -> {
                System.err.println(USAGE);
                System.exit(2);
            }
        }
    }

    static void run(String[] args) {
        boolean fresh = false;
        List<String> quarkusArgs = new ArrayList<>();
        for (String a : systemProperties(args)) {
            if (a.equals("--fresh")) fresh = true; else quarkusArgs.add(a);
        }
        BootConfig config = BootConfig.load(Optional.empty());
        List<String> problems = StartChecks.all(config);
        if (!problems.isEmpty()) {
            // before anything is embedded or generated, and before the service says it is running
            System.err.println(refusal(problems));
            System.exit(REFUSED);
        }
        started = EmbeddedDefaults.start(fresh, EmbeddedDefaults.plan(config));
        Quarkus.run(App.class, quarkusArgs.toArray(String[]::new));
    }

    /** Exit code of a start refused for its configuration. */
    static final int REFUSED = 3;

    static String refusal(List<String> problems) {
        StringBuilder sb = new StringBuilder("microsettle: refusing to start; fix these settings (`microsettle config` shows"
                + " every setting and its source; the README's Production section says how to set each):");
        problems.forEach(p -> sb.append("\n  - ").append(p));
        return sb.toString();
    }

    /** {@code config [--profile NAME]}: the configuration in effect and its sources. */
    static int config(String[] args) {
        try {
            Map<String, String> o = options(systemProperties(args).toArray(String[]::new), Set.of("--profile"));
            return ConfigReport.print(BootConfig.load(Optional.ofNullable(o.get("--profile"))), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
    }

    /**
     * Sets {@code -Dname=value} arguments as system properties (so {@code microsettle run -Dquarkus.config.locations=f}
     * works as {@code java -D...} does); returns the other arguments.
     */
    static List<String> systemProperties(String[] args) {
        List<String> rest = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("-D") && a.length() > 2) {
                int eq = a.indexOf('=');
                System.setProperty(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "" : a.substring(eq + 1));
            } else {
                rest.add(a);
            }
        }
        return rest;
    }

    static int token(String[] args) {
        try {
            Map<String, String> o = options(args, Set.of("--sub", "--role", "--ttl-seconds"));
            String sub = o.get("--sub");
            String role = o.get("--role");
            if (sub == null || role == null || !Roles.ALL.contains(role)) {
                throw new IllegalArgumentException("token needs --sub NAME and --role integrator|auditor|operator|admin");
            }
            long ttlSeconds = seconds(o.getOrDefault("--ttl-seconds", "3600"));
            Path keys = EmbeddedDefaults.dataDir().resolve("keys");
            DevKeys.ensure(keys);
            System.out.println(JwtMinter.mint(DevKeys.privateKey(keys), DevKeys.DEV_ISSUER, sub, List.of(role), ttlSeconds));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
    }

    static int verificationToken(String[] args) {
        try {
            Map<String, String> o = options(args, Set.of("--sub", "--wallet", "--level", "--ttl-seconds"));
            VerificationLevel level;
            try {
                level = VerificationLevel.valueOf(o.getOrDefault("--level", "FULL"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--level must be BASIC or FULL");
            }
            long ttlSeconds = seconds(o.getOrDefault("--ttl-seconds", "3600"));
            Path keys = EmbeddedDefaults.dataDir().resolve("keys");
            System.out.println(DevVerifier.mint(keys, o.get("--sub"), o.get("--wallet"), level, ttlSeconds));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
    }

    /** {@code --name value} pairs; unknown names, missing values and repeats are refused. */
    static Map<String, String> options(String[] args, Set<String> known) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!known.contains(name)) throw new IllegalArgumentException("unknown option " + name);
            if (i + 1 >= args.length) throw new IllegalArgumentException(name + " needs a value");
            if (values.put(name, args[i + 1]) != null) throw new IllegalArgumentException(name + " is given twice");
        }
        return values;
    }

    static long seconds(String value) {
        try {
            long s = Long.parseLong(value);
            if (s <= 0) throw new NumberFormatException();
            return s;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--ttl-seconds takes a positive whole number of seconds");
        }
    }

    public static class App implements QuarkusApplication {
        @Override
        public int run(String... args) {
            var config = ConfigProvider.getConfig();
            int port = config.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
            String host = config.getOptionalValue("quarkus.http.host", String.class).orElse("localhost");
            String shownHost = host.equals("0.0.0.0") ? "localhost" : host;
            // Connecting here starts (and on first run deploys to and funds) the dev chain, so a
            // chain that cannot start stops the service at once rather than at the first cash-out.
            ChainClient chain = Arc.container().instance(ChainClient.class).get();
            long chainId = chain.chainId(); // the bean is created on first use: connect before printing
            System.out.println();
            System.out.println("microsettle is running");
            System.out.println("  base URL : http://" + shownHost + ":" + port);
            System.out.println("  OpenAPI  : http://" + shownHost + ":" + port + "/q/openapi  (Swagger UI: /q/swagger-ui)");
            System.out.println("  chain    : id " + chainId
                    + chain.devChain().map(d -> ", " + d.kind().id() + " dev chain at " + d.rpcUrl()).orElse(""));
            System.out.println("  escrow   : " + chain.escrowAddress());
            System.out.println("  token    : " + chain.tokenAddress() + " (" + chain.tokenDecimals() + " decimals)");
            chain.devFunder().ifPresent(f -> System.out.println("  funder   : " + Keys.toChecksumAddress(f.getAddress())
                    + " (the demo integrator's escrow balance)"));
            Optional<Path> keys = started == null ? Optional.empty() : started.keysDir();
            keys.ifPresent(k -> System.out.println("  demo integrator token (sub \"demo\"): "
                    + JwtMinter.mint(DevKeys.privateKey(k), DevKeys.DEV_ISSUER, "demo", List.of(Roles.INTEGRATOR),
                    DEMO_TOKEN_TTL_SECONDS)));
            if (started != null) {
                System.out.println("  data     : " + started.dataDir());
            }
            System.out.println();
            Quarkus.waitForExit();
            return 0;
        }
    }
}
