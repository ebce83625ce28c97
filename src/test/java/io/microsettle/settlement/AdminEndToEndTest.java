package io.microsettle.settlement;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.DevAccounts;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Credentials;

/**
 * Pause and settler rotation with the service's own workers running (schedulers on, Anvil), as an operator
 * sees it through the API: a cash-out requested while paused stays QUEUED through whole settlement passes and
 * settles after the unpause; after a rotation the next cash-out is paid by the new key and the scheduler
 * revokes the old key's role once its transactions are final.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "adminKey", value = "true")})
@Timeout(120)
class AdminEndToEndTest {
    static final String INTEGRATOR = "demo";
    static final Credentials OLD = DevAccounts.defaults().settler();
    static final Credentials NEW = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, 8);

    @Inject AgroalDataSource ds;
    @Inject DbRows db;

    final String admin = Tokens.of("alice", "admin");
    final String operator = Tokens.of("olga", "operator");
    final String integrator = Tokens.integrator(INTEGRATOR);

    @Test
    void pauseHoldsTheQueueThenRotationMovesNewBatchesToTheNewKey() throws Exception {
        try (ChainSteps chain = new ChainSteps(ds, db)) {
            Response paused = as(admin).body(Map.of("reason", "end to end")).post("/v1/admin/pause");
            assertThat(paused.statusCode()).as(paused.asString()).isEqualTo(200);
            assertThat(chain.escrowPaused()).isTrue();

            String whilePaused = cashout();
            awaitSettlementPasses(chain, OLD, 2);
            assertThat(status(whilePaused)).isEqualTo("QUEUED");
            assertThat(Api.json(as(operator).get("/v1/batches").asString()).get("data")).isEmpty();

            Response unpaused = as(admin).body(Map.of()).post("/v1/admin/unpause");
            assertThat(unpaused.statusCode()).as(unpaused.asString()).isEqualTo(200);
            JsonNode settled = AbstractCashoutToSettledTest.waitForStatus(integrator, whilePaused, "SETTLED", Duration.ofSeconds(60));
            assertThat(settled.get("status").asText()).as(settled.toString()).isEqualTo("SETTLED");
            JsonNode batch = Api.json(as(operator).get("/v1/batches/" + settled.get("batchId").asText()).asString());
            assertThat(batch.get("status").asText()).isEqualTo("SETTLED");
            assertThat(batch.get("txHash").asText()).isEqualTo(settled.get("txHash").asText());
            assertThat(chain.receipt(settled.get("txHash").asText()).getFrom()).isEqualToIgnoringCase(OLD.getAddress());

            Response rotated = as(admin).body(Map.of("keystore", ChainTestResource.keystore(ChainTestResource.keysDir, "settler-e2e", NEW)
                    .toString())).post("/v1/admin/settlers/rotate");
            assertThat(rotated.statusCode()).as(rotated.asString()).isEqualTo(200);
            String afterRotation = cashout();
            JsonNode next = AbstractCashoutToSettledTest.waitForStatus(integrator, afterRotation, "SETTLED", Duration.ofSeconds(60));
            assertThat(next.get("status").asText()).as(next.toString()).isEqualTo("SETTLED");
            assertThat(chain.receipt(next.get("txHash").asText()).getFrom()).isEqualToIgnoringCase(NEW.getAddress());

            // the scheduler retires the old key: nothing of it is in flight
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (chain.hasSettlerRole(OLD.getAddress()) && System.nanoTime() < deadline) Thread.sleep(300);
            assertThat(chain.hasSettlerRole(OLD.getAddress())).isFalse();
            JsonNode state = Api.json(as(operator).get("/v1/admin/settlement").asString());
            assertThat(state.get("paused").asBoolean()).isFalse();
            Map<String, String> statuses = new java.util.HashMap<>();
            state.get("settlers").forEach(s -> statuses.put(s.get("address").asText().toLowerCase(Locale.ROOT), s.get("status").asText()));
            assertThat(statuses).containsEntry(OLD.getAddress().toLowerCase(Locale.ROOT), "RETIRED")
                    .containsEntry(NEW.getAddress().toLowerCase(Locale.ROOT), "ACTIVE");
        }
    }

    String cashout() {
        Api.FundedAccount acct = Api.fundedAccount(INTEGRATOR, 3_000_000);
        Response r = Api.cashout(integrator, acct, 1_000_000, null);
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        return r.path("id");
    }

    String status(String cashoutId) {
        return Api.json(as(integrator).get("/v1/cashouts/" + cashoutId).then().statusCode(200).extract().asString()).get("status").asText();
    }

    /**
     * Waits until {@code n} settlement passes have started after now on the key's lane (each pass takes the lane's
     * lease again, moving its expiry; passes never overlap, so the (n-1)th has finished by then).
     */
    void awaitSettlementPasses(ChainSteps chain, Credentials key, int n) throws InterruptedException {
        String lease = "settler:" + DevAccounts.DEV_CHAIN_ID + ":" + key.getAddress().toLowerCase(Locale.ROOT);
        String sql = "SELECT coalesce((SELECT expires_at::text FROM leases WHERE name = ?), '')";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int i = 0; i <= n; i++) {
            String seen = chain.one(sql, lease);
            while (chain.one(sql, lease).equals(seen)) {
                if (System.nanoTime() > deadline) throw new AssertionError("no settlement pass on " + lease + " since " + Instant.now());
                Thread.sleep(200);
            }
        }
    }
}
