package io.microsettle;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The picocli command line: every subcommand has --help, help lists them all, bad arguments exit with 2. */
class MainCliTest {
    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute(args);
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void helpListsEverySubcommand() {
        for (String[] args : List.of(new String[]{"help"}, new String[]{"--help"}, new String[]{"-h"})) {
            Run r = run(args);
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).contains("Usage: microsettle", "run", "config", "token", "verification-token", "verify", "help");
        }
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : List.of("run", "config", "token", "verification-token", "verify")) {
            for (String flag : List.of("--help", "-h")) {
                Run r = run(command, flag);
                assertThat(r.exitCode()).as(command + " " + flag).isZero();
                assertThat(r.out()).as(command).contains("Usage: microsettle " + command, "-h, --help");
            }
            Run viaHelp = run("help", command);
            assertThat(viaHelp.exitCode()).isZero();
            assertThat(viaHelp.out()).contains("Usage: microsettle " + command);
        }
        assertThat(run("run", "--help").out()).contains("--fresh", "-D=name=value");
        assertThat(run("config", "--help").out()).contains("--profile=NAME");
        assertThat(run("token", "--help").out()).contains("--sub=NAME", "--role=ROLE", "--ttl-seconds=N");
        assertThat(run("verification-token", "--help").out()).contains("--wallet=0xADDRESS", "--level=BASIC|FULL");
        assertThat(run("verify", "--help").out()).contains("--rpc=URL", "--proof=FILE", "--json", "--escrow=0xADDRESS");
    }

    @Test
    void badArgumentsExitWithTheUsageCode() {
        Run unknown = run("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("frobnicate");
        Run configBad = run("config", "--nope");
        assertThat(configBad.exitCode()).isEqualTo(2);
        assertThat(configBad.err()).contains("--nope", "Usage: microsettle config");
        Run tokenTwice = run("token", "--sub", "a", "--sub", "b", "--role", "admin");
        assertThat(tokenTwice.exitCode()).isEqualTo(2);
        // verify needs --rpc and exactly one input
        assertThat(run("verify", "--proof", "f.json").exitCode()).isEqualTo(2);
        assertThat(run("verify", "--rpc", "http://localhost:8545").exitCode()).isEqualTo(2);
        Run badRange = run("verify", "--rpc", "http://localhost:8545", "--proof", "f.json", "--max-block-range", "0");
        assertThat(badRange.exitCode()).isEqualTo(2);
        assertThat(badRange.err()).contains("--max-block-range");
    }
}
