package io.microsettle.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microsettle.infra.ApiException;
import org.junit.jupiter.api.Test;

class DiscrepanciesTest {
    @Test
    void filtersAreExactKindAndStateNames() {
        assertThat(Discrepancies.Kind.param("UNKNOWN_PAYOUT")).isEqualTo(Discrepancies.Kind.UNKNOWN_PAYOUT);
        assertThat(Discrepancies.State.param("ACKNOWLEDGED")).isEqualTo(Discrepancies.State.ACKNOWLEDGED);
        // every kind the matcher reports is a discrepancy kind
        for (PayoutMatcher.Kind k : PayoutMatcher.Kind.values()) assertThat(Discrepancies.Kind.valueOf(k.name())).isNotNull();
        refused(() -> Discrepancies.Kind.param("unknown_payout"), 400, "kind: must be one of");
        refused(() -> Discrepancies.Kind.param(""), 400, "kind: must be one of");
        refused(() -> Discrepancies.State.param("open"), 400, "state: must be one of");
    }

    @Test
    void idsAreDscAndAPositiveNumberElseNotFound() {
        assertThat(Discrepancies.number("dsc_1")).isEqualTo(1);
        assertThat(Discrepancies.number("dsc_123456789012345678")).isEqualTo(123456789012345678L);
        for (String bad : new String[] {null, "", "dsc_", "dsc_0", "dsc_01", "dsc_-1", "1", "dsc_1234567890123456789", "DSC_1", "dsc_1 "}) {
            refused(() -> Discrepancies.number(bad), 404, "discrepancy");
        }
    }

    static void refused(Runnable r, int status, String detail) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.detail()).startsWith(detail);
        });
    }
}
