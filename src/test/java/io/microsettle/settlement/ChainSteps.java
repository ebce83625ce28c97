package io.microsettle.settlement;

import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.ContractDeployer;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.infra.Db;
import io.microsettle.reconcile.ReconcileService;
import io.microsettle.testsupport.DbRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * What the admin and batches tests do on the chain and in the database while they drive settlement and
 * reconciliation tick by tick (schedulers off): read rows, read the escrow, run the pipeline until a condition holds.
 */
final class ChainSteps implements AutoCloseable {
    static final Duration SETTLE_WITHIN = Duration.ofSeconds(40);
    static final Duration RECONCILE_WITHIN = Duration.ofSeconds(30);

    /** A JSON-RPC answer whose result is read as it comes (Anvil's evm_ and anvil_ methods). */
    public static class StringResponse extends org.web3j.protocol.core.Response<Object> {}

    final HttpService http = new HttpService(ChainTestResource.rpcUrl);
    final Web3j web3j = Web3j.build(http);
    private final AgroalDataSource ds;
    private final DbRows rows;

    ChainSteps(AgroalDataSource ds, DbRows rows) {
        this.ds = ds;
        this.rows = rows;
    }

    /** One column of the first row, as text, or null without a row (queries of the audit log first wait for the sealer). */
    String one(String sql, Object... args) {
        if (sql.contains("audit_")) rows.awaitAuditSealed();
        return QuarkusTransaction.requiringNew().call(() -> {
            List<String> r = Db.query(ds, sql, rs -> rs.getString(1), args);
            return r.isEmpty() ? null : r.get(0);
        });
    }

    long count(String sql, Object... args) {
        return Long.parseLong(one(sql, args));
    }

    String status(String cashoutId) {
        return one("SELECT status FROM cashouts WHERE id = ?", cashoutId);
    }

    /** Runs settlement and reconciliation passes until {@code done} holds or the time is up; whether it holds. */
    boolean runUntil(SettlementService settlement, ReconcileService reconcile, BooleanSupplier done) throws InterruptedException {
        return passUntil(SETTLE_WITHIN, () -> {
            settlement.tick();
            reconcile.tick();
        }, done);
    }

    /** Runs reconciliation passes until {@code done} holds or the time is up; whether it holds. */
    boolean reconcileUntil(ReconcileService reconcile, BooleanSupplier done) throws InterruptedException {
        return passUntil(RECONCILE_WITHIN, reconcile::tick, done);
    }

    /** Runs {@code pass} every 300 ms until {@code done} holds or {@code within} is up; whether it holds. */
    private static boolean passUntil(Duration within, Runnable pass, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            pass.run();
            Thread.sleep(300);
        }
        return true;
    }

    /** The settler key calls the escrow directly with {@code data}, at its pending nonce (behind the service's back); the hash. */
    String sendAsSettler(String data) throws Exception {
        var settler = DevAccounts.defaults().settler();
        long nonce = pendingNonce(settler.getAddress());
        var raw = org.web3j.crypto.RawTransaction.createTransaction(DevAccounts.DEV_CHAIN_ID, java.math.BigInteger.valueOf(nonce),
                java.math.BigInteger.valueOf(500_000), ChainTestResource.deployment.escrow(), java.math.BigInteger.ZERO, data,
                java.math.BigInteger.valueOf(1_000_000_000L), java.math.BigInteger.valueOf(100_000_000_000L));
        return web3j.ethSendRawTransaction(org.web3j.utils.Numeric.toHexString(
                org.web3j.crypto.TransactionEncoder.signMessage(raw, settler))).send().getTransactionHash();
    }

    /** Moves the service's nonce lanes past what the settler key has sent, so an outside transaction leaves no gap. */
    void keepNonceLanesPast(long nonce) {
        QuarkusTransaction.requiringNew().run(() -> Db.update(ds, "UPDATE nonce_lanes SET next_nonce = GREATEST(next_nonce, ?)", nonce + 1));
    }

    TransactionReceipt receipt(String txHash) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<TransactionReceipt> r = web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
            if (r.isPresent()) return r.get();
            Thread.sleep(200);
        }
        throw new AssertionError("no receipt for " + txHash);
    }

    /** The transactions {@code address} has sent, pending ones included. */
    long pendingNonce(String address) throws Exception {
        return web3j.ethGetTransactionCount(address, DefaultBlockParameterName.PENDING).send().getTransactionCount().longValueExact();
    }

    SettlementEscrow escrow() {
        return SettlementEscrow.load(ChainTestResource.deployment.escrow(), web3j,
                new ReadonlyTransactionManager(web3j, DevAccounts.defaults().deployer().getAddress()), new DefaultGasProvider());
    }

    boolean escrowPaused() throws Exception {
        return escrow().paused().send();
    }

    boolean hasSettlerRole(String address) throws Exception {
        return escrow().hasRole(ContractDeployer.SETTLER_ROLE, address).send();
    }

    /** The dev admin (deployer, the escrow's pauser) acting on the escrow directly, behind the service's back. */
    ContractDeployer devAdmin() {
        return new ContractDeployer(web3j, DevAccounts.defaults().deployer(), DevAccounts.DEV_CHAIN_ID, null);
    }

    List<String> auditTypes(String subject) {
        rows.awaitAuditSealed();
        return QuarkusTransaction.requiringNew().call(() -> Db.query(ds, "SELECT type FROM audit_events WHERE subject = ? ORDER BY seq",
                rs -> rs.getString(1), subject));
    }

    /** A raw JSON-RPC call (Anvil's evm_ and anvil_ methods); its result as text. */
    String rpc(String method, List<Object> params) throws Exception {
        StringResponse r = new org.web3j.protocol.core.Request<>(method, params, http, StringResponse.class).send();
        if (r.hasError()) throw new AssertionError(method + ": " + r.getError().getMessage());
        return String.valueOf(r.getResult());
    }

    /**
     * Broadcasts the batch of {@code cashoutId} (signed, not yet sent) while blocks are mined by hand with a base
     * fee above its max fee, until settlement has replaced it with a fee-bumped transaction; the first hash.
     */
    String broadcastUntilReplaced(SettlementService settlement, String cashoutId) throws Exception {
        java.math.BigInteger maxFee = new java.math.BigInteger(one("SELECT max_fee_per_gas_wei::text FROM settlement_txs t "
                + "JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ?", cashoutId));
        rpc("evm_setAutomine", List.of(false));
        rpc("evm_setIntervalMining", List.of(0));
        try {
            if (settlement.broadcastStored() != 1) throw new AssertionError("the batch of " + cashoutId + " was not broadcast");
            String first = one("SELECT tx_hash FROM cashouts WHERE id = ?", cashoutId);
            String high = "0x" + maxFee.multiply(java.math.BigInteger.valueOf(105)).divide(java.math.BigInteger.valueOf(100)).toString(16);
            long deadline = System.nanoTime() + SETTLE_WITHIN.toNanos();
            while (one("SELECT tx_hash FROM cashouts WHERE id = ?", cashoutId).equals(first)) {
                if (System.nanoTime() > deadline) throw new AssertionError("no replacement of " + first);
                rpc("anvil_setNextBlockBaseFeePerGas", List.of(high));
                rpc("evm_mine", List.of());
                settlement.tick();
            }
            return first;
        } finally {
            rpc("evm_setIntervalMining", List.of(1));
        }
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
