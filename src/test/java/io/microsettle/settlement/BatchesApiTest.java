package io.microsettle.settlement;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevAccounts;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Keys;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * GET /v1/batches and /v1/batches/{id} for operators and admins, against batches settlement made on a real chain
 * (Anvil): a settled batch of two payouts whose first transaction was replaced (both hashes, fees, gas used and
 * fee paid as the receipt says), a reverted one (FAILED), the status filter and cursor pages; the refusals.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class BatchesApiTest extends AbstractChainStepsTest {
    final String operator = Tokens.of("olga", "operator");
    final String admin = Tokens.of("alice", "admin");

    String queued(String integrator, String ref, long gross, long fee) {
        return QuarkusTransaction.requiringNew().call(() -> new TestCashouts(ds, ledger).queued(integrator, ref, TestCashouts.randomAddress(),
                gross, fee));
    }

    JsonNode get(String token, String path) {
        Response r = as(token).get(path);
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        return Api.json(r.asString());
    }

    @Test
    @Order(1)
    void refusals() {
        for (String who : new String[] {Tokens.integrator("demo"), Tokens.auditor("carol")}) {
            refusedWithoutWrites(db, () -> as(who).get("/v1/batches"), 403, "forbidden");
            refusedWithoutWrites(db, () -> as(who).get("/v1/batches/bat_0123456789abcdef"), 403, "forbidden");
        }
        refusedWithoutWrites(db, () -> io.restassured.RestAssured.given().get("/v1/batches"), 401, "unauthenticated");
        refusedWithoutWrites(db, () -> as(operator).get("/v1/batches/bat_0123456789abcdef"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(admin).get("/v1/batches/bat_nope"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(operator).get("/v1/batches/" + "x".repeat(65)), 400, "validation_failed");
        for (String bad : new String[] {"settled", "NOPE", "SETTLED,FAILED", "REQUESTED"}) {
            String detail = refusedWithoutWrites(db, () -> as(operator).queryParam("status", bad).get("/v1/batches"), 400, "validation_failed");
            assertThat(detail).contains("status");
        }
        for (String bad : new String[] {"0", "101", "-1", "ten"}) {
            refusedWithoutWrites(db, () -> as(operator).queryParam("limit", bad).get("/v1/batches"), 400, "validation_failed");
        }
        refusedWithoutWrites(db, () -> as(operator).queryParam("cursor", "not-a-cursor").get("/v1/batches"), 400, "validation_failed");
    }

    @Test
    @Order(2)
    void aSettledBatchShowsItsPayoutsEveryTransactionAndWhatTheReceiptSaid() throws Exception {
        String a = queued("demo", "batch-a", 3_000_000, 30_000);
        String b = queued("demo", "batch-b", 2_000_000, 20_000);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String batchId = chain.one("SELECT batch_id FROM cashouts WHERE id = ?", a);
        assertThat(chain.one("SELECT batch_id FROM cashouts WHERE id = ?", b)).isEqualTo(batchId);

        // while BATCHED: one signed transaction, nothing mined
        JsonNode batched = get(operator, "/v1/batches/" + batchId);
        assertThat(batched.get("status").asText()).isEqualTo("BATCHED");
        assertThat(batched.get("transactions")).hasSize(1);
        assertThat(batched.at("/transactions/0/status").asText()).isEqualTo("SIGNED");
        assertThat(batched.at("/transactions/0/gasUsed").isNull()).isTrue();

        String first = chain.broadcastUntilReplaced(settlement, a);
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(a).equals("SETTLED") && chain.status(b).equals("SETTLED"))).isTrue();
        String second = chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", a);
        TransactionReceipt receipt = chain.receipt(second);
        // the transaction's row records its receipt once settlement has looked at it
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.one("SELECT status FROM settlement_txs WHERE tx_hash = ?", second)
                .equals("MINED"))).isTrue();

        for (String token : new String[] {operator, admin}) {
            JsonNode v = get(token, "/v1/batches/" + batchId);
            assertThat(v.get("id").asText()).isEqualTo(batchId);
            assertThat(v.get("status").asText()).isEqualTo("SETTLED");
            assertThat(v.get("integratorId").asText()).isEqualTo("demo");
            assertThat(v.get("payoutCount").asInt()).isEqualTo(2);
            List<Long> payoutIds = new ArrayList<>();
            v.get("payoutIds").forEach(n -> payoutIds.add(n.asLong()));
            assertThat(payoutIds).containsExactlyInAnyOrder(Long.parseLong(chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", a)),
                    Long.parseLong(chain.one("SELECT payout_id::text FROM cashouts WHERE id = ?", b)));
            assertThat(v.get("totalNet").asText()).isEqualTo(Long.toString(2_970_000 + 1_980_000));
            assertThat(v.get("totalFee").asText()).isEqualTo("50000");
            String settler = Keys.toChecksumAddress(DevAccounts.defaults().settler().getAddress());
            assertThat(v.get("from").asText()).isEqualTo(settler);
            assertThat(v.get("funder").asText()).isEqualTo(Keys.toChecksumAddress(DevAccounts.defaults().funder().getAddress()));
            assertThat(v.get("txHash").asText()).isEqualTo(second);
            assertThat(v.get("settledBlock").asLong()).isEqualTo(receipt.getBlockNumber().longValueExact());
            assertThat(v.get("nonce").asLong()).isEqualTo(chain.web3j.ethGetTransactionByHash(second).send().getTransaction().orElseThrow()
                    .getNonce().longValueExact());
            assertThat(v.get("createdAt").asText()).isNotBlank();
            assertThat(v.get("finishedAt").asText()).isNotBlank();

            JsonNode txs = v.get("transactions");
            assertThat(txs).hasSize(2);
            JsonNode replaced = txs.get(0), mined = txs.get(1);
            assertThat(replaced.get("txHash").asText()).isEqualTo(first);
            assertThat(replaced.get("status").asText()).isEqualTo("REPLACED");
            assertThat(replaced.get("gasUsed").isNull()).isTrue();
            assertThat(replaced.get("feePaidWei").isNull()).isTrue();
            assertThat(mined.get("txHash").asText()).isEqualTo(second);
            assertThat(mined.get("kind").asText()).isEqualTo("SETTLE");
            assertThat(mined.get("status").asText()).isEqualTo("MINED");
            assertThat(mined.get("from").asText()).isEqualTo(settler);
            assertThat(mined.get("nonce").asLong()).isEqualTo(replaced.get("nonce").asLong()).isEqualTo(v.get("nonce").asLong());
            // the replacement's fees are both at least 10 % above the original's
            assertThat(new BigInteger(mined.get("maxFeePerGasWei").asText()).multiply(BigInteger.TEN))
                    .isGreaterThanOrEqualTo(new BigInteger(replaced.get("maxFeePerGasWei").asText()).multiply(BigInteger.valueOf(11)));
            assertThat(new BigInteger(mined.get("maxPriorityFeePerGasWei").asText()).multiply(BigInteger.TEN))
                    .isGreaterThanOrEqualTo(new BigInteger(replaced.get("maxPriorityFeePerGasWei").asText()).multiply(BigInteger.valueOf(11)));
            // what the receipt says
            assertThat(mined.get("gasUsed").asLong()).isEqualTo(receipt.getGasUsed().longValueExact());
            BigInteger price = Numeric.decodeQuantity(receipt.getEffectiveGasPrice());
            assertThat(mined.get("effectiveGasPriceWei").asText()).isEqualTo(price.toString());
            assertThat(mined.get("feePaidWei").asText()).isEqualTo(price.multiply(receipt.getGasUsed()).toString());
            assertThat(mined.get("minedBlock").asLong()).isEqualTo(receipt.getBlockNumber().longValueExact());
            assertThat(mined.get("gasLimit").asLong()).isGreaterThanOrEqualTo(receipt.getGasUsed().longValueExact());
            assertThat(mined.get("broadcastAt").asText()).isNotBlank();
            assertThat(mined.get("fence").asLong()).isPositive();
        }
    }

    @Test
    @Order(3)
    void listsFilterByStatusAndPageWithCursors() throws Exception {
        // a batch that reverts (its funder has no deposit): FAILED once final
        String failed = queued("unfunded", "batch-revert", 3_000_000, 0);
        assertThat(settlement.createBatches()).isEqualTo(1);
        String failedBatch = chain.one("SELECT batch_id FROM cashouts WHERE id = ?", failed);
        // three more settled batches, one at a time
        List<String> settled = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String co = queued("demo", "batch-list" + i, 1_000_000, 10_000);
            assertThat(settlement.createBatches()).isEqualTo(1);
            settled.add(co);
        }
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(failed).equals("FAILED")
                && settled.stream().allMatch(c -> chain.status(c).equals("SETTLED")))).isTrue();

        List<String> all = chain.one("SELECT string_agg(id, ',' ORDER BY created_at DESC, id DESC) FROM settlement_batches").lines()
                .flatMap(l -> List.of(l.split(",")).stream()).toList();
        assertThat(all).hasSizeGreaterThanOrEqualTo(5);

        // pages of 2, newest first, each batch once
        List<String> paged = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = as(operator).queryParam("limit", "2");
            if (cursor != null) req = req.queryParam("cursor", cursor);
            Response r = req.get("/v1/batches");
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
            JsonNode page = Api.json(r.asString());
            assertThat(page.get("data").size()).isBetween(1, 2);
            page.get("data").forEach(n -> paged.add(n.get("id").asText()));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 50);
        assertThat(paged).containsExactlyElementsOf(all);
        assertThat(pages).isEqualTo((all.size() + 1) / 2);

        // default page: everything here fits in one
        JsonNode whole = get(admin, "/v1/batches");
        assertThat(whole.get("data").size()).isEqualTo(all.size());
        assertThat(whole.get("nextCursor").isNull()).isTrue();

        JsonNode failedOnly = get(operator, "/v1/batches?status=FAILED");
        assertThat(failedOnly.get("data")).hasSize(1);
        assertThat(failedOnly.at("/data/0/id").asText()).isEqualTo(failedBatch);
        // lists carry each batch's transactions too
        assertThat(failedOnly.at("/data/0/transactions/0/status").asText()).isEqualTo("REVERTED");
        whole.get("data").forEach(n -> assertThat(n.get("transactions").size()).as(n.toString()).isPositive());
        JsonNode f = get(operator, "/v1/batches/" + failedBatch);
        assertThat(f.get("status").asText()).isEqualTo("FAILED");
        assertThat(f.at("/transactions/0/status").asText()).isEqualTo("REVERTED");
        assertThat(f.at("/transactions/0/gasUsed").asLong()).isPositive();
        assertThat(f.get("finishedAt").asText()).isNotBlank();

        Set<String> settledBatches = new HashSet<>();
        get(operator, "/v1/batches?status=SETTLED&limit=100").get("data").forEach(n -> {
            assertThat(n.get("status").asText()).isEqualTo("SETTLED");
            settledBatches.add(n.get("id").asText());
        });
        for (String co : settled) assertThat(settledBatches).contains(chain.one("SELECT batch_id FROM cashouts WHERE id = ?", co));
        assertThat(settledBatches).doesNotContain(failedBatch);
        assertThat(get(operator, "/v1/batches?status=CANCELLED").get("data")).isEmpty();
    }
}
