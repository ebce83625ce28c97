package io.microsettle.settlement;

import io.microsettle.infra.DaemonPools;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * One lane pass's records of accepted broadcasts still running on the record workers: the pass goes on claiming,
 * signing and sending while its earlier sends are recorded, and waits for them before it reads what is broadcast
 * (receipts) or ends. Used by the lane's own thread only. A transaction being recorded is not sent again, and a
 * record never runs beside another of the same nonce (two at one nonce would each close the other).
 */
final class RecordsInFlight {
    /** At most this many records started and not yet waited for: past it, the pass waits for those first. */
    static final int MAX_IN_FLIGHT = 4 * SettlementService.MAX_BROADCASTS_PER_PASS;

    private final List<Future<Boolean>> running = new ArrayList<>();
    /** Transaction id → nonce of every record started and not yet waited for. */
    private final Map<Long, Long> nonceByTxId = new HashMap<>();

    /** Whether a record of this stored transaction is running (it was accepted: not to be sent again meanwhile). */
    boolean recording(long txId) {
        return nonceByTxId.containsKey(txId);
    }

    /** Whether a record may start beside those running: none of theirs has one of these nonces, and there is room. */
    boolean canStartBeside(List<Long> nonces) {
        return nonceByTxId.size() + nonces.size() <= MAX_IN_FLIGHT && nonces.stream().noneMatch(nonceByTxId::containsValue);
    }

    /** Keeps the started records of these transactions (id → nonce) until {@link #awaitAll}. */
    void started(Map<Long, Long> txNonces, List<Future<Boolean>> futures) {
        assert txNonces.size() == futures.size() : "one record per transaction";
        nonceByTxId.putAll(txNonces);
        running.addAll(futures);
    }

    /** Waits for every record started; their failures were logged by the records themselves. Returns how many waited. */
    int awaitAll() {
        int n = running.size();
        try {
            for (Future<Boolean> f : running) DaemonPools.await(f, SettlementWorkers.WAITER);
        } finally {
            running.clear();
            nonceByTxId.clear();
        }
        return n;
    }
}
