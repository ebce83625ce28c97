package io.microsettle.settlement;

import io.microsettle.chain.BroadcastResult;
import io.microsettle.audit.AuditLog;
import io.microsettle.cashout.CashoutStore;
import io.microsettle.chain.CallGas;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ChainConfig;
import io.microsettle.chain.Eip1559GasProvider;
import io.microsettle.chain.ConfirmationDepth;
import io.microsettle.chain.EscrowCapacity;
import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.DaemonPools;
import io.microsettle.infra.Leases;
import io.microsettle.ledger.EscrowFunding;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The settlement pipeline, per nonce lane (settler key) under that lane's lease: QUEUED cash-outs →
 * batch (BATCHED) → signed and stored settleBatch transaction → broadcast (SUBMITTED) → receipt checks
 * (FAILED on a revert deep enough) and fee-bumped replacements. Reconciliation (CONFIRMED/SETTLED) is
 * the reconcile feature's job, from logs. See docs/settlement.md.
 *
 * <p>No JSON-RPC call happens inside a database transaction. Nothing is sent that is certain to
 * revert (paused, over a cap): it waits, or, when it can never be valid, its nonce is filled by a
 * no-op and its cash-outs go back to the queue once the no-op is final. A broadcast that fails is
 * retried with a growing pause forever and raises {@code settlement.stalled} once it has failed too long.
 */
@ApplicationScoped
public class SettlementService {
    private static final Logger LOG = Logger.getLogger(SettlementService.class);
    /** Stored transactions broadcast per lane and pass at most. */
    static final int MAX_BROADCASTS_PER_PASS = 100;
    /** Open transactions looked at per lane and pass at most when healing. */
    static final int MAX_OPEN_PER_PASS = 200;
    /** A no-op transfer's gas. */
    static final long NO_OP_GAS = 21_000;

    @Inject ChainClient chain;
    @Inject ChainConfig chainConfig;
    @Inject AuditLog audit;
    @Inject SettlementConfig cfg;
    @Inject EscrowFunding funding;
    @Inject SettlementStore store;
    @Inject CashoutStore cashouts;
    @Inject Leases leases;
    @Inject SettlerLanes lanes;
    @Inject SettlementWorkers workers;

    /**
     * What a tick did; {@code bound}: the most pressing of its lanes' {@link ClaimBound}s; {@code headBlock}: the chain's
     * head when it started, -1 when it could not be read.
     */
    public record TickResult(int batchesCreated, int transactionsBroadcast, int noncesChecked, ClaimBound bound, long headBlock) {}

    /** How many batches a lane's pass created, and what bounded them. */
    record LaneClaims(int created, ClaimBound bound) {}

    /** What one lane's pass did: its batches created, transactions broadcast, nonces checked, and what bounded its claims. */
    record LanePass(int batchesCreated, int transactionsBroadcast, int noncesChecked, ClaimBound bound) {}

    /** A lane held by this replica for the pass. */
    record Held(Leases.Lease lease, SettlerLanes.Lane lane, PassSteps steps, RecordsInFlight records) {
        Held(Leases.Lease lease, SettlerLanes.Lane lane) {
            this(lease, lane, new PassSteps(), new RecordsInFlight());
        }

        /** Waits for the records of this pass's accepted broadcasts (before reading what is broadcast, and at its end). */
        void awaitRecords() {
            steps.time("recordWait", records::awaitAll);
        }

        String address() {
            return lane.address();
        }

        Credentials key() {
            return lane.key();
        }
    }

    /**
     * One pass over every lane this replica can hold: heal, broadcast, batch, broadcast, check receipts. The lanes
     * (settler keys, each under its own lease, with its own nonces) are passed over at once, at most
     * {@code lane-workers} together; each lane's steps run in order.
     */
    public synchronized TickResult tick() {
        long headBlock = headBlockOrUnknown();
        SettlementStore.Control control = store.control();
        Optional<EscrowCapacity> cap = capacity();
        boolean paused = control.paused() || cap.map(EscrowCapacity::paused).orElse(false);
        List<Callable<LanePass>> passes = new ArrayList<>();
        for (Held h : held()) passes.add(() -> passLane(h, paused, cap, headBlock));
        int created = 0, sent = 0, checked = 0;
        ClaimBound bound = ClaimBound.QUEUE;
        for (LanePass r : workers.lanes(passes)) {
            created += r.batchesCreated();
            sent += r.transactionsBroadcast();
            checked += r.noncesChecked();
            bound = bound.or(r.bound());
        }
        return new TickResult(created, sent, checked, bound, headBlock);
    }

    /**
     * One lane's pass; a failing step is logged and ends the lane's pass (a crash point's {@code Crash} is thrown).
     * {@code tickHeadBlock}: the head the tick read as it began (healing judges by it), -1 if it could not be read.
     */
    private LanePass passLane(Held h, boolean paused, Optional<EscrowCapacity> cap, long tickHeadBlock) {
        h.steps().start();
        int created = 0, sent = 0, checked = 0;
        ClaimBound bound = ClaimBound.QUEUE;
        // a node that does not answer must not stop the broadcast step: its failures are what back off and raise the alert
        try {
            h.steps().time("heal", () -> heal(h, tickHeadBlock >= 0 ? tickHeadBlock : headBlock()));
        } catch (CrashPoints.Crash c) {
            throw c;
        } catch (RuntimeException e) {
            LOG.warnf("healing lane %s failed: %s", h.address(), e.getMessage());
        }
        try {
            sent += h.steps().time("broadcast", () -> broadcast(h, paused, cap));
            if (!paused && cap.isPresent()) {
                // an ACTIVE lane claims new batches; every lane (a RETIRING one too) signs the batches it claimed
                LaneClaims claims = createBatches(h, cap.get(), true);
                created += claims.created();
                bound = claims.bound();
                sent += h.steps().time("broadcast", () -> broadcast(h, false, cap));
            }
            h.awaitRecords();
            checked += h.steps().time("receipts", () -> checkSubmitted(h));
        } catch (CrashPoints.Crash c) {
            throw c;
        } catch (RuntimeException e) {
            LOG.warnf("settlement pass of lane %s failed: %s", h.address(), e.getMessage());
        } finally {
            h.awaitRecords();
        }
        if (LOG.isDebugEnabled()) LOG.debugf("settlement lane %s: %s", h.address(), h.steps().summary());
        return new LanePass(created, sent, checked, bound);
    }

    /** The lanes whose lease this replica holds now (taken or renewed). */
    List<Held> held() {
        List<Held> out = new ArrayList<>();
        for (SettlerLanes.Lane lane : lanes.lanes()) {
            String name = "settler:" + chain.chainId() + ":" + lane.address();
            leases.acquire(name, Duration.ofMillis(cfg.leaseMillis())).ifPresent(l -> out.add(new Held(l, lane)));
        }
        return out;
    }

    // ---------------------------------------------------------------- the steps, for tests that drive them one by one

    /** Creates batches on every active lane held and signs every lane's unsigned ones (unless paused). Returns batches created. */
    public int createBatches() {
        if (store.control().paused()) return 0;
        Optional<EscrowCapacity> cap = capacity();
        if (cap.isEmpty() || cap.get().paused()) return 0;
        int n = 0;
        for (Held h : held()) {
            n += createBatches(h, cap.get(), false).created();
            h.awaitRecords();
        }
        return n;
    }

    /** Broadcasts the stored transactions due on every lane held. Returns how many the node accepted. */
    public int broadcastStored() {
        boolean paused = store.control().paused();
        Optional<EscrowCapacity> cap = capacity();
        int n = 0;
        for (Held h : held()) {
            n += broadcast(h, paused || cap.map(EscrowCapacity::paused).orElse(false), cap);
            h.awaitRecords();
        }
        return n;
    }

    /** Checks receipts (and replaces stuck transactions) on every lane held. Returns the nonces looked at. */
    public int checkSubmitted() {
        int n = 0;
        for (Held h : held()) n += checkSubmitted(h);
        return n;
    }

    // ---------------------------------------------------------------- batching and signing

    /**
     * Signs every batch of the lane that has no transaction (a batch claimed just before a crash or a rotation is
     * still the lane's: its nonce is taken, so it is signed and sent by its own key, never left BATCHED); then, on an
     * ACTIVE lane, claims QUEUED cash-outs into batches that fit the escrow's caps. Each claim's batches are estimated
     * and signed (on the sign workers, no database) once it has committed, while the next claim runs.
     */
    LaneClaims createBatches(Held h, EscrowCapacity cap, boolean broadcastAsSigned) {
        PassSteps steps = h.steps();
        long pending = steps.time("txCount", () -> transactionCount(h.address(), DefaultBlockParameterName.PENDING));
        long latest = steps.time("txCount", () -> transactionCount(h.address(), DefaultBlockParameterName.LATEST));
        int batchRoom = NonceLane.batchRoom(cfg.maxInFlightPerLane(), cfg.maxBatchesPerTick(), pending, latest);
        Eip1559Fees fees = steps.time("fees", () -> marketFees());
        SignPipeline signing = new SignPipeline(h, fees, broadcastAsSigned ? Optional.of(cap) : Optional.empty());
        List<SettlementStore.Batch> unsigned = steps.time("unsigned", () -> store.unsigned(h.address(), cfg.maxBatchesPerTick()));
        signing.add(unsigned);
        int created = 0;
        // with a full page of unsigned batches there may be more below the new nonces: claim nothing, so none is skipped
        if (h.lane().active() && batchRoom > 0 && unsigned.size() < cfg.maxBatchesPerTick()) {
            created = claimInChunks(h, pending, cap, batchRoom, signing);
        }
        steps.time("signAll", () -> signing.storeSigned(true));
        return new LaneClaims(created, ClaimBound.of(h.lane().active(), created, batchRoom, cfg.maxBatchesPerTick()));
    }

    /**
     * Claims up to {@code batchRoom} batches in short transactions of at most {@code claim-chunk-batches} each, on the
     * claim worker: once a claim has committed, its batches are handed to {@code signing} and the next claim starts,
     * while this thread stores (and broadcasts) what is signed already. The escrow's window room and the tick's
     * cash-out limit are shared by the chunks. A claim still running when this ends (a store failed) is waited for:
     * its batches stay unsigned for the next pass, whose nonces come after theirs. Returns the batches created.
     */
    private int claimInChunks(Held h, long pending, EscrowCapacity cap, int batchRoom, SignPipeline signing) {
        int chunkBatches = Math.max(1, cfg.claimChunkBatches());
        BigInteger windowRoom = cap.windowRemainingBaseUnits();
        int cashoutsLeft = cfg.maxCashoutsPerTick();
        int created = 0;
        Future<Claimed> next = startClaim(h, pending, cap, new ClaimLimits(Math.min(chunkBatches, batchRoom), cashoutsLeft, windowRoom));
        try {
            while (next != null) {
                Future<Claimed> claiming = next;
                Claimed c = h.steps().time("claimWait", () -> DaemonPools.await(claiming, SettlementWorkers.WAITER));
                next = null;
                signing.add(c.batches());
                created += c.batches().size();
                cashoutsLeft -= c.cashoutsRead();
                if (windowRoom != null) windowRoom = windowRoom.subtract(BigInteger.valueOf(c.grossBatchedBaseUnits()));
                // the queue ran dry (or nothing more fits): the next pass claims again
                boolean more = !c.batches().isEmpty() && c.cashoutsRead() >= c.cashoutsLimit() && created < batchRoom && cashoutsLeft > 0;
                if (more) next = startClaim(h, pending, cap, new ClaimLimits(Math.min(chunkBatches, batchRoom - created), cashoutsLeft, windowRoom));
                signing.storeSigned(false);
            }
        } finally {
            if (next != null) awaitQuietly(next);
        }
        return created;
    }

    private Future<Claimed> startClaim(Held h, long pending, EscrowCapacity cap, ClaimLimits limits) {
        return workers.startClaim(() -> h.steps().time("claim", () -> QuarkusTransaction.requiringNew().call(() -> claim(h, pending, cap, limits))));
    }

    /** A claim the pass no longer uses: waited for, so that no claim of this lane runs beside the next pass's. */
    private static void awaitQuietly(Future<Claimed> claim) {
        try {
            DaemonPools.await(claim, SettlementWorkers.WAITER);
        } catch (RuntimeException e) {
            LOG.debugf("a claim the pass no longer used failed: %s", e.getMessage());
        }
    }

    /**
     * A lane's batches estimated and signed at once ({@code sign-workers} at most) and stored as they come, in nonce
     * order (batches are added in nonce order): each time the lowest one not stored yet is signed, it and the ones
     * after it already signed are stored in one short transaction and (with {@code broadcastTo}: in a pass)
     * broadcast, while the rest are still estimated. Nothing is stored past a batch that could not be signed or
     * stored: it and those above it stay unsigned for the next pass, so what is stored (and broadcast, lowest nonce
     * first) has no gap.
     */
    private final class SignPipeline {
        private final Held h;
        private final Eip1559Fees fees;
        private final Optional<EscrowCapacity> broadcastTo;
        private final List<Future<Signed>> futures = new ArrayList<>();
        private long lastNonce = -1;
        private int next;
        /** A batch could not be signed or stored: nothing above it is stored in this pass (no nonce gap). */
        private boolean failed;

        SignPipeline(Held h, Eip1559Fees fees, Optional<EscrowCapacity> broadcastTo) {
            this.h = h;
            this.fees = fees;
            this.broadcastTo = broadcastTo;
        }

        /** Starts estimating and signing {@code batches}, committed (higher nonces than any added before). */
        void add(List<SettlementStore.Batch> batches) {
            List<Callable<Signed>> tasks = new ArrayList<>();
            for (SettlementStore.Batch b : batches) {
                assert b.nonce() > lastNonce : "batches are signed in nonce order";
                lastNonce = b.nonce();
                tasks.add(() -> {
                    try {
                        return sign(h, TxKind.SETTLE, b, fees, b.nonce(), null);
                    } catch (RuntimeException e) {
                        LOG.warnf("batch %s (nonce %d) not signed: %s", b.id(), b.nonce(), e.getMessage());
                        return null;
                    }
                });
            }
            futures.addAll(workers.startSigns(tasks));
        }

        /**
         * Stores (and broadcasts) the batches' transactions in nonce order, until one is not signed or not
         * stored: with {@code waitForSigning} every one added (waiting for its estimate), without it only those
         * signed already, from the lowest not stored yet.
         */
        void storeSigned(boolean waitForSigning) {
            while (next < futures.size() && !failed && (waitForSigning || futures.get(next).isDone())) {
                List<Signed> ready = new ArrayList<>();
                // the lowest one not stored yet (waited for), then every one after it that is already signed
                do {
                    Signed s = DaemonPools.await(futures.get(next), SettlementWorkers.WAITER);
                    if (s == null) {
                        failed = true;
                        break;
                    }
                    ready.add(s);
                    next++;
                } while (next < futures.size() && futures.get(next).isDone());
                int stored = store(h, ready);
                if (broadcastTo.isPresent() && stored > 0) h.steps().time("broadcast", () -> broadcast(h, false, broadcastTo));
                if (stored < ready.size()) failed = true;
            }
        }
    }

    /** What one claim may take: batches, cash-outs read, and the escrow window's room left (null: no window cap). */
    private record ClaimLimits(int maxBatches, int maxCashouts, BigInteger windowRoomBaseUnits) {}

    /** What one claim made: its batches, the QUEUED cash-outs it read (and its limit on them), their gross batched. */
    private record Claimed(List<SettlementStore.Batch> batches, int cashoutsRead, int cashoutsLimit, long grossBatchedBaseUnits) {}

    /**
     * Claims QUEUED cash-outs into at most {@code limits.maxBatches} batches (one short transaction; no node call: once
     * it has committed, the sign workers estimate and sign the batches outside it).
     */
    private Claimed claim(Held h, long chainPendingCount, EscrowCapacity cap, ClaimLimits limits) {
        GasModel gas = new GasModel(cfg.baseGas(), cfg.gasPerPayout(), cfg.maxGasPerTx());
        int payoutsPerBatch = Math.min(cfg.maxPayoutsPerBatch(), Math.max(1, cap.maxBatchPayouts()));
        BatchPlanner planner = new BatchPlanner(payoutsPerBatch, gas);
        int cashoutLimit = (int) Math.min(limits.maxCashouts(), (long) limits.maxBatches() * payoutsPerBatch);
        List<CashoutStore.Queued> queued = cashouts.claimQueued(cashoutLimit);
        List<PayoutCandidate> fundable = new ArrayList<>();
        for (CashoutStore.Queued q : queued) {
            if (funding.funderOf(q.integratorId()).isEmpty()) {
                LOG.warnf("no funder configured for integrator %s; cash-out %s stays QUEUED", q.integratorId(), q.id());
            } else if (BigInteger.valueOf(q.grossBaseUnits()).compareTo(cap.maxPayoutBaseUnits()) > 0) {
                LOG.warnf("cash-out %s (%d) is over the escrow's per-payout cap %s; it stays QUEUED", q.id(), q.grossBaseUnits(),
                        cap.maxPayoutBaseUnits());
            } else {
                fundable.add(new PayoutCandidate(q.id(), q.integratorId(), q.accountId(), q.destination(), q.grossBaseUnits(),
                        q.netBaseUnits(), q.feeBaseUnits()));
            }
        }
        List<SettlementStore.Batch> out = new ArrayList<>();
        long grossBatched = 0;
        for (BatchPlanner.PlannedBatch plan : planner.plan(fundable, limits.maxBatches(), cap.maxBatchBaseUnits(),
                limits.windowRoomBaseUnits())) {
            String funder = funding.funderOf(plan.integratorId()).orElseThrow();
            out.add(store.create(h.lease(), plan, funder, h.key().getAddress(), chain.chainId(), chainPendingCount));
            grossBatched = Math.addExact(grossBatched, plan.totalGrossBaseUnits());
        }
        return new Claimed(out, queued.size(), cashoutLimit, grossBatched);
    }

    /** A transaction signed for a batch's nonce (not stored yet). */
    record Signed(TxKind kind, SettlementStore.Batch batch, long nonce, long gasLimit, Eip1559Fees fees, String rawHex, String txHash,
                  Long replacesTxId) {}

    /** Estimates gas and signs (no transaction open), then stores the signed transaction in a short one. */
    private void signAndStore(Held h, TxKind kind, SettlementStore.Batch b, Eip1559Fees fees, long nonce, Long replacesTxId) {
        store(h, List.of(sign(h, kind, b, fees, nonce, replacesTxId)));
    }

    /** Encodes, estimates gas and signs; no transaction open, nothing stored. */
    private Signed sign(Held h, TxKind kind, SettlementStore.Batch b, Eip1559Fees fees, long nonce, Long replacesTxId) {
        RawTransaction raw;
        long gasLimit;
        if (kind == TxKind.CANCEL) {
            gasLimit = NO_OP_GAS;
            raw = RawTransaction.createEtherTransaction(chain.chainId(), BigInteger.valueOf(nonce), BigInteger.valueOf(gasLimit),
                    h.key().getAddress(), BigInteger.ZERO, fees.maxPriorityFeePerGasWei(), fees.maxFeePerGasWei());
        } else {
            String data = h.steps().time("encode", () -> SettleBatchCall.encode(b.chainBatchId(), b.funder(), b.payouts()));
            gasLimit = h.steps().time("gas", () -> gasLimit(h.key().getAddress(), data, b.estimatedGas()));
            raw = RawTransaction.createTransaction(chain.chainId(), BigInteger.valueOf(nonce), BigInteger.valueOf(gasLimit),
                    chain.escrowAddress(), BigInteger.ZERO, data, fees.maxPriorityFeePerGasWei(), fees.maxFeePerGasWei());
        }
        RawTransaction unsigned = raw;
        // a fault test fails one nonce's signature mid-pass (a key store or signer that fails)
        CrashPoints.reach("settlement.sign:" + h.address() + ":" + nonce);
        String rawHex = h.steps().time("sign", () -> Numeric.toHexString(TransactionEncoder.signMessage(unsigned, h.key())));
        return new Signed(kind, b, nonce, gasLimit, fees, rawHex, Hash.sha3(rawHex), replacesTxId);
    }

    /**
     * Stores signed transactions (in the order given: nonce order) in one short transaction. If that fails, each is
     * stored in its own, up to the first that fails: another signer may have stored a batch's first transaction first
     * (a unique index), or the lease moved (then none is stored, and nothing is sent).
     */
    private int store(Held h, List<Signed> signed) {
        if (signed.isEmpty()) return 0;
        long t0 = System.nanoTime();
        int stored = 0;
        try {
            QuarkusTransaction.requiringNew().run(() -> signed.forEach(s -> storeOne(h, s)));
            stored = signed.size();
        } catch (RuntimeException e) {
            if (signed.size() == 1) {
                LOG.warnf("batch %s: signed transaction not stored: %s", signed.getFirst().batch().id(), e.getMessage());
                return 0;
            }
            LOG.warnf("%d signed transactions of %s not stored together (%s): one by one", signed.size(), h.address(), e.getMessage());
            for (Signed s : signed) {
                try {
                    QuarkusTransaction.requiringNew().run(() -> storeOne(h, s));
                    stored++;
                } catch (RuntimeException one) {
                    // the ones above stay unsigned for the next pass: nothing stored past a nonce that has no transaction
                    LOG.warnf("batch %s: signed transaction not stored: %s", s.batch().id(), one.getMessage());
                    break;
                }
            }
        } finally {
            h.steps().add("store", System.nanoTime() - t0);
        }
        CrashPoints.reach("settlement.after-sign");
        return stored;
    }

    /** One signed transaction stored (and a replacement's or no-op's audit event), in the caller's transaction. */
    private void storeOne(Held h, Signed s) {
        String batchId = s.batch().id();
        store.storeSigned(h.lease(), s.kind(), batchId, h.key().getAddress(), chain.chainId(), s.nonce(), s.gasLimit(), s.fees(), s.rawHex(),
                s.txHash(), s.replacesTxId());
        if (s.replacesTxId() != null) {
            audit.append(SettlementStore.ACTOR, s.kind() == TxKind.CANCEL ? "batch.cancel_signed" : "batch.replacement_signed", batchId,
                    Map.of("txHash", s.txHash(), "nonce", s.nonce(), "maxFeePerGasWei", s.fees().maxFeePerGasWei().toString(),
                            "maxPriorityFeePerGasWei", s.fees().maxPriorityFeePerGasWei().toString()));
        }
    }

    /**
     * The gas limit: the gas the node measures for the call (one {@code eth_simulateV1} run where it has that, else
     * {@code eth_estimateGas}) with headroom, never above the per-transaction cap. A call that would revert, or a node
     * that does not answer, keeps the model's bound.
     */
    long gasLimit(String from, String data, long modelGas) {
        try {
            return switch (chain.callGas().measure(from, chain.escrowAddress(), data)) {
                // The measured gas plus headroom, not the model's upper bound: a block is packed by gas limits, and the
                // model's worst case (every payee new) would leave most of each block empty. Later state only makes a
                // batch cheaper (payees and bitmap words already written), so the measure stays an upper bound. The
                // headroom also covers what a receipt's count leaves out: the refund, and the 1/64 a call keeps back.
                case CallGas.Used u -> Math.min(cfg.maxGasPerTx(), u.gas() * (100L + cfg.gasHeadroomPercent()) / 100L);
                case CallGas.Reverted r -> {
                    LOG.warnf("the node refused the batch (%s); using the model's %d gas", r.reason(), modelGas);
                    yield modelGas;
                }
            };
        } catch (IOException e) {
            return modelGas;
        }
    }

    // ---------------------------------------------------------------- broadcasting

    /**
     * Broadcasts the lane's stored transactions that are due, lowest nonce first. A settleBatch is held
     * while settlement or the escrow is paused or a cap would make it revert; one that can never be valid
     * gets a no-op at its nonce instead. When the escrow's capacity could not be read ({@code cap} empty:
     * the node is not answering) the lowest one counts as a failed broadcast, so it backs off and, after
     * {@code stall-alert-after-millis}, raises the alert. The ones the node accepted are recorded after the
     * sends (see {@link #recordSubmitted}). Returns how many the node accepted.
     */
    int broadcast(Held h, boolean paused, Optional<EscrowCapacity> cap) {
        // accepted earlier in this pass and still being recorded: not sent again
        List<SettlementStore.StoredTx> due = store.due(h.address(), MAX_BROADCASTS_PER_PASS).stream()
                .filter(t -> !h.records().recording(t.id())).toList();
        Map<String, List<Long>> gross = null;
        List<SettlementStore.StoredTx> accepted = new ArrayList<>();
        try {
            for (SettlementStore.StoredTx tx : due) {
                if (tx.kind() == TxKind.SETTLE) {
                    if (paused) break; // later nonces cannot be mined before this one anyway
                    if (cap.isEmpty()) {
                        failed(h, tx, "the escrow's settlementCapacity() could not be read: the node is not answering");
                        break;
                    }
                    if (gross == null) gross = h.steps().time("sendCaps", () -> store.grossAmounts(settleBatchIds(due)));
                    EscrowCapacity.Verdict v = cap.get().check(gross.getOrDefault(tx.batchId(), List.of()));
                    if (v == EscrowCapacity.Verdict.PAUSED || v == EscrowCapacity.Verdict.WINDOW_OVER_CAP) break; // waits for the window to roll
                    if (v != EscrowCapacity.Verdict.FITS) {
                        cancel(h, tx, "batch_over_escrow_caps: " + v);
                        break;
                    }
                }
                if (send(h, tx)) accepted.add(tx);
            }
        } catch (CrashPoints.Crash c) {
            throw c; // a crash records nothing more: what was sent and not recorded is sent again (the node: already known)
        } catch (RuntimeException e) {
            recordSubmitted(h, accepted);
            throw e;
        }
        recordSubmitted(h, accepted);
        return accepted.size();
    }

    private static List<String> settleBatchIds(List<SettlementStore.StoredTx> txs) {
        return txs.stream().filter(t -> t.kind() == TxKind.SETTLE).map(SettlementStore.StoredTx::batchId).distinct().toList();
    }

    /**
     * Records the transactions the node accepted as broadcast at the head read once after the sends (at or above
     * the head each was sent at, so receipt checks and replacements never come early): each in its own short
     * transaction (its batch's cash-outs SUBMITTED with their audit events), at most {@code sign-workers} at once
     * (their own pool). The pass does not wait for them here: it goes on claiming and sending, and waits for them
     * ({@link Held#awaitRecords}) before it checks receipts or ends.
     * The rows of two batches are disjoint, so the transactions do not wait for each other. One that fails leaves its
     * transaction SIGNED: sent again next pass, the node says it already knows it, and it is recorded then.
     */
    private void recordSubmitted(Held h, List<SettlementStore.StoredTx> accepted) {
        if (accepted.isEmpty()) return;
        long head = h.steps().time("sendHead", this::headBlock);
        List<Callable<Boolean>> records = new ArrayList<>();
        for (SettlementStore.StoredTx tx : accepted) {
            records.add(() -> {
                try {
                    h.steps().time("sendRecord", () -> QuarkusTransaction.requiringNew().run(() -> store.submitted(h.lease(), tx, head)));
                    return true;
                } catch (RuntimeException e) {
                    LOG.warnf("broadcast of %s (batch %s, nonce %d) not recorded: %s", tx.txHash(), tx.batchId(), tx.nonce(), e.getMessage());
                    return false;
                }
            });
        }
        List<Long> nonces = accepted.stream().map(SettlementStore.StoredTx::nonce).toList();
        if (nonces.stream().distinct().count() < nonces.size()) {
            // two at one nonce would each close the other: one after the other, and after any record still running
            h.awaitRecords();
            records.forEach(SettlementService::callQuietly);
            return;
        }
        if (!h.records().canStartBeside(nonces)) h.awaitRecords();
        Map<Long, Long> txNonces = new LinkedHashMap<>();
        for (SettlementStore.StoredTx tx : accepted) txNonces.put(tx.id(), tx.nonce());
        h.records().started(txNonces, workers.startRecords(records));
    }

    private static void callQuietly(Callable<Boolean> task) {
        try {
            task.call();
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Sends one stored transaction and records what the node said (an accepted one is recorded by the caller). */
    private boolean send(Held h, SettlementStore.StoredTx tx) {
        String error = null;
        try {
            long t0 = System.nanoTime();
            EthSendTransaction r = chain.web3j().ethSendRawTransaction(tx.rawTx()).send();
            h.steps().add("sendRaw", System.nanoTime() - t0);
            if (r.hasError()) error = r.getError().getMessage();
            else if (!r.getTransactionHash().equalsIgnoreCase(tx.txHash())) {
                LOG.errorf("node returned hash %s for stored tx %s", r.getTransactionHash(), tx.txHash());
            }
        } catch (IOException e) {
            error = "io: " + e.getMessage();
        }
        BroadcastResult result = BroadcastResult.classify(error);
        if (result == BroadcastResult.NONCE_USED && receipt(tx.txHash()).isPresent()) result = BroadcastResult.ACCEPTED;
        CrashPoints.reach("settlement.after-broadcast");
        switch (result) {
            case ACCEPTED -> {
                return true;
            }
            case UNDERPRICED -> {
                // a replacement is never sent again: the next bump starts above it, and at the ceiling the lane alerts and waits
                if (tx.replacesTxId() != null) QuarkusTransaction.requiringNew().run(() -> store.dropped(h.lease(), tx, SettlementStore.UNDERPRICED));
                else failed(h, tx, SettlementStore.UNDERPRICED + ": " + error);
            }
            case BELOW_BASE_FEE -> belowBaseFee(h, tx, error);
            case NEVER_VALID -> cancel(h, tx, "never_valid: " + error);
            default -> failed(h, tx, error);
        }
        LOG.warnf("broadcast of %s (batch %s, nonce %d) refused: %s", tx.txHash(), tx.batchId(), tx.nonce(), error);
        return false;
    }

    /**
     * Refused under the base fee. While another transaction of the nonce is in flight at the node, this one is dropped
     * (the one in flight is bumped when it is stuck). Otherwise nothing holds the nonce: under the ceiling, a replacement
     * at the market's fees takes this one's place (one transaction); at the ceiling, this one is kept and sent again after
     * a pause, and the lane alerts ({@code fee_ceiling}) and waits for the base fee to fall.
     */
    private void belowBaseFee(Held h, SettlementStore.StoredTx tx, String error) {
        boolean otherInFlight = store.atNonce(h.address(), tx.nonce()).stream()
                .anyMatch(t -> t.id() != tx.id() && t.status() == TxStatus.BROADCAST);
        if (otherInFlight) {
            QuarkusTransaction.requiringNew().run(() -> store.dropped(h.lease(), tx, "below_base_fee"));
            return;
        }
        if (tx.fees().bumpedWithin(cfg.feeBumpPercent(), marketFees(), cfg.maxFeeCeilingWei()) instanceof Eip1559Fees.Bumped b
                && tx.maxFeePerGasWei().compareTo(cfg.maxFeeCeilingWei()) < 0) {
            Signed repriced = sign(h, tx.kind(), batchToSignAgain(h, tx), b.fees(), tx.nonce(), tx.id());
            QuarkusTransaction.requiringNew().run(() -> {
                store.dropped(h.lease(), tx, "below_base_fee");
                storeOne(h, repriced);
            });
            return;
        }
        failed(h, tx, "below_base_fee: " + error);
        if (tx.maxFeePerGasWei().compareTo(cfg.maxFeeCeilingWei()) >= 0) {
            QuarkusTransaction.requiringNew().run(() -> store.markStalled(tx, "fee_ceiling",
                    "the base fee is above the ceiling " + cfg.maxFeeCeilingWei() + " wei/gas: " + error));
        }
    }

    /** A failed broadcast: tried again after a growing pause; stalled (alert) once it has failed for too long. */
    private void failed(Held h, SettlementStore.StoredTx tx, String error) {
        BroadcastBackoff backoff = backoff();
        Instant next = Instant.now().plusMillis(backoff.delayMillis(tx.attempts() + 1));
        long failingSince = tx.failingSince() == null ? System.currentTimeMillis() : tx.failingSince().toEpochMilli();
        boolean stalled = backoff.stalled(failingSince, System.currentTimeMillis());
        boolean raised = QuarkusTransaction.requiringNew().call(() -> store.broadcastFailed(h.lease(), tx, error, next, stalled));
        if (raised) LOG.errorf("settlement stalled on %s nonce %d: broadcasts failing since %s (%s)", tx.fromAddress(), tx.nonce(),
                Instant.ofEpochMilli(failingSince), error);
    }

    BroadcastBackoff backoff() {
        return new BroadcastBackoff(cfg.broadcastRetryBaseMillis(), cfg.broadcastRetryMaxMillis(), cfg.stallAlertAfterMillis());
    }

    /**
     * A transaction that can never be valid: it is not sent again (DROPPED) and a no-op takes the nonce; its batch's
     * cash-outs are requeued once the no-op is final.
     */
    private void cancel(Held h, SettlementStore.StoredTx tx, String reason) {
        LOG.warnf("batch %s (nonce %d) can never be valid (%s): filling the nonce with a no-op", tx.batchId(), tx.nonce(), reason);
        QuarkusTransaction.requiringNew().run(() -> {
            store.dropped(h.lease(), tx, reason);
            store.markStalled(tx, "cancelled", reason);
        });
        fillWithNoOp(h, tx);
    }

    /**
     * Signs a no-op for a dropped transaction's nonce: at the market's fees when the node took nothing there, else
     * bumped above what it took (see {@link SettlementStore#noOpFloorFees}). When that does not fit under the ceiling,
     * the alert ({@code fee_ceiling}, once), and healing tries again every pass ({@link #heal}).
     */
    private void fillWithNoOp(Held h, SettlementStore.StoredTx dropped) {
        Eip1559Fees market = marketFees();
        Eip1559Fees.Bump bump = store.noOpFloorFees(h.address(), dropped.nonce())
                .map(floor -> floor.bumpedWithin(cfg.feeBumpPercent(), market, cfg.maxFeeCeilingWei()))
                .orElse(new Eip1559Fees.Bumped(market));
        switch (bump) {
            case Eip1559Fees.Bumped b -> signAndStore(h, TxKind.CANCEL, noOpBatch(h, dropped), b.fees(), dropped.nonce(), dropped.id());
            case Eip1559Fees.AtCeiling c -> {
                boolean raised = QuarkusTransaction.requiringNew().call(() -> store.noOpAtCeiling(dropped, "a no-op for nonce "
                        + dropped.nonce() + " needs " + c.requiredMaxFeePerGasWei() + " wei/gas; the ceiling is " + c.ceilingWei()));
                if (raised) LOG.errorf("settlement stalled on %s nonce %d: no no-op fits under the fee ceiling", h.address(), dropped.nonce());
            }
        }
    }

    // ---------------------------------------------------------------- receipts, failures, replacements

    /**
     * Looks at the lane's nonces with a transaction broadcast a while ago: a final receipt settles the
     * nonce's fate (a revert FAILS the batch, a no-op CANCELS it); no receipt for long: a fee-bumped
     * replacement, never above the ceiling (there it alerts and waits). Returns the nonces looked at.
     */
    int checkSubmitted(Held h) {
        long head = headBlock();
        TreeMap<Long, List<SettlementStore.StoredTx>> byNonce = new TreeMap<>();
        for (SettlementStore.StoredTx t : store.open(h.address(), MAX_OPEN_PER_PASS)) {
            if (receiptCheckDue(t, head)) {
                byNonce.computeIfAbsent(t.nonce(), k -> new ArrayList<>()).add(t);
            }
        }
        // the nonces' transactions and receipts are read at once (reads only); what they show is acted on in nonce order
        List<Callable<NonceLook>> looks = new ArrayList<>();
        for (long nonce : byNonce.keySet()) {
            if (looks.size() >= cfg.maxReceiptChecksPerTick()) break;
            looks.add(() -> {
                List<SettlementStore.StoredTx> all = store.atNonce(h.address(), nonce);
                return new NonceLook(all, firstReceipt(all));
            });
        }
        for (Future<NonceLook> f : workers.startLookups(looks)) {
            NonceLook look = DaemonPools.await(f, SettlementWorkers.WAITER);
            CrashPoints.reach("settlement.before-receipt");
            if (look.mined().isPresent()) onReceipt(h, look.mined().get(), head);
            else stuck(h, look.all(), head);
        }
        return looks.size();
    }

    /** A broadcast transaction sent {@code receipt-check-after-blocks} blocks ago or more: its receipt is looked for. */
    private boolean receiptCheckDue(SettlementStore.StoredTx t, long head) {
        return t.status() == TxStatus.BROADCAST && t.broadcastBlock() != null && t.broadcastBlock() <= head - cfg.receiptCheckAfterBlocks();
    }

    record Receipted(SettlementStore.StoredTx tx, TransactionReceipt receipt) {}

    /** Every transaction signed at a nonce, and the first of them with a receipt. */
    private record NonceLook(List<SettlementStore.StoredTx> all, Optional<Receipted> mined) {}

    private Optional<Receipted> firstReceipt(List<SettlementStore.StoredTx> all) {
        for (SettlementStore.StoredTx t : all) {
            if (t.status() == TxStatus.SIGNED || t.status() == TxStatus.DROPPED) continue;
            Optional<TransactionReceipt> r = receipt(t.txHash());
            if (r.isPresent()) return Optional.of(new Receipted(t, r.get()));
        }
        return Optional.empty();
    }

    /** A revert fails the batch and a no-op cancels it only once its block is final (a reorg may yet change it). */
    private void onReceipt(Held h, Receipted m, long head) {
        TransactionReceipt r = m.receipt();
        long block = r.getBlockNumber().longValueExact();
        SettlementStore.Mined mined = new SettlementStore.Mined(r.getTransactionHash(), block, r.getGasUsed().longValueExact(),
                r.getEffectiveGasPrice() == null ? BigInteger.ZERO : Numeric.decodeQuantity(r.getEffectiveGasPrice()));
        boolean fin = ConfirmationDepth.isFinal(head, block, chainConfig.confirmations());
        if (m.tx().kind() == TxKind.CANCEL) {
            if (!fin) return;
            List<String> requeued = QuarkusTransaction.requiringNew().call(() -> store.cancelled(h.lease(), m.tx().batchId(), "nonce_filled_by_no_op", mined));
            LOG.warnf("batch %s cancelled by a final no-op at nonce %d; %d cash-outs back in the queue", m.tx().batchId(), m.tx().nonce(), requeued.size());
        } else if (r.isStatusOK()) {
            QuarkusTransaction.requiringNew().run(() -> store.mined(h.lease(), mined));
        } else if (fin) {
            // reverted because a pause landed while it was in flight: not the batch's fault, its cash-outs wait in the queue
            Optional<Boolean> pausedThen = escrowPausedAt(block);
            if (pausedThen.isEmpty()) return; // the node did not answer: looked at again next pass
            if (pausedThen.get()) {
                List<String> requeued = QuarkusTransaction.requiringNew().call(() -> store.revertedWhilePaused(h.lease(), m.tx().batchId(), mined));
                LOG.warnf("batch %s reverted in %s while the escrow was paused; %d cash-outs back in the queue", m.tx().batchId(),
                        r.getTransactionHash(), requeued.size());
                return;
            }
            int failed = QuarkusTransaction.requiringNew().call(() -> store.failed(h.lease(), m.tx().batchId(), mined));
            LOG.warnf("batch %s reverted in %s (gas used %s); %d cash-outs FAILED and released", m.tx().batchId(), r.getTransactionHash(),
                    r.getGasUsed(), failed);
        }
    }

    /** The escrow's {@code paused()} as of the end of {@code block}; empty when the node does not answer. */
    Optional<Boolean> escrowPausedAt(long block) {
        org.web3j.abi.datatypes.Function f = new org.web3j.abi.datatypes.Function("paused", List.of(),
                List.of(new org.web3j.abi.TypeReference<org.web3j.abi.datatypes.Bool>() {}));
        try {
            var call = chain.web3j().ethCall(org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(
                    chain.settler().getAddress(), chain.escrowAddress(), org.web3j.abi.FunctionEncoder.encode(f)),
                    new DefaultBlockParameterNumber(block)).send();
            if (call.hasError()) return Optional.empty();
            var v = org.web3j.abi.FunctionReturnDecoder.decode(call.getValue(), f.getOutputParameters());
            return v.isEmpty() ? Optional.empty() : Optional.of((Boolean) v.get(0).getValue());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** No receipt yet: after {@code replace-after-blocks} blocks, a fee-bumped replacement of the newest transaction at the nonce. */
    private void stuck(Held h, List<SettlementStore.StoredTx> all, long head) {
        SettlementStore.StoredTx last = null;
        for (SettlementStore.StoredTx t : all) {
            if (t.status() == TxStatus.SIGNED) return; // a replacement waits for its broadcast
            if (t.status() == TxStatus.BROADCAST) last = t;
        }
        if (last == null || last.broadcastBlock() == null || head - last.broadcastBlock() < cfg.replaceAfterBlocks()) return;
        replaceWithBump(h, last, marketFees());
    }

    /**
     * A replacement of {@code replaced} at its nonce with both fees bumped above the highest sent at the nonce (and at
     * least the market's), stored to be broadcast; at the ceiling, the lane's alert ({@code fee_ceiling}, once).
     */
    private void replaceWithBump(Held h, SettlementStore.StoredTx replaced, Eip1559Fees market) {
        Eip1559Fees base = store.highestFees(h.address(), replaced.nonce()).orElse(replaced.fees());
        switch (base.bumpedWithin(cfg.feeBumpPercent(), market, cfg.maxFeeCeilingWei())) {
            case Eip1559Fees.Bumped b -> {
                SettlementStore.Batch batch = batchToSignAgain(h, replaced);
                signAndStore(h, replaced.kind(), batch, b.fees(), replaced.nonce(), replaced.id());
            }
            case Eip1559Fees.AtCeiling c -> {
                boolean raised = QuarkusTransaction.requiringNew().call(() -> store.markStalled(replaced, "fee_ceiling",
                        "the next replacement needs " + c.requiredMaxFeePerGasWei() + " wei/gas; the ceiling is " + c.ceilingWei()));
                if (raised) LOG.errorf("settlement stalled on %s nonce %d: fee ceiling reached", h.address(), replaced.nonce());
            }
        }
    }

    /** What a transaction signed again at its nonce carries: its batch's payouts, or nothing for a no-op. */
    private SettlementStore.Batch batchToSignAgain(Held h, SettlementStore.StoredTx tx) {
        return tx.kind() == TxKind.CANCEL ? noOpBatch(h, tx) : batchOf(tx);
    }

    /** A no-op at {@code tx}'s nonce, for its batch. */
    private static SettlementStore.Batch noOpBatch(Held h, SettlementStore.StoredTx tx) {
        return new SettlementStore.Batch(tx.batchId(), 0, null, h.address(), tx.nonce(), List.of(), NO_OP_GAS);
    }

    private SettlementStore.Batch batchOf(SettlementStore.StoredTx tx) {
        return batchOf(tx.batchId());
    }

    private SettlementStore.Batch batchOf(String batchId) {
        return store.batch(batchId).orElseThrow(() -> new IllegalStateException("no batch " + batchId));
    }

    // ---------------------------------------------------------------- healing the lane

    /**
     * Compares the lane with the chain: a transaction the node forgot (not known, no receipt) is sent
     * again; a nonce the chain has consumed (final) by a transaction that is none of ours means the key
     * was used outside the service: the batch can never be mined, its cash-outs go back to the queue
     * and the lane raises its alert. {@code head}: the chain's head as the tick read it (an older head
     * only counts fewer nonces final).
     */
    void heal(Held h, long head) {
        // a transaction seen mined whose batch is not settled yet, and whose receipt is gone: a reorg dropped its block.
        // It is open again (healing re-sends it if the node forgot it); left MINED, nothing would ever send it again.
        Map<Long, Set<String>> blockTxHashes = new HashMap<>();
        for (SettlementStore.MinedTx m : store.minedUnsettled(h.address(), MAX_OPEN_PER_PASS)) {
            SettlementStore.StoredTx t = m.tx();
            // still in the block its receipt named: one header (its transaction hashes) for all of a block's batches, where a
            // receipt each (500 logs) cost the node and the pass far more; else a receipt says whether it was mined elsewhere
            if (blockTxHashes.computeIfAbsent(m.minedBlock(), this::txHashesStrict).contains(t.txHash().toLowerCase(Locale.ROOT))) continue;
            if (receiptStrict(t.txHash()).isPresent()) continue;
            QuarkusTransaction.requiringNew().run(() -> store.unmined(h.lease(), t, head));
            LOG.warnf("%s (batch %s, nonce %d) is no longer mined (a reorg): open again", t.txHash(), t.batchId(), t.nonce());
        }
        long finalCount = transactionCount(h.address(), new DefaultBlockParameterNumber(Math.max(0, head - chainConfig.confirmations() + 1)));
        List<SettlementStore.StoredTx> open = store.open(h.address(), MAX_OPEN_PER_PASS);
        resendForgottenNext(h, open, head);
        for (SettlementStore.StoredTx t : open) {
            if (t.nonce() < finalCount) {
                // a broadcast not yet due for its receipt check: left alone (most are ours, mined; a receipt each pass here
                // cost more than the rest of healing), as the receipt checks leave it
                if (t.status() == TxStatus.BROADCAST && !receiptCheckDue(t, head)) continue;
                List<SettlementStore.StoredTx> all = store.atNonce(h.address(), t.nonce());
                // a lookup that fails says nothing (strict: it throws and this pass decides nothing)
                Optional<Receipted> ours = firstReceiptStrict(all);
                if (ours.isPresent()) {
                    // ours was mined, in a final block: a broadcast one is recorded now, so the receipt checks of this pass do not
                    // read the same receipt (500 logs) again; a SIGNED one (its broadcast's reply lost) is recorded by its broadcast
                    if (ours.get().tx().status() == TxStatus.BROADCAST) {
                        CrashPoints.reach("settlement.before-receipt");
                        onReceipt(h, ours.get(), head);
                    }
                    continue;
                }
                if (settledOnChain(t.batchId())) {
                    // no receipt of the open ones, but the escrow has settled the batch (a no-op's nonce taken by the batch's own
                    // transaction, dropped yet held by the node): requeueing it would pay twice
                    LOG.warnf("nonce %d of %s: no receipt of ours found, but the escrow has settled batch %s; not cancelled", t.nonce(),
                            h.address(), t.batchId());
                    continue;
                }
                List<String> requeued = QuarkusTransaction.requiringNew().call(() -> {
                    store.markStalled(t, "nonce_used_elsewhere", "nonce " + t.nonce() + " was used by a transaction that is not the service's");
                    return store.cancelled(h.lease(), t.batchId(), "nonce_used_elsewhere", null);
                });
                LOG.errorf("nonce %d of %s was used outside the service; batch %s cancelled, %d cash-outs requeued", t.nonce(),
                        h.address(), t.batchId(), requeued.size());
            } else if (receiptCheckDue(t, head) && unknownToNode(t.txHash())) {
                resend(t);
            }
        }
        fillUnfilledCancels(h, finalCount);
    }

    /**
     * The lane's next nonce (the one the chain's latest state expects) broadcast in an earlier block and still not mined:
     * if the node no longer knows it (a node drops a transaction a block finds invalid, or forgets its pool on a
     * restart), every later nonce of the lane waits for it, so it is dealt with now rather than once the receipt checks
     * are due ({@code receipt-check-after-blocks}). Sent again as signed, unless its max fee is under the latest base
     * fee: Anvil drops a transaction that a block finds under its base fee, and would drop it again, so it gets the
     * fee-bumped replacement a stuck transaction gets ({@link #replaceWithBump}). One transaction lookup a pass while
     * the lane's next nonce waits.
     */
    private void resendForgottenNext(Held h, List<SettlementStore.StoredTx> open, long head) {
        Optional<SettlementStore.StoredTx> lowest = open.stream().filter(t -> t.status() == TxStatus.BROADCAST).findFirst();
        if (lowest.isEmpty()) return;
        long nonce = lowest.get().nonce();
        List<SettlementStore.StoredTx> atNonce = open.stream().filter(t -> t.nonce() == nonce).toList();
        if (atNonce.stream().anyMatch(t -> t.status() == TxStatus.SIGNED)) return; // a replacement waits for its broadcast
        SettlementStore.StoredTx t = atNonce.getLast(); // open is in nonce, then id order: the newest at the nonce
        // older ones are the receipt checks' (and healing's loop)
        if (t.broadcastBlock() == null || t.broadcastBlock() >= head || receiptCheckDue(t, head)) return;
        if (nonce != transactionCount(h.address(), DefaultBlockParameterName.LATEST) || !unknownToNode(t.txHash())) return;
        BigInteger baseFeeWei = latestBaseFeeWei();
        if (t.maxFeePerGasWei().compareTo(baseFeeWei) >= 0) {
            resend(t);
            return;
        }
        LOG.warnf("%s (nonce %d) is no longer known to the node and its max fee %s is under the base fee %s: replaced", t.txHash(),
                nonce, t.maxFeePerGasWei(), baseFeeWei);
        replaceWithBump(h, t, marketFees(baseFeeWei));
    }

    /**
     * A cancelled batch's nonce that no no-op holds yet (none fitted under the ceiling, or the node refused it): another
     * try. A nonce taken meanwhile (the node held the dropped transaction after all, or the key was used elsewhere)
     * leaves it to the chain: once final, a batch the escrow has not settled can never be, and its cash-outs are requeued.
     */
    private void fillUnfilledCancels(Held h, long finalCount) {
        List<SettlementStore.StoredTx> unfilled = store.unfilledCancels(h.address(), MAX_OPEN_PER_PASS);
        if (unfilled.isEmpty()) return;
        long latestCount = transactionCount(h.address(), DefaultBlockParameterName.LATEST);
        for (SettlementStore.StoredTx t : unfilled) {
            if (t.nonce() >= latestCount) {
                fillWithNoOp(h, t);
            } else if (t.nonce() < finalCount && !settledOnChain(t.batchId())) {
                List<String> requeued = QuarkusTransaction.requiringNew().call(() -> store.cancelled(h.lease(), t.batchId(), "nonce_taken", null));
                LOG.warnf("nonce %d of %s was taken before a no-op filled it; batch %s cancelled, %d cash-outs requeued", t.nonce(),
                        h.address(), t.batchId(), requeued.size());
            }
        }
    }

    private boolean unknownToNode(String txHash) {
        try {
            return chain.web3j().ethGetTransactionByHash(txHash).send().getTransaction().isEmpty() && receipt(txHash).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private void resend(SettlementStore.StoredTx t) {
        try {
            EthSendTransaction r = chain.web3j().ethSendRawTransaction(t.rawTx()).send();
            LOG.infof("re-sent %s (nonce %d), which the node had forgotten: %s", t.txHash(), t.nonce(),
                    r.hasError() ? r.getError().getMessage() : "accepted");
        } catch (IOException e) {
            LOG.warnf("re-sending %s failed: %s", t.txHash(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- chain reads

    Optional<EscrowCapacity> capacity() {
        try {
            return Optional.of(chain.escrowCapacity());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("settlementCapacity() failed: %s", e.getMessage());
            return Optional.empty();
        }
    }

    Eip1559Fees marketFees() {
        return marketFees(latestBaseFeeWei());
    }

    private Eip1559Fees marketFees(BigInteger baseFeeWei) {
        return Eip1559Fees.forBaseFee(baseFeeWei, cfg.priorityFeeWei(), cfg.baseFeeMultiplier(), cfg.maxFeeCeilingWei());
    }

    private BigInteger latestBaseFeeWei() {
        return Eip1559GasProvider.latestBaseFeeWei(chain.web3j());
    }

    private long transactionCount(String address, org.web3j.protocol.core.DefaultBlockParameter at) {
        try {
            return chain.web3j().ethGetTransactionCount(address, at).send().getTransactionCount().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getTransactionCount failed: " + e.getMessage(), e);
        }
    }

    /**
     * The first of the transactions with a receipt, and that receipt; a lookup that fails throws. A SIGNED one is looked at too: its
     * broadcast may have reached the node with the reply lost (mined, even reverted, it is ours, not a foreign use of
     * the nonce); a DROPPED one was refused by the node.
     */
    private Optional<Receipted> firstReceiptStrict(List<SettlementStore.StoredTx> all) {
        for (SettlementStore.StoredTx t : all) {
            if (t.status() == TxStatus.DROPPED) continue;
            Optional<TransactionReceipt> r = receiptStrict(t.txHash());
            if (r.isPresent()) return Optional.of(new Receipted(t, r.get()));
        }
        return Optional.empty();
    }

    /** The escrow's own record (isBatchSettled), whatever the node says of receipts; throws when it cannot be read. */
    private boolean settledOnChain(String batchId) {
        long chainBatchId = batchOf(batchId).chainBatchId();
        try {
            return chain.escrowReader().isBatchSettled(BigInteger.valueOf(chainBatchId)).send();
        } catch (Exception e) {
            throw new IllegalStateException("isBatchSettled(" + chainBatchId + ") failed: " + e.getMessage(), e);
        }
    }

    /** The hashes (lower case) of the transactions in the node's block at this height, none above its head; a failed call throws. */
    private Set<String> txHashesStrict(long block) {
        try {
            var r = chain.web3j().ethGetBlockByNumber(new DefaultBlockParameterNumber(block), false).send();
            if (r.hasError()) throw new IllegalStateException("eth_getBlockByNumber failed: " + r.getError().getMessage());
            if (r.getBlock() == null) return Set.of();
            Set<String> hashes = new HashSet<>();
            for (EthBlock.TransactionResult<?> tx : r.getBlock().getTransactions()) hashes.add(String.valueOf(tx.get()).toLowerCase(Locale.ROOT));
            return hashes;
        } catch (IOException e) {
            throw new IllegalStateException("eth_getBlockByNumber failed: " + e.getMessage(), e);
        }
    }

    /** The receipt, or empty when the node has none; a failed call throws (it says nothing about the receipt). */
    private Optional<TransactionReceipt> receiptStrict(String txHash) {
        try {
            var r = chain.web3j().ethGetTransactionReceipt(txHash).send();
            if (r.hasError()) throw new IllegalStateException("eth_getTransactionReceipt failed: " + r.getError().getMessage());
            return r.getTransactionReceipt();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getTransactionReceipt failed: " + e.getMessage(), e);
        }
    }

    Optional<TransactionReceipt> receipt(String txHash) {
        try {
            return chain.web3j().ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    long headBlock() {
        try {
            return chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_blockNumber failed: " + e.getMessage(), e);
        }
    }

    /** The chain's head, or -1 when the node does not answer (the pass's own steps report that). */
    private long headBlockOrUnknown() {
        try {
            return headBlock();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Waits until the chain's head is past {@code block}, reading it every {@code pollMillis}, at most
     * {@code timeoutMillis}. Whether it is; false when the node does not answer or the thread is interrupted.
     */
    boolean awaitBlockAfter(long block, long pollMillis, long timeoutMillis) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long head = headBlockOrUnknown();
            if (head < 0) return false;
            if (head > block) return true;
            if (System.nanoTime() - deadlineNanos >= 0) return false;
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
