package io.microsettle;

import io.microsettle.account.DevVerifier;
import io.microsettle.account.VerificationLevel;
import io.microsettle.chain.ChainClient;
import io.microsettle.infra.CommandLines;
import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import io.microsettle.security.Roles;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import org.eclipse.microprofile.config.ConfigProvider;
import org.web3j.crypto.Keys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Command line (picocli; every subcommand has {@code --help}).
 * <ul>
 *   <li>{@code run [--fresh] [-Dname=value ...]} (default) starts the service with the embedded defaults;</li>
 *   <li>{@code token --sub NAME --role ROLE [--ttl-seconds N]} mints a bearer token with the dev
 *       key under {@code ./data/keys};</li>
 *   <li>{@code verification-token --sub EXTERNAL_REF --wallet 0x… [--level BASIC|FULL] [--ttl-seconds N]}
 *       mints a verification token with the dev verifier key under {@code ./data/keys}.</li>
 *   <li>{@code config [--profile NAME]} prints the configuration in effect, each value's source, and what
 *       {@code run} would refuse ({@link ConfigReport}).</li>
 *   <li>{@code verify --rpc URL (--export FILE | --proof FILE) [--json]} checks an export or a proof bundle against the chain alone
 *       ({@link io.microsettle.verify.VerifyCommand}).</li>
 *   <li>{@code help [COMMAND]} the usage of every subcommand, or of one.</li>
 * </ul>
 * {@code run} reads the configuration from every source before Quarkus boots ({@link BootConfig}) and refuses to
 * start ({@link StartChecks}) with unknown settings, or with dev keys on a chain that is not a local dev chain.
 * The other subcommands do not boot Quarkus. Bad arguments exit with 2 and the usage on stderr.
 */
@QuarkusMain
public class Main {
    static final long DEMO_TOKEN_TTL_SECONDS = 24 * 3600;
    private static volatile EmbeddedDefaults.Started started;

    public static void main(String... args) {
        // no subcommand (or only options) means run, as before picocli: `microsettle --fresh` is `microsettle run --fresh`
        boolean topLevelHelp = args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"));
        String[] argv = args.length == 0 || (args[0].startsWith("-") && !topLevelHelp) ? prepend("run", args) : args;
        CommandLine cli = commandLine();
        int rc = cli.execute(argv);
        CommandLine.ParseResult parsed = cli.getParseResult();
        boolean serviceRan = rc == 0 && parsed != null && parsed.subcommand() != null
                && parsed.subcommand().commandSpec().userObject() instanceof RunCommand && !parsed.subcommand().isUsageHelpRequested();
        if (!serviceRan) System.exit(rc);  // run: Quarkus owns the exit of the service
    }

    /** The command line with every subcommand. */
    public static CommandLine commandLine() {
        return new CommandLine(new Cli());
    }

    private static String[] prepend(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @Command(name = "microsettle", synopsisSubcommandLabel = "[COMMAND]",
            description = "The microsettle settlement service and its tools. Without a command: run.",
            subcommands = {RunCommand.class, ConfigCommand.class, TokenCommand.class, VerificationTokenCommand.class,
                    io.microsettle.verify.VerifyCommand.class, CommandLine.HelpCommand.class})
    static final class Cli implements Runnable {
        @Mixin
        CommandLines.HelpOption help;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "run", description = "Starts the service (embedded PostgreSQL under ./data and a local dev chain by default).")
    static final class RunCommand implements Callable<Integer> {
        @Mixin
        CommandLines.HelpOption help;
        @Option(names = "--fresh", description = "Starts from empty embedded data (database, dev chain).")
        boolean fresh;
        @Option(names = "-D", paramLabel = "name=value", mapFallbackValue = "",
                description = "Sets a configuration property (as java -Dname=value does), e.g. -Dquarkus.config.locations=FILE.")
        Map<String, String> properties = new LinkedHashMap<>();
        @Unmatched
        List<String> quarkusArgs = new ArrayList<>();

        @Override
        public Integer call() {
            properties.forEach(System::setProperty);
            return Main.run(fresh, quarkusArgs);
        }
    }

    @Command(name = "config", description = "Prints every setting in effect, its source, and what run would refuse.")
    static final class ConfigCommand implements Callable<Integer> {
        @Mixin
        CommandLines.HelpOption help;
        @Option(names = "--profile", paramLabel = "NAME", description = "The configuration profile (default: prod).")
        String profile;
        @Option(names = "-D", paramLabel = "name=value", mapFallbackValue = "", description = "Sets a configuration property.")
        Map<String, String> properties = new LinkedHashMap<>();

        @Override
        public Integer call() {
            properties.forEach(System::setProperty);
            return ConfigReport.print(BootConfig.load(Optional.ofNullable(profile)), System.out);
        }
    }

    @Command(name = "token", description = "Mints a bearer token with the dev key under ./data/keys.")
    static final class TokenCommand implements Callable<Integer> {
        @Mixin
        CommandLines.HelpOption help;
        @Spec
        CommandSpec spec;
        @Option(names = "--sub", paramLabel = "NAME", description = "The token's subject (integrator, auditor, ... name).")
        String sub;
        @Option(names = "--role", paramLabel = "ROLE", description = "integrator, auditor, operator or admin.")
        String role;
        @Option(names = "--ttl-seconds", paramLabel = "N", description = "Lifetime in seconds (default: ${DEFAULT-VALUE}).")
        String ttlSeconds = "3600";

        @Override
        public Integer call() {
            try {
                if (sub == null || role == null || !Roles.ALL.contains(role)) {
                    throw new IllegalArgumentException("token needs --sub NAME and --role integrator|auditor|operator|admin");
                }
                long ttl = seconds(ttlSeconds);
                Path keys = EmbeddedDefaults.dataDir().resolve("keys");
                DevKeys.ensure(keys);
                System.out.println(JwtMinter.mint(DevKeys.privateKey(keys), DevKeys.DEV_ISSUER, sub, List.of(role), ttl));
                return 0;
            } catch (IllegalArgumentException e) {
                return CommandLines.usageError(spec, e.getMessage());
            }
        }
    }

    @Command(name = "verification-token", description = "Mints a verification token with the dev verifier key under ./data/keys.")
    static final class VerificationTokenCommand implements Callable<Integer> {
        @Mixin
        CommandLines.HelpOption help;
        @Spec
        CommandSpec spec;
        @Option(names = "--sub", paramLabel = "EXTERNAL_REF", description = "The account's external reference.")
        String sub;
        @Option(names = "--wallet", paramLabel = "0xADDRESS", description = "The verified wallet.")
        String wallet;
        @Option(names = "--level", paramLabel = "BASIC|FULL", description = "Verification level (default: ${DEFAULT-VALUE}).")
        String level = "FULL";
        @Option(names = "--ttl-seconds", paramLabel = "N", description = "Lifetime in seconds (default: ${DEFAULT-VALUE}).")
        String ttlSeconds = "3600";

        @Override
        public Integer call() {
            try {
                VerificationLevel lvl;
                try {
                    lvl = VerificationLevel.valueOf(level);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--level must be BASIC or FULL");
                }
                long ttl = seconds(ttlSeconds);
                Path keys = EmbeddedDefaults.dataDir().resolve("keys");
                System.out.println(DevVerifier.mint(keys, sub, wallet, lvl, ttl));
                return 0;
            } catch (IllegalArgumentException e) {
                return CommandLines.usageError(spec, e.getMessage());
            }
        }
    }

    static int run(boolean fresh, List<String> quarkusArgs) {
        BootConfig config = BootConfig.load(Optional.empty());
        List<String> problems = StartChecks.all(config);
        if (!problems.isEmpty()) {
            // before anything is embedded or generated, and before the service says it is running
            System.err.println(refusal(problems));
            return REFUSED;
        }
        started = EmbeddedDefaults.start(fresh, EmbeddedDefaults.plan(config));
        Quarkus.run(App.class, quarkusArgs.toArray(String[]::new));
        return 0;
    }

    /** Exit code of a start refused for its configuration. */
    static final int REFUSED = 3;

    static String refusal(List<String> problems) {
        StringBuilder sb = new StringBuilder("microsettle: refusing to start; fix these settings (`microsettle config` shows"
                + " every setting and its source; the README's Production section says how to set each):");
        problems.forEach(p -> sb.append("\n  - ").append(p));
        return sb.toString();
    }

    /** {@code token ...} without booting anything; returns the exit code. */
    static int token(String[] args) {
        return new CommandLine(new TokenCommand()).execute(args);
    }

    /** {@code verification-token ...} without booting anything; returns the exit code. */
    static int verificationToken(String[] args) {
        return new CommandLine(new VerificationTokenCommand()).execute(args);
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
