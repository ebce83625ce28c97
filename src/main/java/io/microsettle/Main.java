package io.microsettle;

import io.microsettle.ops.EmbeddedDefaults;
import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import io.microsettle.security.Roles;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import org.eclipse.microprofile.config.ConfigProvider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Command line: {@code run [--fresh]} (default) starts the service with embedded defaults;
 * {@code token --sub NAME --role ROLE [--ttl-seconds N]} mints a bearer token with the dev
 * key under {@code ./data/keys} without booting Quarkus.
 */
@QuarkusMain
public class Main {
    static final long DEMO_TOKEN_TTL_SECONDS = 24 * 3600;
    private static volatile EmbeddedDefaults.Started started;

    public static void main(String... args) {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "run";
        String[] rest = args.length > 0 && !args[0].startsWith("-") ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        switch (command) {
            case "token" -> System.exit(token(rest));
            case "run" -> run(rest);
            default -> {
                System.err.println("usage: microsettle [run [--fresh]] | token --sub NAME --role ROLE [--ttl-seconds N]");
                System.exit(2);
            }
        }
    }

    static void run(String[] args) {
        boolean fresh = false;
        List<String> quarkusArgs = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--fresh")) fresh = true; else quarkusArgs.add(a);
        }
        started = EmbeddedDefaults.start(fresh);
        Quarkus.run(App.class, quarkusArgs.toArray(String[]::new));
    }

    static int token(String[] args) {
        String sub = null;
        String role = null;
        long ttlSeconds = 3600;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--sub" -> { sub = v; i++; }
                case "--role" -> { role = v; i++; }
                case "--ttl-seconds" -> {
                    try {
                        ttlSeconds = Long.parseLong(v);
                    } catch (NumberFormatException | NullPointerException e) {
                        System.err.println("--ttl-seconds takes a whole number of seconds");
                        return 2;
                    }
                    i++;
                }
                default -> {
                    System.err.println("unknown option " + a);
                    return 2;
                }
            }
        }
        if (sub == null || role == null || !Roles.ALL.contains(role)) {
            System.err.println("usage: token --sub NAME --role integrator|auditor|operator|admin [--ttl-seconds N]");
            return 2;
        }
        Path keys = EmbeddedDefaults.dataDir().resolve("keys");
        DevKeys.ensure(keys);
        try {
            System.out.println(JwtMinter.mint(DevKeys.privateKey(keys), DevKeys.DEV_ISSUER, sub, List.of(role), ttlSeconds));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
    }

    public static class App implements QuarkusApplication {
        @Override
        public int run(String... args) {
            var config = ConfigProvider.getConfig();
            int port = config.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
            String host = config.getOptionalValue("quarkus.http.host", String.class).orElse("localhost");
            String shownHost = host.equals("0.0.0.0") ? "localhost" : host;
            System.out.println();
            System.out.println("microsettle is running");
            System.out.println("  base URL : http://" + shownHost + ":" + port);
            System.out.println("  OpenAPI  : http://" + shownHost + ":" + port + "/q/openapi");
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
