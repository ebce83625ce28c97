package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ChainConfig;
import io.microsettle.chain.Eip1559GasProvider;
import io.microsettle.infra.Db;
import io.microsettle.infra.Leases;
import io.microsettle.chain.BroadcastResult;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Anchors the audit log's RFC 9162 tree head on chain with the escrow's {@code anchor(root, seq)}, signed
 * with the anchorer key, under the {@code anchorer:<chain id>} lease (one replica at a time). Each tick:
 * resolves the anchor in flight (its receipt, {@code microsettle.chain.confirmations} deep), or, when
 * {@link AnchorPolicy} says one is due, claims the next: reads the head and its root, signs outside any
 * transaction, stores the signed transaction (SENT) in a short one, broadcasts it with no transaction
 * open, and records the block and the AuditAnchored log (ANCHORED, with an {@code audit.anchored}
 * event) in another short one. A restart resumes from the stored row: the same signed transaction is
 * sent again until it is mined, or its nonce is taken by another (FAILED, audited, and the next tick
 * claims again).
 */
@ApplicationScoped
public class Anchorer {
    private static final Logger LOG = Logger.getLogger(Anchorer.class);
    public static final String ACTOR = "anchorer";
    public static final String ANCHORED_EVENT = "audit.anchored";
    public static final String FAILED_EVENT = "audit.anchor_failed";
    public static final String AUDIT_ANCHORED_TOPIC = EventEncoder.encode(io.microsettle.chain.contracts.SettlementEscrow.AUDITANCHORED_EVENT);

    @Inject
    AgroalDataSource ds;
    @Inject
    AuditConfig config;
    @Inject
    AuditTree tree;
    @Inject
    AuditLog audit;
    @Inject
    ChainClient chain;
    @Inject
    ChainConfig chainConfig;
    @Inject
    Leases leases;

    public enum Outcome { NOT_LEADER, IDLE, SENT, IN_FLIGHT, ANCHORED, FAILED }

    /** What a tick did, and the seq it concerned (0: none). */
    public record TickResult(Outcome outcome, long seq) {}

    record InFlight(long id, long seq, String root, String sender, long nonce, String txHash, String rawTx) {}

    public synchronized TickResult tick() {
        Optional<Leases.Lease> held = leases.acquire("anchorer:" + chain.chainId(), Duration.ofMillis(config.anchor().leaseMillis()));
        if (held.isEmpty()) return new TickResult(Outcome.NOT_LEADER, 0);
        Leases.Lease lease = held.get();
        Optional<InFlight> sent = inFlight();
        if (sent.isPresent()) return resolve(lease, sent.get(), null);
        long last = Db.scalar(ds, "SELECT coalesce(max(seq), 0) FROM audit_anchors WHERE state = 'ANCHORED'");
        long size = tree.size();
        if (size <= last) return new TickResult(Outcome.IDLE, 0);
        AnchorPolicy policy = new AnchorPolicy(config.anchor().everyEvents(), config.anchor().everySeconds());
        record Pending(long count, Instant oldest) {}
        Pending p = Db.one(ds, "SELECT count(*), min(at) FROM (SELECT at FROM audit_events WHERE seq > ? AND seq <= ? AND type <> ? "
                        + "ORDER BY seq LIMIT ?) x", rs -> new Pending(rs.getLong(1), Db.instant(rs, 2)),
                last, size, ANCHORED_EVENT, policy.everyEvents()).orElseThrow();
        if (!policy.due(p.count(), p.oldest(), Instant.now())) return new TickResult(Outcome.IDLE, 0);
        // the escrow refuses a seq not above its last one: never send what is certain to revert (and burn gas every tick)
        long onChain = call(() -> {
            try {
                return chain.escrowReader().lastAnchoredSeq().send().longValueExact();
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e.getMessage(), e);
            }
        });
        if (onChain >= size) {
            LOG.errorf("the escrow's last anchored seq is %d, not below this log's tree size %d: not anchoring (was the log cut? "
                    + "GET /v1/audit/verify says where)", onChain, size);
            return new TickResult(Outcome.IDLE, 0);
        }
        InFlight claimed = claim(lease, size);
        io.microsettle.infra.CrashPoints.reach("anchor.after-store");
        return resolve(lease, claimed, broadcast(claimed));
    }

    private Optional<InFlight> inFlight() {
        return Db.one(ds, "SELECT id, seq, root, sender, nonce, tx_hash, raw_tx FROM audit_anchors WHERE state = 'SENT'",
                rs -> new InFlight(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                        rs.getString(7)));
    }

    /** Signs anchor(root, size) with no transaction open, then stores it (SENT) in a short one. */
    private InFlight claim(Leases.Lease lease, long size) {
        String root = tree.rootHex(size);
        Credentials key = chain.anchorer();
        Web3j web3j = chain.web3j();
        long nonce = call(() -> web3j.ethGetTransactionCount(key.getAddress(), DefaultBlockParameterName.PENDING).send()
                .getTransactionCount().longValueExact());
        BigInteger baseFee = Eip1559GasProvider.latestBaseFeeWei(web3j);
        BigInteger priority = BigInteger.valueOf(config.anchor().priorityFeeWei());
        BigInteger maxFee = baseFee.shiftLeft(1).add(priority);
        String data = FunctionEncoder.encode(new Function("anchor",
                List.of(new Bytes32(Numeric.hexStringToByteArray(root)), new Uint256(size)), List.of()));
        RawTransaction raw = RawTransaction.createTransaction(chain.chainId(), BigInteger.valueOf(nonce),
                BigInteger.valueOf(config.anchor().gasLimit()), chain.escrowAddress(), BigInteger.ZERO, data, priority, maxFee);
        String rawHex = Numeric.toHexString(TransactionEncoder.signMessage(raw, key));
        String txHash = Hash.sha3(rawHex);
        long id = QuarkusTransaction.requiringNew().call(() -> {
            leases.check(lease);
            return Db.one(ds, "INSERT INTO audit_anchors (seq, root, state, chain_id, sender, nonce, tx_hash, raw_tx, fence, created_at) "
                            + "VALUES (?, ?, 'SENT', ?, ?, ?, ?, ?, ?, now()) RETURNING id", rs -> rs.getLong(1),
                    size, root, chain.chainId(), key.getAddress(), nonce, txHash, rawHex, lease.fence()).orElseThrow();
        });
        return new InFlight(id, size, root, key.getAddress(), nonce, txHash, rawHex);
    }

    private BroadcastResult broadcast(InFlight a) {
        String error;
        try {
            EthSendTransaction r = chain.web3j().ethSendRawTransaction(a.rawTx()).send();
            error = r.hasError() ? r.getError().getMessage() : null;
        } catch (IOException e) {
            error = "io: " + e.getMessage();
        }
        if (error != null) LOG.debugf("anchor %d: broadcast said %s", a.seq(), error);
        return BroadcastResult.classify(error);
    }

    /**
     * Waits (bounded) for the anchor's receipt and depth, then records the outcome. An anchor with no receipt is sent
     * again once: one found in flight ({@code sentThisTick} null: sent by an earlier tick, or before a restart), or one
     * the node did not accept this tick. One the node has just accepted is not (its receipt cannot be there yet, and
     * the node only answered "already imported"). The send's answer fails the anchor when it can never be mined.
     */
    private TickResult resolve(Leases.Lease lease, InFlight a, BroadcastResult sentThisTick) {
        Web3j web3j = chain.web3j();
        long deadline = System.nanoTime() + Duration.ofMillis(config.anchor().receiptWaitMillis()).toNanos();
        BroadcastResult sent = sentThisTick == BroadcastResult.ACCEPTED ? sentThisTick : null;
        boolean answerLookedAt = false;
        while (true) {
            Optional<TransactionReceipt> receipt = call(() -> web3j.ethGetTransactionReceipt(a.txHash()).send().getTransactionReceipt());
            if (receipt.isPresent()) {
                TransactionReceipt r = receipt.get();
                long head = call(() -> web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
                if (head - r.getBlockNumber().longValueExact() >= chainConfig.confirmations()) {
                    // read again at depth: the receipt now names the block that stays
                    TransactionReceipt deep = call(() -> web3j.ethGetTransactionReceipt(a.txHash()).send().getTransactionReceipt())
                            .orElse(null);
                    if (deep != null && deep.getBlockHash().equals(r.getBlockHash())) return record(lease, a, deep);
                }
            } else if (!answerLookedAt) {
                if (sent == null) sent = broadcast(a);
                answerLookedAt = true;
                Optional<TickResult> failed = failIfNeverMined(lease, a, sent);
                if (failed.isPresent()) return failed.get();
            }
            if (System.nanoTime() - deadline > 0) return new TickResult(Outcome.IN_FLIGHT, a.seq());
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new TickResult(Outcome.IN_FLIGHT, a.seq());
            }
        }
    }

    /** A send refused as never valid, or for a nonce another transaction has taken, with no receipt of ours: failed. */
    private Optional<TickResult> failIfNeverMined(Leases.Lease lease, InFlight a, BroadcastResult b) {
        if (b != BroadcastResult.NONCE_USED && b != BroadcastResult.NEVER_VALID) return Optional.empty();
        Web3j web3j = chain.web3j();
        long used = call(() -> web3j.ethGetTransactionCount(a.sender(), DefaultBlockParameterName.LATEST).send()
                .getTransactionCount().longValueExact());
        boolean mined = call(() -> web3j.ethGetTransactionReceipt(a.txHash()).send().getTransactionReceipt()).isPresent();
        if (mined || (b == BroadcastResult.NONCE_USED && used <= a.nonce())) return Optional.empty();
        return Optional.of(fail(lease, a, b == BroadcastResult.NEVER_VALID ? "never valid as signed" : "its nonce was used by another transaction"));
    }

    private TickResult record(Leases.Lease lease, InFlight a, TransactionReceipt r) {
        if (!r.isStatusOK()) return fail(lease, a, "reverted in block " + r.getBlockNumber());
        Log log = r.getLogs().stream()
                .filter(l -> l.getAddress().equalsIgnoreCase(chain.escrowAddress()) && l.getTopics().size() == 2
                        && l.getTopics().get(0).equalsIgnoreCase(AUDIT_ANCHORED_TOPIC)
                        && Numeric.toBigInt(l.getTopics().get(1)).equals(BigInteger.valueOf(a.seq())))
                .findFirst().orElse(null);
        if (log == null || !Numeric.cleanHexPrefix(log.getData()).equalsIgnoreCase(a.root())) {
            return fail(lease, a, "mined without the AuditAnchored(" + a.seq() + ", root) log");
        }
        long blockNumber = r.getBlockNumber().longValueExact();
        int logIndex = log.getLogIndex().intValueExact();
        io.microsettle.infra.CrashPoints.reach("anchor.before-record");
        QuarkusTransaction.requiringNew().run(() -> {
            leases.check(lease);
            int n = Db.update(ds, "UPDATE audit_anchors SET state = 'ANCHORED', block_number = ?, block_hash = ?, log_index = ?, "
                    + "anchored_at = now() WHERE id = ? AND state = 'SENT'", blockNumber, r.getBlockHash(), logIndex, a.id());
            if (n != 1) return;
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("seq", a.seq());
            payload.put("root", a.root());
            payload.put("chainId", chain.chainId());
            payload.put("escrow", chain.escrowAddress());
            payload.put("txHash", a.txHash());
            payload.put("blockNumber", blockNumber);
            payload.put("blockHash", r.getBlockHash());
            payload.put("logIndex", logIndex);
            audit.append(ACTOR, ANCHORED_EVENT, "anchor:" + a.seq(), payload);
        });
        LOG.infof("audit head %d anchored: root %s, tx %s, block %d", a.seq(), a.root(), a.txHash(), blockNumber);
        return new TickResult(Outcome.ANCHORED, a.seq());
    }

    private TickResult fail(Leases.Lease lease, InFlight a, String why) {
        QuarkusTransaction.requiringNew().run(() -> {
            leases.check(lease);
            int n = Db.update(ds, "UPDATE audit_anchors SET state = 'FAILED', failure = ? WHERE id = ? AND state = 'SENT'", why, a.id());
            if (n == 1) {
                audit.append(ACTOR, FAILED_EVENT, "anchor:" + a.seq(), Map.of("seq", a.seq(), "root", a.root(), "txHash", a.txHash(),
                        "reason", why));
            }
        });
        LOG.warnf("anchor of audit head %d (tx %s) failed: %s", a.seq(), a.txHash(), why);
        return new TickResult(Outcome.FAILED, a.seq());
    }

    interface ChainCall<T> {
        T call() throws IOException;
    }

    static <T> T call(ChainCall<T> c) {
        try {
            return c.call();
        } catch (IOException e) {
            throw new UncheckedIOException("chain: " + e.getMessage(), e);
        }
    }
}
