package io.microsettle.settlement;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevAccounts;
import io.microsettle.infra.Db;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/**
 * Settler rotation on a real chain (Anvil), settlement driven tick by tick: the new key from a keystore gets
 * SETTLER_ROLE on chain and sends the new batches (the transactions' {@code from}), the old key finishes what it sent
 * and loses its role only once that is final; audited. And a retiring key's batch claimed but not yet signed is
 * still signed and settled by its own lane.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off"),
                @ResourceArg(name = "adminKey", value = "true")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class SettlerRotationTest extends AbstractChainStepsTest {
    /** The configured settler, then two keys rotated in (dev accounts with ether for gas, as an operator funds a new key). */
    static final Credentials A = DevAccounts.defaults().settler();
    static final Credentials B = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, 6);
    static final Credentials C = DevAccounts.derive(DevAccounts.DEFAULT_MNEMONIC, 7);

    @Inject SettlementAdmin settlementAdmin;
    @Inject SettlementStore settlementStore;

    final String admin = Tokens.of("alice", "admin");
    final String operator = Tokens.of("olga", "operator");

    String queued(String ref) {
        return QuarkusTransaction.requiringNew().call(() -> new TestCashouts(ds, ledger).queued(ref, TestCashouts.randomAddress(), 2_000_000, 20_000));
    }

    static String keystore(String name, Credentials key) throws Exception {
        return ChainTestResource.keystore(ChainTestResource.keysDir, name, key).toString();
    }

    static String keystoreUnchecked(String name, Credentials key) {
        try {
            return keystore(name, key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Response rotate(String keystore) {
        return as(admin).body(Map.of("keystore", keystore)).post("/v1/admin/settlers/rotate");
    }

    /** Address (lower case) → status, as GET /v1/admin/settlement shows them. */
    Map<String, JsonNode> settlers() {
        Response r = as(operator).get("/v1/admin/settlement");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        Map<String, JsonNode> out = new HashMap<>();
        Api.json(r.asString()).get("settlers").forEach(s -> out.put(s.get("address").asText().toLowerCase(Locale.ROOT), s));
        return out;
    }

    static String addr(Credentials c) {
        return c.getAddress().toLowerCase(Locale.ROOT);
    }

    String fromOfTx(String cashoutId) throws Exception {
        return chain.receipt(chain.one("SELECT tx_hash FROM cashouts WHERE id = ?", cashoutId)).getFrom().toLowerCase(Locale.ROOT);
    }

    @Test
    @Order(1)
    void badKeystoresAreRefusedWithoutWrites() throws Exception {
        Path wrongPassword = ChainTestResource.keysDir.resolve("wrong-password.json");
        var wallet = org.web3j.crypto.Wallet.createLight("another-password", B.getEcKeyPair());
        org.web3j.protocol.ObjectMapperFactory.getObjectMapper().writeValue(wrongPassword.toFile(), wallet);
        Path notAKeystore = Files.writeString(ChainTestResource.keysDir.resolve("not-a-keystore.json"), "{\"hello\": 1}");
        for (String bad : new String[] {"relative/settler.json", ChainTestResource.keysDir.resolve("missing.json").toString(),
                ChainTestResource.keysDir.toString(), wrongPassword.toString(), notAKeystore.toString(), ""}) {
            String detail = refusedWithoutWrites(db, () -> rotate(bad), 400, "validation_failed");
            assertThat(detail).as(bad).contains("keystore");
        }
        refusedWithoutWrites(db, () -> as(admin).body(Map.of()).post("/v1/admin/settlers/rotate"), 400, "validation_failed");
        // a key with no ether for gas would stall settlement: refused before its role is granted
        Credentials unfunded = Credentials.create(org.web3j.crypto.Keys.createEcKeyPair());
        String detail = refusedWithoutWrites(db, () -> rotate(keystoreUnchecked("settler-unfunded", unfunded)), 409, "settler_unfunded");
        assertThat(detail).contains(unfunded.getAddress());
        assertThat(chain.hasSettlerRole(unfunded.getAddress())).isFalse();
        assertThat(chain.hasSettlerRole(B.getAddress())).isFalse();
    }

    @Test
    @Order(2)
    void theNewKeySendsNewBatchesAndTheOldKeyLosesItsRoleOnceItsTransactionsAreFinal() throws Exception {
        // a batch of the old key in flight when the rotation comes
        String inFlight = queued("rot-inflight");
        assertThat(settlement.createBatches()).isEqualTo(1);
        assertThat(settlement.broadcastStored()).isEqualTo(1);
        assertThat(chain.status(inFlight)).isEqualTo("SUBMITTED");

        Response r = rotate(keystore("settler-b", B));
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        Map<String, JsonNode> keys = settlers();
        assertThat(keys.get(addr(B)).get("status").asText()).isEqualTo("ACTIVE");
        assertThat(keys.get(addr(B)).get("address").asText()).isEqualTo(Keys.toChecksumAddress(B.getAddress()));
        assertThat(keys.get(addr(B)).get("addedBy").asText()).isEqualTo("admin:alice");
        assertThat(keys.get(addr(A)).get("status").asText()).isEqualTo("RETIRING");
        assertThat(keys.get(addr(A)).get("retiringAt").isNull()).isFalse();
        assertThat(chain.hasSettlerRole(B.getAddress())).isTrue();

        // the old key's transaction is not final: its role stays
        settlementAdmin.retireDrained();
        assertThat(chain.hasSettlerRole(A.getAddress())).isTrue();
        assertThat(settlers().get(addr(A)).get("status").asText()).isEqualTo("RETIRING");

        String after = queued("rot-after");
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(inFlight).equals("SETTLED")
                && chain.status(after).equals("SETTLED"))).isTrue();
        assertThat(fromOfTx(inFlight)).isEqualTo(addr(A));
        assertThat(fromOfTx(after)).as("new batches are sent by the new key").isEqualTo(addr(B));
        assertThat(chain.one("SELECT b.from_address FROM settlement_batches b JOIN cashouts c ON c.batch_id = b.id WHERE c.id = ?", after))
                .isEqualTo(addr(B));

        // another replica holds the retirer's lease: this one does not send the revocation, even with the old lane drained
        String retirer = SettlementAdmin.RETIRER_LEASE + chain.count("SELECT chain_id FROM nonce_lanes LIMIT 1");
        db.execute("INSERT INTO leases (name, holder, fence, expires_at, acquired_at) VALUES ('" + retirer + "', 'another-replica', 1, "
                + "now() + interval '1 hour', now()) ON CONFLICT (name) DO UPDATE SET holder = 'another-replica', "
                + "fence = leases.fence + 1, expires_at = now() + interval '1 hour'");
        assertThat(chain.runUntil(settlement, reconcile, () -> settlementStore.laneDrained(addr(A)))).isTrue();
        settlementAdmin.retireDrained();
        assertThat(chain.hasSettlerRole(A.getAddress())).isTrue();
        assertThat(settlers().get(addr(A)).get("status").asText()).isEqualTo("RETIRING");
        db.execute("UPDATE leases SET expires_at = now() WHERE name = '" + retirer + "'"); // that replica is gone

        // once everything the old key sent is final, its role is revoked
        assertThat(chain.runUntil(settlement, reconcile, () -> {
            settlementAdmin.retireDrained();
            return settlers().get(addr(A)).get("status").asText().equals("RETIRED");
        })).isTrue();
        assertThat(chain.hasSettlerRole(A.getAddress())).isFalse();
        assertThat(chain.hasSettlerRole(B.getAddress())).isTrue();
        assertThat(settlers().get(addr(A)).get("retiredAt").isNull()).isFalse();

        assertThat(chain.auditTypes("settler:" + addr(B))).containsExactly("settler.rotated");
        assertThat(chain.auditTypes("settler:" + addr(A))).containsExactly("settler.retired");
        assertThat(chain.one("SELECT actor FROM audit_events WHERE type = 'settler.rotated'")).isEqualTo("admin:alice");
        String revokeTx = chain.one("SELECT (payload_json::jsonb)->>'roleTx' FROM audit_events WHERE type = 'settler.retired'");
        assertThat(chain.receipt(revokeTx).isStatusOK()).isTrue();
        String grantTx = chain.one("SELECT (payload_json::jsonb)->>'roleTx' FROM audit_events WHERE type = 'settler.rotated'");
        assertThat(chain.receipt(grantTx).getFrom()).isEqualToIgnoringCase(DevAccounts.defaults().deployer().getAddress());

        // the retired key's lane is closed: the next batch goes to the new key again
        String later = queued("rot-later");
        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(later).equals("SETTLED"))).isTrue();
        assertThat(fromOfTx(later)).isEqualTo(addr(B));
    }

    @Test
    @Order(3)
    void aRetiringKeysClaimedButUnsignedBatchIsStillSignedAndSettled() throws Exception {
        String claimed = queued("rot-claimed");
        assertThat(settlement.createBatches()).isEqualTo(1);
        String batchId = chain.one("SELECT batch_id FROM cashouts WHERE id = ?", claimed);
        // as if the process had died between the claim and the signature: the batch has a nonce of B, no transaction
        QuarkusTransaction.requiringNew().run(() -> Db.update(ds, "DELETE FROM settlement_txs WHERE batch_id = ?", batchId));
        assertThat(chain.one("SELECT from_address FROM settlement_batches WHERE id = ?", batchId)).isEqualTo(addr(B));

        Response r = rotate(keystore("settler-c", C));
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        assertThat(settlers().get(addr(B)).get("status").asText()).isEqualTo("RETIRING");

        assertThat(chain.runUntil(settlement, reconcile, () -> chain.status(claimed).equals("SETTLED")))
                .as("the retiring lane signs and sends its own batch").isTrue();
        assertThat(fromOfTx(claimed)).isEqualTo(addr(B));
        assertThat(chain.runUntil(settlement, reconcile, () -> {
            settlementAdmin.retireDrained();
            return settlers().get(addr(B)).get("status").asText().equals("RETIRED");
        })).isTrue();
        assertThat(chain.hasSettlerRole(B.getAddress())).isFalse();
        assertThat(chain.hasSettlerRole(C.getAddress())).isTrue();
    }
}
