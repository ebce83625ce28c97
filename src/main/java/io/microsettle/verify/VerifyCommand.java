package io.microsettle.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.microsettle.infra.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code microsettle verify --rpc URL (--proof FILE | --export FILE) [--json]}: checks a proof bundle, a consistency
 * proof or a settlement export against the chain alone, with no
 * database and no running service (see {@link ChainVerifier}). Exit code 0 only when everything matches; 1 when
 * something does not (each mismatch named); 2 for bad arguments; 3 when the file or the chain cannot be read.
 */
@Command(name = "verify", sortOptions = false,
        description = {"Checks a proof bundle, a consistency proof or a settlement export against the chain alone.",
                "",
                "A proof bundle (GET /v1/audit/cashouts/{id}/proof): re-hashes its audit events,"
                + " checks their RFC 9162 inclusion proofs against the root the escrow's AuditAnchored log holds, and the payout against"
                + " the PayoutSettled log at its block hash and log index (payee, amounts, escrow, chain id, receipt status)."
                + " A consistency proof between two anchored heads is checked against both roots as the chain has them.",
                "Needs no database and no running service. Exit code 0 only when everything matches, 1 when anything does not"
                        + " (each mismatch named), 2 for bad arguments, 3 when the file or the RPC node cannot be read."},
        footer = {"", "An export (--export FILE) carries no audit events: its rows are checked against the chain's PayoutSettled logs"
                + " (payee, net, fee, payout and batch ids, tx, block hash, log index) and its anchors against the escrow's AuditAnchored logs."})
public final class VerifyCommand implements Callable<Integer> {
    public static final int MISMATCH = 1;
    public static final int UNREADABLE = 3;

    @Mixin
    CommandLines.HelpOption help;
    @Spec
    CommandSpec spec;

    @Option(names = "--rpc", required = true, paramLabel = "URL", description = "An RPC node of the escrow's chain (any node: only the chain is trusted).")
    String rpc;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--proof", required = true, paramLabel = "FILE", description = "A proof bundle (GET /v1/audit/cashouts/{id}/proof),"
                + " or a consistency proof between two anchored heads (GET /v1/audit/anchors/consistency), as JSON.")
        Path proof;

        @Option(names = "--export", required = true, paramLabel = "FILE", description = "A settlement export (GET /v1/audit/export),"
                + " CSV or JSON: every row's payout is checked against the chain, and the anchors that cover the period.")
        Path export;
    }

    @Option(names = "--escrow", paramLabel = "0xADDRESS",
            description = "The escrow the operator published; without it the file's escrow is read (and said so in the report).")
    String escrow;

    @Option(names = "--chain-id", paramLabel = "ID", description = "The chain the escrow is on; the RPC node must serve it.")
    Long chainId;

    @Option(names = "--max-block-range", paramLabel = "BLOCKS", defaultValue = "2000",
            description = "The most blocks one eth_getLogs call spans (default: ${DEFAULT-VALUE}).")
    long maxBlockRange;

    @Option(names = "--json", description = "Prints the report as JSON (on stdout) instead of the summary.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxBlockRange < 1 || maxBlockRange > 1_000_000) {
            return CommandLines.usageError(spec, "--max-block-range takes 1..1000000 blocks");
        }
        if (escrow != null && !ChainVerifier.isAddress(escrow)) return CommandLines.usageError(spec, "--escrow takes a 0x address");
        Claims claims;
        Path file = input.proof != null ? input.proof : input.export;
        try {
            claims = input.proof != null ? ProofBundleFile.read(file) : ExportFile.read(file);
        } catch (NoSuchFileException e) {
            err.println("verify: no such file: " + file);
            err.flush();
            return UNREADABLE;
        } catch (IOException e) {
            err.println("verify: cannot read " + file + ": " + e.getMessage());
            err.flush();
            return UNREADABLE;
        } catch (ProofBundleFile.Malformed e) {
            ChainVerifier.Report r = new ChainVerifier.Report(false, input.proof != null ? "proof bundle" : "export", String.valueOf(file),
                    rpc, 0, escrow, escrow != null, 0, null, java.util.List.of(new Mismatch("malformed", String.valueOf(file), e.getMessage())));
            print(r, out);
            return MISMATCH;
        }
        ChainVerifier.Report report;
        try (RpcChain chain = new RpcChain(rpc)) {
            report = new ChainVerifier(chain, new ChainVerifier.Options(escrow, chainId, maxBlockRange), new Progress(err, quiet))
                    .verify(claims, rpc);
        } catch (RpcChain.Unreachable e) {
            err.println("verify: " + e.getMessage());
            err.flush();
            return UNREADABLE;
        }
        print(report, out);
        return report.ok() ? 0 : MISMATCH;
    }

    void print(ChainVerifier.Report r, PrintWriter out) {
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.print(summary(r));
        }
        out.flush();
    }

    /** The human summary: what was checked, against what, and every mismatch. */
    static String summary(ChainVerifier.Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append("microsettle verify: ").append(r.kind()).append(" of ").append(r.subject()).append('\n');
        if (r.counts() != null) {
            ChainVerifier.Counts c = r.counts();
            sb.append("  chain    : id ").append(r.chainId()).append(" at ").append(r.rpc()).append(", head block ").append(r.headBlock()).append('\n');
            sb.append("  escrow   : ").append(r.escrow()).append(r.escrowPinned() ? " (pinned with --escrow)"
                    : " (as the file names it: pin it with --escrow)").append('\n');
            sb.append("  anchors  : ").append(c.anchorsOnChain()).append(" of ").append(c.anchors()).append(" found on chain\n");
            sb.append("  events   : ").append(c.events()).append(" re-hashed, ").append(c.eventsIncluded())
                    .append(" proven included in an anchored head\n");
            if (c.consistencyProofs() > 0) sb.append("  consistency proofs: ").append(c.consistencyProofs()).append('\n');
            sb.append("  payouts  : ").append(c.payoutsMatched()).append(" of ").append(c.payouts()).append(" match the chain");
            if (c.minConfirmations() != null) sb.append(" (the shallowest ").append(c.minConfirmations()).append(" blocks deep)");
            sb.append('\n');
            sb.append("  reads    : ").append(c.logRanges()).append(" eth_getLogs range(s), ").append(c.rpcCalls()).append(" RPC call(s)\n");
        }
        if (r.ok()) {
            sb.append("  result   : OK, everything matches the chain\n");
        } else {
            sb.append("  result   : FAILED, ").append(r.mismatches().size()).append(" mismatch(es):\n");
            r.mismatches().forEach(m -> sb.append("    - ").append(m).append('\n'));
        }
        return sb.toString();
    }

    /** Runs the command as the CLI does (for tests and embedding): the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new VerifyCommand());
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}
