package io.microsettle.chain;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.Web3jService;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * The gas a call uses on the node's latest state, for a transaction's gas limit. {@code eth_simulateV1} runs the call
 * once; {@code eth_estimateGas} searches for the least gas limit that succeeds and runs it many times: for a settleBatch
 * of 500 payouts on Anvil 1.7.1, 53.5 ms of the node's CPU against 9.5 ms ({@code CallGasAnvilTest} compares the two).
 * A node that has no {@code eth_simulateV1} (Ganache 7; geth before 1.14.9) is asked {@code eth_estimateGas} from its
 * first "method not found" on; any other error of the simulation (a provider that turned it off) is answered by an
 * estimate for that call.
 */
public final class CallGas {
    private static final Logger LOG = Logger.getLogger(CallGas.class);
    /** JSON-RPC's "method not found", and the "method not supported" some nodes answer instead. */
    private static final List<Integer> NO_SUCH_METHOD = List.of(-32601, -32004);
    private static final Pattern NO_SUCH_METHOD_MESSAGE = Pattern.compile(
            "(?i)(method .*(not (found|supported|available)|does not exist))|(unsupported method)|(unknown method)");

    /** What the node said of the call. */
    public sealed interface Outcome permits Used, Reverted {}

    /** It succeeds with a limit of {@code gas}: checked by a run at that limit, or the node's estimate (the least that succeeds). */
    public record Used(long gas, String method) implements Outcome {}

    /** It reverts (or the node refused it), for {@code reason}. */
    public record Reverted(String reason) implements Outcome {}

    /** The {@code eth_simulateV1} answer: one block per state block asked, each with its calls. */
    public static final class Simulated extends Response<JsonNode> {}

    private final Web3j web3j;
    private final Web3jService rpc;
    private final AtomicBoolean simulateUnsupported = new AtomicBoolean();

    public CallGas(Web3j web3j, Web3jService rpc) {
        this.web3j = web3j;
        this.rpc = rpc;
    }

    /** The gas of {@code data} sent by {@code from} to {@code to}; IOException when the node did not answer. */
    public Outcome measure(String from, String to, String data) throws IOException {
        if (!simulateUnsupported.get()) {
            Simulated s = new Request<>("eth_simulateV1", List.of(Map.of("blockStateCalls",
                    List.of(Map.of("calls", List.of(Map.of("from", from, "to", to, "data", data))))), "latest"), rpc, Simulated.class).send();
            if (s.hasError() && noSuchMethod(s.getError())) {
                simulateUnsupported.set(true);
                LOG.infof("the node has no eth_simulateV1 (%s): gas limits come from eth_estimateGas", s.getError().getMessage());
            } else if (!s.hasError()) {
                Outcome simulated = simulated(s.getResult());
                if (!(simulated instanceof Used u)) return simulated;
                // A receipt's count leaves out the refund and the 1/64 each call keeps back: the limit that covers them
                // is checked with one more run, at that limit. Should that run out of gas, the estimate searches for it.
                long limit = optimisticLimit(u.gas());
                Transaction atLimit = new Transaction(from, null, null, BigInteger.valueOf(limit), to, null, data);
                if (!web3j.ethCall(atLimit, DefaultBlockParameterName.LATEST).send().hasError()) return new Used(limit, "eth_simulateV1");
            }
        }
        EthEstimateGas est = web3j.ethEstimateGas(Transaction.createEthCallTransaction(from, to, data)).send();
        if (est.hasError()) return new Reverted("eth_estimateGas: " + est.getError().getMessage());
        return new Used(est.getAmountUsed().longValueExact(), "eth_estimateGas");
    }

    /** Whether calls are simulated (false once the node said it has no eth_simulateV1). */
    public boolean simulates() {
        return !simulateUnsupported.get();
    }

    /** The stipend a value transfer grants its callee, which the caller need not hold (Anvil's estimate adds it too). */
    static final long CALL_STIPEND = 2_300;

    /** The limit that covers a call that used {@code gasUsed}: with the stipend, and the 1/64 a call keeps back. */
    static long optimisticLimit(long gasUsed) {
        return Math.addExact(gasUsed, CALL_STIPEND) * 64 / 63;
    }

    /** The first call's outcome in an {@code eth_simulateV1} answer (its gas as a receipt counts it). */
    static Outcome simulated(JsonNode blocks) {
        JsonNode call = blocks == null ? null : blocks.path(0).path("calls").path(0);
        if (call == null || call.isMissingNode() || !call.hasNonNull("gasUsed")) {
            return new Reverted("eth_simulateV1 answered no call: " + blocks);
        }
        if (!"0x1".equals(call.path("status").asText())) {
            return new Reverted("eth_simulateV1: " + call.path("error").path("message").asText("reverted"));
        }
        return new Used(Numeric.decodeQuantity(call.get("gasUsed").asText()).longValueExact(), "eth_simulateV1");
    }

    static boolean noSuchMethod(Response.Error e) {
        return NO_SUCH_METHOD.contains(e.getCode()) || (e.getMessage() != null && NO_SUCH_METHOD_MESSAGE.matcher(e.getMessage()).find());
    }
}
