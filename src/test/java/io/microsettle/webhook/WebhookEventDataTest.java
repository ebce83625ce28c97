package io.microsettle.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookEventDataTest {
    static final Instant CREATED = Instant.parse("2026-01-01T10:00:00.123Z");
    static final Instant AT = Instant.parse("2026-01-01T10:05:00.456789Z");
    static final WebhookEventData.CashoutFacts FACTS = new WebhookEventData.CashoutFacts("co_1", "acct_1", "quote_1",
            2_000_000, 300_000, 1_700_000, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            CREATED, "bat_1");

    @Test
    void queuedCarriesTheImmutableFieldsAndNothingFromLater() {
        Map<String, Object> d = WebhookEventData.cashout("cashout.queued", AT,
                WebhookEventData.parsePayload("{\"accountId\":\"acct_1\",\"status\":\"QUEUED\",\"grossBaseUnits\":\"2000000\"}"), FACTS);
        assertThat(d.keySet()).containsExactly("id", "accountId", "quoteId", "status", "gross", "fee", "net", "destination", "wallet",
                "reason", "batchId", "txHash", "blockNumber", "logIndex", "confirmations", "createdAt", "settledAt");
        assertThat(d).containsEntry("id", "co_1").containsEntry("status", "QUEUED").containsEntry("gross", "2000000")
                .containsEntry("fee", "300000").containsEntry("net", "1700000").containsEntry("createdAt", "2026-01-01T10:00:00.123Z")
                .containsEntry("batchId", null).containsEntry("txHash", null).containsEntry("settledAt", null).containsEntry("reason", null);
    }

    @Test
    void heldCarriesItsReasonCodesAndRejectedItsReason() {
        Map<String, Object> held = WebhookEventData.cashout("cashout.held", AT, WebhookEventData.parsePayload(
                "{\"holdFindings\":[{\"reason\":\"new_wallet_large_amount\",\"evidence\":{}},{\"reason\":\"credit_burst_cashout\"}],"
                        + "\"status\":\"HELD\"}"), FACTS);
        assertThat(held).containsEntry("status", "HELD").containsEntry("reason", "new_wallet_large_amount,credit_burst_cashout");
        Map<String, Object> rejected = WebhookEventData.cashout("cashout.rejected", AT, WebhookEventData.parsePayload(
                "{\"decision\":\"REJECTED\",\"reason\":\"rejected_in_review\",\"reasons\":\"denied_destination\"}"), FACTS);
        assertThat(rejected).containsEntry("status", "REJECTED").containsEntry("reason", "rejected_in_review");
    }

    @Test
    void submittedSettledAndFailedCarryTheChainFacts() {
        Map<String, Object> submitted = WebhookEventData.cashout("cashout.submitted", AT, WebhookEventData.parsePayload(
                "{\"from\":\"BATCHED\",\"to\":\"SUBMITTED\",\"txHash\":\"0xabc\",\"batchId\":\"bat_9\"}"), FACTS);
        assertThat(submitted).containsEntry("status", "SUBMITTED").containsEntry("txHash", "0xabc").containsEntry("batchId", "bat_9");
        Map<String, Object> settled = WebhookEventData.cashout("cashout.settled", AT, WebhookEventData.parsePayload(
                "{\"blockHash\":\"0xbh\",\"blockNumber\":1234,\"confirmations\":2,\"fee\":\"300000\",\"from\":\"CONFIRMED\","
                        + "\"ledgerSettled\":true,\"logIndex\":3,\"net\":\"1700000\",\"payoutId\":7,\"to\":\"SETTLED\",\"txHash\":\"0xdef\"}"),
                FACTS);
        assertThat(settled).containsEntry("status", "SETTLED").containsEntry("txHash", "0xdef").containsEntry("blockNumber", 1234L)
                .containsEntry("logIndex", 3L).containsEntry("confirmations", 2L).containsEntry("batchId", "bat_1")
                .containsEntry("settledAt", "2026-01-01T10:05:00.456789Z");
        assertThat(settled).doesNotContainKeys("blockHash", "payoutId", "ledgerSettled");
        Map<String, Object> failed = WebhookEventData.cashout("cashout.failed", AT, WebhookEventData.parsePayload(
                "{\"from\":\"SUBMITTED\",\"to\":\"FAILED\",\"reason\":\"settlement_reverted\",\"txHash\":\"0x1\",\"released\":\"2000000\"}"),
                FACTS);
        assertThat(failed).containsEntry("status", "FAILED").containsEntry("reason", "settlement_reverted")
                .containsEntry("txHash", "0x1").containsEntry("batchId", "bat_1").containsEntry("settledAt", null);
        // a reorg sends the cash-out back to SUBMITTED: no block facts any more
        Map<String, Object> reorged = WebhookEventData.cashout("cashout.submitted", AT, WebhookEventData.parsePayload(
                "{\"from\":\"SETTLED\",\"to\":\"SUBMITTED\",\"forkBlock\":99}"), FACTS);
        assertThat(reorged).containsEntry("status", "SUBMITTED").containsEntry("blockNumber", null).containsEntry("batchId", "bat_1");
    }

    @Test
    void escrowLowIsItsPayload() {
        Map<String, Object> p = Map.of("integratorId", "acme", "headroom", "5", "threshold", "10");
        assertThat(WebhookEventData.escrowLow(p)).isEqualTo(p);
        assertThatThrownBy(() -> WebhookEventData.cashout("escrow.low", AT, p, FACTS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBodyIsIdTypeCreatedAtData() throws Exception {
        String body = WebhookEventData.body("evt_1", "cashout.queued", AT, Map.of("x", List.of(1, "two")));
        assertThat(body).isEqualTo("{\"id\":\"evt_1\",\"type\":\"cashout.queued\",\"createdAt\":\"2026-01-01T10:05:00.456789Z\","
                + "\"data\":{\"x\":[1,\"two\"]}}");
        JsonNode n = new ObjectMapper().readTree(WebhookEventData.body("evt_2", "cashout.settled", AT,
                WebhookEventData.cashout("cashout.settled", AT, Map.of("blockNumber", 5), FACTS)));
        assertThat(n.at("/data/blockNumber").asLong()).isEqualTo(5);
        assertThat(n.at("/data/gross").isTextual()).isTrue();
    }
}
