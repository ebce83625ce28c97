package io.microsettle.settlement;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.chain.DevAccounts;
import io.microsettle.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.WebhookReceiver;
import java.math.BigInteger;
import java.time.Duration;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The admin pause on a real chain (Anvil) with settlement driven tick by tick: while paused nothing is batched or
 * broadcast and the escrow is paused on chain; the pause and unpause are audited; afterwards the queued cash-outs
 * settle. And the escrow paused on chain behind the service's back: nothing is sent that would revert; a batch
 * already in flight that reverts because the pause landed first goes back to the queue, not to FAILED.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
                @ResourceArg(name = "adminKey", value = "true")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class SettlementPauseTest extends AbstractChainStepsTest {
    static final String SETTLER = DevAccounts.defaults().settler().getAddress();

    WebhookReceiver receiver;
    String webhookSecret;
    final String admin = Tokens.of("alice", "admin");
    final String operator = Tokens.of("olga", "operator");

    @BeforeAll
    void startReceiver() {
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    String queued(String ref) {
        return QuarkusTransaction.requiringNew().call(() -> new TestCashouts(ds, ledger).queued(ref, TestCashouts.randomAddress(), 3_000_000, 30_000));
    }

    @Test
    @Order(1)
    void onlyAdminsPauseUnpauseAndRotate() throws Exception {
        for (String who : new String[] {operator, Tokens.integrator("demo"), Tokens.auditor("carol")}) {
            refusedWithoutWrites(db, () -> as(who).body(Map.of("reason", "x")).post("/v1/admin/pause"), 403, "forbidden");
        }
        refusedWithoutWrites(db, () -> as(operator).body(Map.of()).post("/v1/admin/unpause"), 403, "forbidden");
        refusedWithoutWrites(db, () -> as(operator).body(Map.of("keystore", "/nowhere.json")).post("/v1/admin/settlers/rotate"), 403,
                "forbidden");
        refusedWithoutWrites(db, () -> as(Tokens.integrator("demo")).get("/v1/admin/settlement"), 403, "forbidden");
        refusedWithoutWrites(db, () -> io.restassured.RestAssured.given().post("/v1/admin/pause"), 401, "unauthenticated");
        assertThat(chain.escrowPaused()).isFalse();
        as(operator).get("/v1/admin/settlement").then().statusCode(200);

        // the settlement events go to operators' endpoints only
        refusedWithoutWrites(db, () -> as(Tokens.integrator("demo")).body(Map.of("url", receiver.url(), "events", List.of("settlement.paused")))
                .post("/v1/webhooks"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(operator).body(Map.of("url", receiver.url(), "events", List.of("cashout.settled")))
                .post("/v1/webhooks"), 400, "validation_failed");
        JsonNode endpoint = Api.createWebhook(operator, receiver.url(), List.of("settlement.paused", "settlement.unpaused"));
        webhookSecret = endpoint.get("secret").asText();
        // shared by the operators and admins, not seen by integrators
        assertThat(as(admin).get("/v1/webhooks/" + endpoint.get("id").asText()).statusCode()).isEqualTo(200);
        assertThat(as(Tokens.integrator("demo")).get("/v1/webhooks/" + endpoint.get("id").asText()).statusCode()).isEqualTo(404);
        assertThat(as(operator).get("/v1/admin/settlement").jsonPath().getBoolean("paused")).isFalse();
    }

    @Test
    @Order(2)
    void whilePausedNothingIsBatchedOrBroadcastAndAfterUnpauseTheQueueSettles() throws Exception {
        // a batch signed and stored, not yet broadcast, when the pause comes
        String signed = queued("pause-signed");
        assertThat(settlement.createBatches()).isEqualTo(1);
        String signedTx = chain.one("SELECT t.tx_hash FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ?", signed);
        long nonceBefore = chain.pendingNonce(SETTLER);

        String pauseKey = java.util.UUID.randomUUID().toString();
        Response paused = as(admin).header("Idempotency-Key", pauseKey).body(Map.of("reason", "token migration")).post("/v1/admin/pause");
        assertThat(paused.statusCode()).as(paused.asString()).isEqualTo(200);
        assertThat(paused.jsonPath().getBoolean("paused")).isTrue();
        assertThat(paused.jsonPath().getBoolean("escrowPaused")).isTrue();
        assertThat(paused.jsonPath().getString("changedBy")).isEqualTo("admin:alice");
        assertThat(paused.jsonPath().getString("reason")).isEqualTo("token migration");
        String pauseTx = paused.jsonPath().getString("chainTx");
        assertThat(pauseTx).startsWith("0x").hasSize(66);
        assertThat(chain.escrowPaused()).isTrue();
        assertThat(chain.receipt(pauseTx).getFrom()).isEqualToIgnoringCase(DevAccounts.defaults().deployer().getAddress());

        String queuedWhilePaused = queued("pause-queued");
        for (int i = 0; i < 3; i++) {
            settlement.tick();
            Thread.sleep(400);
        }
        assertThat(chain.status(signed)).isEqualTo("BATCHED");
        assertThat(chain.status(queuedWhilePaused)).isEqualTo("QUEUED");
        assertThat(chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", signedTx)).isEqualTo("SIGNED");
        assertThat(chain.web3j.ethGetTransactionByHash(signedTx).send().getTransaction()).isEmpty();
        assertThat(chain.pendingNonce(SETTLER)).isEqualTo(nonceBefore);
        assertThat(as(operator).get("/v1/admin/settlement").jsonPath().getBoolean("paused")).isTrue();

        // the same request with its Idempotency-Key is answered the first response again (admins' keys count too)
        Response replayed = as(admin).header("Idempotency-Key", pauseKey).body(Map.of("reason", "token migration")).post("/v1/admin/pause");
        assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replayed.asString()).isEqualTo(paused.asString());
        // pausing again changes nothing: same record, no second event, no second transaction
        Response again = as(admin).body(Map.of("reason", "again")).post("/v1/admin/pause");
        assertThat(again.statusCode()).as(again.asString()).isEqualTo(200);
        assertThat(again.jsonPath().getBoolean("paused")).isTrue();
        assertThat(again.jsonPath().getString("chainTx")).isEqualTo(pauseTx);
        assertThat(again.jsonPath().getString("reason")).isEqualTo("token migration");
        assertThat(again.jsonPath().getString("changedAt")).isEqualTo(paused.jsonPath().getString("changedAt"));
        assertThat(chain.auditTypes("settlement")).containsExactly("settlement.paused", "settlement.escrow_paused");
        assertThat(chain.one("SELECT (payload_json::jsonb)->>'chainTx' FROM audit_events WHERE type = 'settlement.escrow_paused'"))
                .isEqualTo(pauseTx);
        assertThat(chain.one("SELECT (payload_json::jsonb)->>'reason' FROM audit_events WHERE type = 'settlement.paused'"))
                .isEqualTo("token migration");
        assertThat(chain.one("SELECT actor FROM audit_events WHERE type = 'settlement.paused'")).isEqualTo("admin:alice");

        Response unpaused = as(admin).body(Map.of("reason", "done")).post("/v1/admin/unpause");
        assertThat(unpaused.statusCode()).as(unpaused.asString()).isEqualTo(200);
        assertThat(unpaused.jsonPath().getBoolean("paused")).isFalse();
        assertThat(unpaused.jsonPath().getBoolean("escrowPaused")).isFalse();
        String unpauseTx = unpaused.jsonPath().getString("chainTx");
        assertThat(unpauseTx).startsWith("0x").isNotEqualTo(pauseTx);
        assertThat(chain.escrowPaused()).isFalse();
        // unpausing again: nothing more
        Response unpausedAgain = as(admin).body(Map.of()).post("/v1/admin/unpause");
        assertThat(unpausedAgain.statusCode()).as(unpausedAgain.asString()).isEqualTo(200);
        assertThat(unpausedAgain.jsonPath().getString("chainTx")).isEqualTo(unpauseTx);
        assertThat(chain.auditTypes("settlement")).containsExactly("settlement.paused", "settlement.escrow_paused",
                "settlement.unpaused");
        assertThat(chain.one("SELECT (payload_json::jsonb)->>'chainTx' FROM audit_events WHERE type = 'settlement.unpaused'"))
                .isEqualTo(unpauseTx);

        // operators' webhook endpoints receive the pause and the unpause, once each, signed
        WebhookReceiver.Received pausedHook = receiver.await(r -> r.type().equals("settlement.paused"), 1, Duration.ofSeconds(30)).getFirst();
        WebhookReceiver.Received unpausedHook = receiver.await(r -> r.type().equals("settlement.unpaused"), 1, Duration.ofSeconds(30)).getFirst();
        assertThat(pausedHook.verifies(webhookSecret)).isTrue();
        assertThat(unpausedHook.verifies(webhookSecret)).isTrue();
        assertThat(pausedHook.json().at("/data/paused").asBoolean()).isTrue();
        assertThat(pausedHook.json().at("/data/reason").asText()).isEqualTo("token migration");
        assertThat(pausedHook.json().at("/data/changedBy").asText()).isEqualTo("admin:alice");
        assertThat(unpausedHook.json().at("/data/paused").asBoolean()).isFalse();
        assertThat(unpausedHook.json().at("/data/chainTx").asText()).isEqualTo(unpauseTx);

        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(signed).equals("SETTLED")
                && chain.status(queuedWhilePaused).equals("SETTLED"))).isTrue();
        assertThat(receiver.received().stream().filter(r -> r.type().startsWith("settlement.")).map(r -> r.json().get("id").asText())
                .distinct().count()).as("one event each").isEqualTo(2);
        // the transaction signed before the pause is the one that settled
        assertThat(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", signed)).isEqualTo(signedTx);
        assertThat(chain.receipt(signedTx).isStatusOK()).isTrue();
    }

    @Test
    @Order(3)
    void anEscrowPausedOnChainBehindTheServicesBackGetsNoTransaction() throws Exception {
        String signed = queued("chainpause-signed");
        assertThat(settlement.createBatches()).isEqualTo(1);
        String signedTx = chain.one("SELECT t.tx_hash FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ?", signed);
        chain.devAdmin().setPaused(ChainTestResource.deployment.escrow(), true);
        long nonceBefore = chain.pendingNonce(SETTLER);
        long txsBefore = chain.count("SELECT count(*) FROM settlement_txs");

        String queuedWhilePaused = queued("chainpause-queued");
        for (int i = 0; i < 3; i++) {
            settlement.tick();
            Thread.sleep(400);
        }
        assertThat(chain.pendingNonce(SETTLER)).as("no transaction sent while the escrow is paused").isEqualTo(nonceBefore);
        assertThat(chain.count("SELECT count(*) FROM settlement_txs")).isEqualTo(txsBefore);
        assertThat(chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", signedTx)).isEqualTo("SIGNED");
        assertThat(chain.status(signed)).isEqualTo("BATCHED");
        assertThat(chain.status(queuedWhilePaused)).isEqualTo("QUEUED");
        assertThat(chain.count("SELECT count(*) FROM settlement_txs WHERE status = 'REVERTED'")).isZero();
        // operators see that the escrow is paused though the service is not
        Response state = as(operator).get("/v1/admin/settlement");
        assertThat(state.jsonPath().getBoolean("paused")).isFalse();
        assertThat(state.jsonPath().getBoolean("escrowPaused")).isTrue();

        chain.devAdmin().setPaused(ChainTestResource.deployment.escrow(), false);
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(signed).equals("SETTLED")
                && chain.status(queuedWhilePaused).equals("SETTLED"))).isTrue();
        assertThat(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", signed)).isEqualTo(signedTx);
    }

    @Test
    @Order(4)
    void aBatchThatRevertsBecauseAPauseLandedFirstIsRequeuedNotFailed() throws Exception {
        String co = queued("pause-inflight");
        String account = chain.one("SELECT account_id FROM cashouts WHERE id = ?", co);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String batchId = chain.one("SELECT batch_id FROM cashouts WHERE id = ?", co);
        String payoutId = chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", co);
        BigInteger maxFee = new BigInteger(chain.one("SELECT max_fee_per_gas_wei::text FROM settlement_txs WHERE batch_id = ?", batchId));
        String settleTx;
        chain.rpc("evm_setAutomine", List.of(false));
        chain.rpc("evm_setIntervalMining", List.of(0));
        try {
            assertThat(settlement.broadcastStored()).isEqualTo(1);
            settleTx = chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", co);
            // the next block's base fee is above the batch's max fee: only the pauser's transaction (paying more) gets in
            Credentials pauser = DevAccounts.defaults().deployer();
            BigInteger high = maxFee.multiply(BigInteger.valueOf(105)).divide(BigInteger.valueOf(100));
            RawTransaction pause = RawTransaction.createTransaction(DevAccounts.DEV_CHAIN_ID, BigInteger.valueOf(chain.pendingNonce(pauser.getAddress())),
                    BigInteger.valueOf(100_000), ChainTestResource.deployment.escrow(), BigInteger.ZERO,
                    FunctionEncoder.encode(new Function("pause", List.of(), List.of())), high, high.multiply(BigInteger.TWO));
            String pauseTx = chain.web3j.ethSendRawTransaction(Numeric.toHexString(TransactionEncoder.signMessage(pause, pauser))).send()
                    .getTransactionHash();
            chain.rpc("anvil_setNextBlockBaseFeePerGas", List.of("0x" + high.toString(16)));
            chain.rpc("evm_mine", List.of());
            assertThat(chain.receipt(pauseTx).isStatusOK()).isTrue();
            assertThat(chain.web3j.ethGetTransactionReceipt(settleTx).send().getTransactionReceipt()).isEmpty();
        } finally {
            chain.rpc("evm_setIntervalMining", List.of(1));
        }
        // the base fee falls again: the batch (re-sent as stored if the node dropped it meanwhile) is mined after the pause, and reverts
        assertThat(chain.escrowPaused()).isTrue();
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.one("SELECT status FROM settlement_batches WHERE id = ?", batchId)
                .equals("CANCELLED"))).isTrue();
        assertThat(chain.status(co)).as("back in the queue, not FAILED").isEqualTo("QUEUED");
        String reverted = chain.one("SELECT tx_hash FROM settlement_txs WHERE batch_id = ? AND status = 'REVERTED'", batchId);
        assertThat(chain.receipt(reverted).isStatusOK()).isFalse();
        assertThat(chain.count("SELECT count(*) FROM settlement_txs WHERE batch_id = ? AND nonce = (SELECT nonce FROM settlement_txs "
                + "WHERE tx_hash = ?)", batchId, settleTx)).as("the same nonce").isPositive();
        assertThat(ledger.balances(account).heldBaseUnits()).as("the hold is kept").isEqualTo(3_000_000);
        assertThat(chain.auditTypes(co)).doesNotContain("cashout.failed").contains("cashout.requeued");
        assertThat(chain.one("SELECT (payload_json::jsonb)->>'reason' FROM audit_events WHERE type = 'batch.cancelled' AND subject = ?", batchId))
                .isEqualTo("reverted_while_paused");

        chain.devAdmin().setPaused(ChainTestResource.deployment.escrow(), false);
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(co).equals("SETTLED"))).isTrue();
        assertThat(chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", co)).isNotEqualTo(payoutId);
        assertThat(ledger.balances(account).heldBaseUnits()).isZero();
    }
}
