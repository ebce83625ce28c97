package io.microsettle.webhook;

import io.microsettle.infra.ApiException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookEventTypesTest {
    @Test
    void auditTypesMapToWebhookTypes() {
        for (String t : List.of("cashout.queued", "cashout.held", "cashout.rejected", "cashout.submitted", "cashout.settled",
                "cashout.failed", "escrow.low")) {
            assertThat(WebhookEventTypes.fromAudit(t)).as(t).contains(t);
        }
        assertThat(WebhookEventTypes.fromAudit("cashout.reorged")).contains("cashout.submitted");
        for (String internal : List.of("cashout.batched", "cashout.confirmed", "batch.created", "account.created", "webhook.created",
                "limits.changed", "chain.reorg", "discrepancy.recorded", "", "CASHOUT.QUEUED")) {
            assertThat(WebhookEventTypes.fromAudit(internal)).as(internal).isEmpty();
        }
        assertThat(Arrays.asList(WebhookEventTypes.auditTypes())).hasSize(11).contains("cashout.reorged", "escrow.low", "settlement.paused",
                "settlement.unpaused", "settlement.stalled");
        assertThat(WebhookEventTypes.isOperatorEvent("settlement.paused")).isTrue();
        assertThat(WebhookEventTypes.isOperatorEvent("escrow.low")).isFalse();
        assertThat(WebhookEventTypes.isCashoutEvent("cashout.settled")).isTrue();
        assertThat(WebhookEventTypes.isCashoutEvent("escrow.low")).isFalse();
    }

    @Test
    void subscriptionsAreKnownDistinctAndNonEmpty() {
        assertThat(WebhookEventTypes.subscription(List.of("cashout.settled", "escrow.low"))).containsExactly("cashout.settled", "escrow.low");
        assertThat(WebhookEventTypes.subscription(WebhookEventTypes.ALL)).hasSize(7);
        assertRefused(null, "events: at least one");
        assertRefused(List.of(), "events: at least one");
        assertRefused(List.of("cashout.queued", "cashout.exploded"), "events[1]: 'cashout.exploded' is not an event type");
        assertRefused(List.of("cashout.reorged"), "events[0]: 'cashout.reorged' is not an event type");
        assertRefused(List.of("cashout.queued", "cashout.queued"), "events[1]: 'cashout.queued' is listed twice");
        assertRefused(java.util.Arrays.asList("cashout.queued", null), "events[1]: is required");
        assertRefused(List.of("a", "b", "c", "d", "e", "f", "g", "h"), "events: at most 7");
        // the settlement events are the operators' alone, and operators take nothing else
        assertRefused(List.of("cashout.queued", "settlement.paused"), "events[1]: 'settlement.paused' is not an event type");
        assertThat(WebhookEventTypes.subscription(List.of("settlement.unpaused", "settlement.paused"), WebhookEventTypes.OPERATOR))
                .containsExactly("settlement.unpaused", "settlement.paused");
        assertThatThrownBy(() -> WebhookEventTypes.subscription(List.of("cashout.settled"), WebhookEventTypes.OPERATOR))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.detail()).startsWith("events[0]: 'cashout.settled' is not"));
    }

    static void assertRefused(List<String> events, String detail) {
        assertThatThrownBy(() -> WebhookEventTypes.subscription(events)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("validation_failed");
            assertThat(e.detail()).startsWith(detail);
        });
    }
}
