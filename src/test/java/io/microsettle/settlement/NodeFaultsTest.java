package io.microsettle.settlement;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevAccounts;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.WebhookReceiver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;

/**
 * The fault suite's node faults, on Anvil behind {@link io.microsettle.testsupport.RpcProxy}, with a
 * real database: the reply to {@code eth_sendRawTransaction} lost after the node accepted it; a node
 * outage (connections refused) long enough to raise {@code settlement.stalled}, and one of 120 s (the stall threshold is
 * configured to 3 s here instead of 60 s, the retry pause to 200 ms doubling up to 1 s); a settler key
 * out of gas (balance set to 0) that alerts the same way and settles once refunded; a nonce gap
 * (a stored transaction the node never got, a later nonce pending); a transaction the node calls never
 * valid (its nonce filled by a no-op); a nonce used outside the service by the settler key; a pause while a
 * batch is signed but not sent. Each case ends with {@link SettlementInvariants}. The alerts are checked where an operator
 * sees them: the outage's {@code settlement.stalled} webhook at an operators' endpoint, and the readiness check
 * ({@code /q/health/ready}) DOWN while each alert is open and UP once it has closed (a {@code cancelled} alert
 * {@value #ALERT_REPORT_MILLIS} ms after its batch ended; {@code nonce_used_elsewhere} once the key is rotated out, so
 * that case runs last: the later batches would go to the new key).
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
        @ResourceArg(name = "proxy", value = "true"), @ResourceArg(name = "pauser", value = "true"),
        @ResourceArg(name = "adminKey", value = "true"),
        @ResourceArg(name = "microsettle.settlement.alert-report-millis", value = "3000"),
        @ResourceArg(name = "microsettle.chain.confirmations", value = "3"),
        @ResourceArg(name = "microsettle.settlement.stall-alert-after-millis", value = "3000"),
        @ResourceArg(name = "microsettle.settlement.broadcast-retry-base-millis", value = "200"),
        @ResourceArg(name = "microsettle.settlement.broadcast-retry-max-millis", value = "1000")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(150)
class NodeFaultsTest extends AbstractFaultTest {
    static final long STALL_AFTER_MILLIS = 3000;
    static final long ALERT_REPORT_MILLIS = 3000;
    final String operator = Tokens.of("olga", "operator");

    @Inject SettlementAdmin admin;
    @Inject io.microsettle.audit.Anchorer anchorer;

    /**
     * An audit anchor the node accepted is sent once, counted at the proxy: waiting for its receipt sends nothing again
     * (before, the first receipt lookup, empty right after the broadcast, sent it a second time, and the node answered
     * "already imported").
     */
    @Test
    void anAnchorTheNodeAcceptedIsSentOnce() throws Exception {
        proxy().healthy();
        String co = queue("anchor-once", 1_000_000);
        assertThat(settlement.createBatches()).as("a batch: audit events for the anchorer to anchor").isEqualTo(1);
        rows.awaitAuditSealed();
        io.microsettle.audit.Anchorer.TickResult r = anchorer.tick();
        assertThat(r.outcome()).as("" + r).isIn(io.microsettle.audit.Anchorer.Outcome.ANCHORED, io.microsettle.audit.Anchorer.Outcome.IN_FLIGHT);
        String raw = one("SELECT raw_tx FROM audit_anchors WHERE seq = ?", r.seq());
        assertThat(proxy().forwarded("eth_sendRawTransaction", raw)).as("sends of the anchor's transaction").isEqualTo(1);
        untilFinal(List.of(co), 60); // the batch settles, out of the later cases' way
    }

    @Test
    void aReplyLostAfterTheNodeAcceptedTheTransactionIsNotSentTwiceNorPaidTwice() throws Exception {
        String co = queue("lostreply", 3_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String tx = firstTx(co);
        proxy().dropReplies(Set.of("eth_sendRawTransaction"));
        assertThat(settlement.broadcastStored()).as("accepted broadcasts the service heard of").isZero();
        assertThat(proxy().droppedReplies()).isPositive();
        // the node has it (pending or already mined); the service does not know
        assertThat(nodeKnows(tx) || receipt(tx).isPresent()).isTrue();
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("SIGNED");
        assertThat(status(co)).isEqualTo("BATCHED");
        waitForReceipt(tx); // mined meanwhile: the next broadcast hears "nonce too low" or "already known"

        proxy().healthy();
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertThat(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(tx);
        assertThat(count("SELECT count(*) FROM settlement_txs t JOIN cashouts c ON c.batch_id = t.batch_id WHERE c.id = ?", co))
                .as("transactions signed for the batch").isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'cashout.submitted' AND subject = ?", co)).isEqualTo(1);
        assertInvariants(List.of(co));
    }

    @Test
    void aNodeOutageBacksOffRaisesSettlementStalledAndSettlesOnceTheNodeIsBack() throws Exception {
        awaitReadiness(200); // no alert of an earlier case open
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            JsonNode endpoint = Api.createWebhook(operator, receiver.url(), List.of("settlement.stalled"));
            try {
                outageRaisesOneSignedWebhook(receiver, endpoint.get("secret").asText());
            } finally {
                Api.as(operator).delete("/v1/webhooks/" + endpoint.get("id").asText()).then().statusCode(200);
            }
        }
    }

    void outageRaisesOneSignedWebhook(WebhookReceiver receiver, String secret) throws Exception {
        String co = queue("outage", 4_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String tx = firstTx(co);
        String settler = one("SELECT from_address FROM settlement_txs WHERE tx_hash = ?", tx);
        long nonce = count("SELECT nonce FROM settlement_txs WHERE tx_hash = ?", tx);
        proxy().refuseConnections(true);
        long passes = 0;
        long until = System.currentTimeMillis() + STALL_AFTER_MILLIS + 2000;
        while (System.currentTimeMillis() < until) {
            pass();
            passes++;
            Thread.sleep(100);
        }
        long attempts = count("SELECT broadcast_attempts FROM settlement_txs WHERE tx_hash = ?", tx);
        assertThat(attempts).as("failed broadcasts recorded").isGreaterThanOrEqualTo(2);
        assertThat(attempts).as("backing off: fewer attempts than passes (%d)", passes).isLessThan(passes);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("SIGNED");
        assertThat(one("SELECT (stalled_since IS NOT NULL)::text FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("true");
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'settlement.stalled' AND (payload_json::jsonb)->>'txHash' = ? "
                + "AND (payload_json::jsonb)->>'reason' = 'broadcast_failing'", tx)).as("settlement.stalled raised once").isEqualTo(1);
        assertThat(nodeKnows(tx)).isFalse();
        JsonNode down = settlementReadiness(503);
        assertThat(down.path("status").asText()).isEqualTo("DOWN");
        assertThat(down.at("/data/reason").asText()).isEqualTo("broadcast_failing");
        assertThat(down.at("/data/txHash").asText()).isEqualTo(tx);
        assertThat(down.at("/data/nonce").asLong()).isEqualTo(nonce);
        // the operators' endpoint gets the alert, signed with its secret (the dispatcher does not go through the node)
        WebhookReceiver.Received hook = receiver.await(r -> r.type().equals("settlement.stalled")
                && r.json().at("/data/txHash").asText().equals(tx), 1, Duration.ofSeconds(30)).getFirst();
        assertThat(hook.verifies(secret)).as("signature").isTrue();
        assertThat(hook.header("Microsettle-Event-Type")).isEqualTo("settlement.stalled");
        assertThat(hook.header("Microsettle-Event-Id")).isEqualTo(hook.eventId());
        JsonNode data = hook.json().get("data");
        assertThat(data.get("reason").asText()).isEqualTo("broadcast_failing");
        assertThat(data.get("address").asText()).isEqualToIgnoringCase(settler);
        assertThat(data.get("nonce").asLong()).isEqualTo(nonce);
        assertThat(data.get("batchId").asText()).isEqualTo(one("SELECT batch_id FROM cashouts WHERE id = ?", co));
        assertThat(data.get("detail").asText()).isNotBlank();

        proxy().healthy();
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertThat(one("SELECT (stalled_since IS NULL)::text FROM settlement_txs WHERE tx_hash = ?", tx)).as("alert cleared").isEqualTo("true");
        assertThat(awaitReadiness(200).path("status").asText()).isEqualTo("UP");
        assertThat(receiver.received().stream().filter(r -> r.type().equals("settlement.stalled")
                && r.json().at("/data/txHash").asText().equals(tx))).as("one delivery of the alert").hasSize(1);
        assertInvariants(List.of(co));
    }

    /**
     * The named case: 120 s of node outage, past the 50 failed broadcasts (about 100 s) after which a stored
     * transaction used to be abandoned for ever. Here (retry pause 200 ms doubling up to 1 s) that is well over 50.
     */
    @Test
    @Timeout(300)
    void aNodeOutageOf120SecondsNeverAbandonsTheTransactionAndItSettlesOnceTheNodeIsBack() throws Exception {
        String co = queue("outage120", 2_500_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String tx = firstTx(co);
        proxy().refuseConnections(true);
        long until = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < until) {
            pass();
            Thread.sleep(250);
        }
        assertThat(count("SELECT broadcast_attempts FROM settlement_txs WHERE tx_hash = ?", tx)).as("failed broadcasts").isGreaterThan(50);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("SIGNED");
        assertThat(one("SELECT (next_broadcast_at IS NOT NULL)::text FROM settlement_txs WHERE tx_hash = ?", tx))
                .as("still due to be sent again").isEqualTo("true");
        assertThat(one("SELECT stalled_reason FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("broadcast_failing");
        assertThat(status(co)).isEqualTo("BATCHED");

        proxy().refuseConnections(false);
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertThat(one("SELECT tx_hash FROM cashouts WHERE id = ?", co)).isEqualTo(tx);
        assertInvariants(List.of(co));
    }

    @Test
    void aSettlerOutOfGasAlertsAndSettlesOnceRefunded() throws Exception {
        String co = queue("outofgas", 2_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String tx = firstTx(co);
        String settler = one("SELECT from_address FROM settlement_txs WHERE tx_hash = ?", tx);
        String balance = rpc("eth_getBalance", List.of(settler, "latest"));
        rpc("anvil_setBalance", List.of(settler, "0x0"));
        try {
            long until = System.currentTimeMillis() + STALL_AFTER_MILLIS + 2000;
            while (System.currentTimeMillis() < until) {
                pass();
                Thread.sleep(100);
            }
            assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("SIGNED");
            assertThat(one("SELECT last_error FROM settlement_txs WHERE tx_hash = ?", tx)).containsIgnoringCase("insufficient funds");
            assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'settlement.stalled' AND (payload_json::jsonb)->>'txHash' = ? "
                    + "AND (payload_json::jsonb)->>'reason' = 'broadcast_failing'", tx)).as("settlement.stalled raised once").isEqualTo(1);
        } finally {
            rpc("anvil_setBalance", List.of(settler, balance)); // refunded
        }
        untilFinal(List.of(co), 60);
        assertThat(status(co)).isEqualTo("SETTLED");
        assertInvariants(List.of(co));
    }

    @Test
    void aRevertedTransactionWhoseReplyWasLostFailsItsBatchAndIsNotTakenForAForeignUseOfTheNonce() throws Exception {
        // the "unfunded" integrator's funder has no deposit in the escrow: its batch reverts
        String co = queue("unfunded", "lostrevert", 2_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String tx = firstTx(co);
        String batch = one("SELECT batch_id FROM cashouts WHERE id = ?", co);
        proxy().dropReplies(Set.of("eth_sendRawTransaction"));
        assertThat(settlement.broadcastStored()).isZero();
        long mined = waitForReceipt(tx).getBlockNumber().longValueExact();
        assertThat(receipt(tx).orElseThrow().isStatusOK()).as("reverted").isFalse();
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("SIGNED");
        while (head() < mined + CONFIRMATIONS) Thread.sleep(200); // final before the service looks again

        proxy().healthy();
        untilFinal(List.of(co), 60);
        // ours, reverted: the batch FAILED and the hold released, not requeued as if someone else had used the nonce
        assertThat(status(co)).isEqualTo("FAILED");
        assertThat(one("SELECT status FROM settlement_batches WHERE id = ?", batch)).isEqualTo("FAILED");
        assertThat(one("SELECT batch_id FROM cashouts WHERE id = ?", co)).isEqualTo(batch);
        assertThat(usedElsewhereAlerts(tx)).isZero();
        assertThat(count("SELECT count(*) FROM ledger_entries WHERE cashout_id = ? AND kind = 'RELEASE'", co)).isEqualTo(1);
        assertInvariants(List.of(co));
    }

    @Test
    void aTransactionTheNodeCallsNeverValidIsReplacedByANoOpAndItsCashoutSettlesInANewBatch() throws Exception {
        awaitReadiness(200); // no alert of an earlier case open
        Batched b = batchedOne("nevervalid");
        String tx = b.txHash();

        proxy().refuseTransaction(tx, "intrinsic gas too low"); // as a node words a transaction that can never be mined
        assertThat(settlement.broadcastStored()).isZero();
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("DROPPED");
        assertThat(one("SELECT stalled_reason FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("cancelled");
        String noOp = one("SELECT tx_hash FROM settlement_txs WHERE batch_id = ? AND kind = 'CANCEL'", b.batchId());
        assertThat(noOp).as("a no-op signed for the nonce").isNotNull();
        assertThat(count("SELECT nonce FROM settlement_txs WHERE tx_hash = ?", noOp)).isEqualTo(b.nonce());
        // reported while the no-op is not final (not even sent yet)
        JsonNode down = settlementReadiness(503);
        assertThat(down.at("/data/reason").asText()).isEqualTo("cancelled");
        assertThat(down.at("/data/txHash").asText()).isEqualTo(tx);
        assertThat(down.at("/data/nonce").asLong()).isEqualTo(b.nonce());
        assertThat(down.at("/data/detail").asText()).contains("intrinsic gas too low");

        proxy().healthy();
        // the no-op took the nonce (mined, final), the batch was cancelled, and a later batch paid the cash-out
        assertPaidByALaterBatch(b);
        assertThat(receipt(noOp)).isPresent();
        // the batch has ended: reported for alert-report-millis more, then readiness is UP
        assertThat(awaitReadiness(200).path("status").asText()).isEqualTo("UP");
    }

    @Test
    @Order(Integer.MAX_VALUE) // it rotates the settler key out
    void aNonceUsedOutsideTheServiceCancelsItsBatchAndTheCashoutSettlesInANewOne() throws Exception {
        awaitReadiness(200); // no alert of an earlier case open
        Batched b = batchedOne("elsewhere");
        String tx = b.txHash();

        // someone with the settler key sends another transaction at that nonce, straight to the node, before the service does
        Credentials settler = DevAccounts.defaults().settler();
        BigInteger maxFee = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
        RawTransaction other = RawTransaction.createEtherTransaction(web3j.ethChainId().send().getChainId().longValueExact(),
                BigInteger.valueOf(b.nonce()), BigInteger.valueOf(21_000), settler.getAddress(), BigInteger.ZERO, BigInteger.ONE, maxFee);
        String otherTx = web3j.ethSendRawTransaction(Numeric.toHexString(TransactionEncoder.signMessage(other, settler))).send()
                .getTransactionHash();
        long mined = waitForReceipt(otherTx).getBlockNumber().longValueExact();
        while (head() < mined + CONFIRMATIONS) Thread.sleep(200); // final

        assertPaidByALaterBatch(b);
        assertThat(one("SELECT stalled_reason FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("nonce_used_elsewhere");
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", tx)).isEqualTo("REPLACED");
        assertThat(usedElsewhereAlerts(tx)).isEqualTo(1);

        // reported while the key is an active settler of the service, whatever else settles meanwhile
        JsonNode down = settlementReadiness(503);
        assertThat(down.at("/data/reason").asText()).isEqualTo("nonce_used_elsewhere");
        assertThat(down.at("/data/address").asText()).isEqualTo(settler.getAddress().toLowerCase(Locale.ROOT));
        assertThat(down.at("/data/nonce").asLong()).isEqualTo(b.nonce());
        assertThat(down.at("/data/txHash").asText()).isEqualTo(tx);
        // what the operator does: rotate the key out; the alert closes with it
        Credentials next = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, 6);
        Response rotated = Api.as(Tokens.of("alice", "admin"))
                .body(Map.of("keystore", ChainTestResource.keystore(ChainTestResource.keysDir, "settler-rotated", next).toString()))
                .post("/v1/admin/settlers/rotate");
        assertThat(rotated.statusCode()).as(rotated.asString()).isEqualTo(200);
        JsonNode up = settlementReadiness(200);
        assertThat(up.path("status").asText()).isEqualTo("UP");
        assertThat(up.at("/data/alerts").asLong()).isZero();
    }

    @Test
    void aNonceGapIsFilledByTheStoredTransactionAndBothSettle() throws Exception {
        String first = queue("gap1", 2_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String second = queue("gap2", 2_500_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String txA = firstTx(first), txB = firstTx(second);
        long nonceA = count("SELECT nonce FROM settlement_txs WHERE tx_hash = ?", txA);
        assertThat(count("SELECT nonce FROM settlement_txs WHERE tx_hash = ?", txB)).isEqualTo(nonceA + 1);

        proxy().refuseTransaction(txA); // the lower nonce never reaches the node
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txA)).isEqualTo("SIGNED");
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txB)).isEqualTo("BROADCAST");
        assertThat(nodeKnows(txA)).isFalse();
        // the later nonce waits in the node's pool behind the gap
        long h = head();
        while (head() < h + 3) Thread.sleep(200);
        assertThat(receipt(txB)).isEmpty();

        proxy().healthy();
        untilFinal(List.of(first, second), 60);
        assertThat(status(first)).isEqualTo("SETTLED");
        assertThat(status(second)).isEqualTo("SETTLED");
        assertThat(receipt(txA).orElseThrow().getBlockNumber().longValueExact())
                .isLessThanOrEqualTo(receipt(txB).orElseThrow().getBlockNumber().longValueExact());
        assertInvariants(List.of(first, second));
    }

    @Test
    void aPauseWhileABatchIsSignedSendsNothingUntilUnpausedThenEverythingSettles() throws Exception {
        String a = queue("pause1", 3_000_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String txA = firstTx(a);
        admin.pause("fault-suite", "pause during a batch");
        assertThat(settlement.capacity().orElseThrow().paused()).as("escrow paused on chain").isTrue();
        String b = queue("pause2", 3_500_000);
        for (int i = 0; i < 6; i++) {
            pass();
            Thread.sleep(300);
        }
        assertThat(one("SELECT status FROM settlement_txs WHERE tx_hash = ?", txA)).isEqualTo("SIGNED");
        assertThat(nodeKnows(txA)).as("nothing sent while paused").isFalse();
        assertThat(status(a)).isEqualTo("BATCHED");
        assertThat(status(b)).as("nothing batched while paused").isEqualTo("QUEUED");
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'settlement.stalled' AND (payload_json::jsonb)->>'txHash' = ?", txA))
                .as("a pause is not a stall").isZero();
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'settlement.paused'")).isPositive();

        admin.unpause("fault-suite", "resume");
        assertThat(settlement.capacity().orElseThrow().paused()).isFalse();
        untilFinal(List.of(a, b), 60);
        assertThat(status(a)).isEqualTo("SETTLED");
        assertThat(status(b)).isEqualTo("SETTLED");
        assertInvariants(List.of(a, b));
    }

    /** The readiness check's {@code settlement} entry, the whole answer having {@code status}. */
    static JsonNode settlementReadiness(int status) {
        Response r = given().get("/q/health/ready");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(status);
        return settlementCheck(Api.json(r.asString()));
    }

    static JsonNode settlementCheck(JsonNode health) {
        for (JsonNode c : health.path("checks")) if (c.path("name").asText().equals("settlement")) return c;
        throw new AssertionError("no settlement check in " + health);
    }

    /** Readiness as it is once {@code status} is answered (at most 30 s of asking); its settlement entry. */
    static JsonNode awaitReadiness(int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Response r = given().get("/q/health/ready");
        while (r.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(250);
            r = given().get("/q/health/ready");
        }
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(status);
        return settlementCheck(Api.json(r.asString()));
    }

    long usedElsewhereAlerts(String txHash) {
        return count("SELECT count(*) FROM audit_events WHERE type = 'settlement.stalled' "
                + "AND (payload_json::jsonb)->>'reason' = 'nonce_used_elsewhere' AND (payload_json::jsonb)->>'txHash' = ?", txHash);
    }
}
