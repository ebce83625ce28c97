package io.microsettle.verify;

import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the verify command reads from an RPC node, and nothing else: the chain id, the head block, logs by block
 * range (eth_getLogs, by topic, from any address so that a log of another contract is named as such), one receipt per
 * transaction, and two views of the escrow (eth_call). Every answer is the node's; nothing is cached across runs.
 */
public final class RpcChain implements AutoCloseable {
    /** The chain could not be read: nothing can be concluded. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Web3j web3j;
    private final HttpService http;
    private long calls;

    public RpcChain(String rpcUrl) {
        this.http = new HttpService(rpcUrl);
        this.web3j = Web3j.build(http);
    }

    /** RPC calls made so far. */
    public long calls() {
        return calls;
    }

    public long chainId() {
        return read("eth_chainId", () -> web3j.ethChainId().send()).getChainId().longValueExact();
    }

    public long headBlock() {
        return read("eth_blockNumber", () -> web3j.ethBlockNumber().send()).getBlockNumber().longValueExact();
    }

    public boolean hasCode(String address) {
        String code = read("eth_getCode", () -> web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send()).getCode();
        return code != null && !Numeric.cleanHexPrefix(code).isEmpty();
    }

    /** Logs whose first topic is {@code topic0} (and second {@code topic1}, when not null) in blocks from..to, from any address. */
    public List<Log> logs(String topic0, List<String> topic1, long fromBlock, long toBlock) {
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("fromBlock", Numeric.encodeQuantity(BigInteger.valueOf(fromBlock)));
        filter.put("toBlock", Numeric.encodeQuantity(BigInteger.valueOf(toBlock)));
        List<Object> topics = new ArrayList<>();
        topics.add(topic0);
        if (topic1 != null && !topic1.isEmpty()) topics.add(topic1);
        filter.put("topics", topics);
        EthLog answer = read("eth_getLogs", () -> new Request<>("eth_getLogs", List.of(filter), http, EthLog.class).send());
        List<Log> out = new ArrayList<>();
        for (EthLog.LogResult<?> r : answer.getLogs()) {
            if (r.get() instanceof Log l) out.add(l);
        }
        return out;
    }

    /** The hash of block {@code number} as the chain has it now; empty past the head. */
    public Optional<String> blockHash(long number) {
        var b = read("eth_getBlockByNumber", () -> web3j.ethGetBlockByNumber(
                org.web3j.protocol.core.DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false).send()).getBlock();
        return Optional.ofNullable(b).map(x -> x.getHash());
    }

    public Optional<TransactionReceipt> receipt(String txHash) {
        return read("eth_getTransactionReceipt", () -> web3j.ethGetTransactionReceipt(txHash).send()).getTransactionReceipt();
    }

    /** The escrow's {@code lastAnchoredSeq()}, empty when the call fails (not an escrow). */
    public Optional<Long> lastAnchoredSeq(String escrow) {
        return call(escrow, new Function("lastAnchoredSeq", List.of(), List.of(new TypeReference<Uint256>() {})))
                .map(v -> ((BigInteger) v).longValueExact());
    }

    /** The escrow's {@code token()}, empty when the call fails (not an escrow). */
    public Optional<String> token(String escrow) {
        return call(escrow, new Function("token", List.of(), List.of(new TypeReference<Address>() {}))).map(Object::toString);
    }

    private Optional<Object> call(String to, Function f) {
        String data = FunctionEncoder.encode(f);
        var answer = read("eth_call", true, () -> web3j.ethCall(Transaction.createEthCallTransaction(null, to, data),
                DefaultBlockParameterName.LATEST).send());
        if (answer.hasError() || answer.isReverted() || answer.getValue() == null || Numeric.cleanHexPrefix(answer.getValue()).isEmpty()) return Optional.empty();
        List<Type> decoded = FunctionReturnDecoder.decode(answer.getValue(), f.getOutputParameters());
        return decoded.isEmpty() ? Optional.empty() : Optional.of(decoded.getFirst().getValue());
    }

    interface Call<T extends Response<?>> {
        T send() throws IOException;
    }

    private <T extends Response<?>> T read(String method, Call<T> call) {
        return read(method, false, call);
    }

    /** The node's answer; an error answer is returned as is only when {@code errorIsAnAnswer} (a reverted eth_call). */
    private <T extends Response<?>> T read(String method, boolean errorIsAnAnswer, Call<T> call) {
        calls++;
        try {
            T r = call.send();
            if (r.hasError() && !errorIsAnAnswer) throw new Unreachable(method + " failed: " + r.getError().getMessage(), null);
            return r;
        } catch (IOException e) {
            throw new Unreachable("cannot reach the RPC node (" + method + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
