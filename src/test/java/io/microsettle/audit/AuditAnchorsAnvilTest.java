package io.microsettle.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.settlement.ChainTestResource;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.DefaultGasProvider;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Anchoring on a real Anvil chain and a real PostgreSQL, the anchorer driven tick by tick (schedulers off):
 * anchors appear on chain (read back with the generated wrapper) and match GET /v1/audit/anchors; consistency
 * and inclusion proofs verify against the roots read from the chain's AuditAnchored logs.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class AuditAnchorsAnvilTest {
    @Inject
    Anchorer anchorer;
    @Inject
    DbRows db;
    @Inject
    io.agroal.api.AgroalDataSource ds;
    @Inject
    io.microsettle.settlement.SettlementService settlement;
    @Inject
    io.microsettle.reconcile.ReconcileService reconcile;

    Web3j web3j;
    SettlementEscrow escrow;
    final String auditor = Tokens.auditor("auditor-anchors");

    @BeforeAll
    void connect() {
        web3j = Web3j.build(new HttpService(ChainTestResource.rpcUrl));
        escrow = SettlementEscrow.load(ChainTestResource.deployment.escrow(), web3j, DevAccounts.defaults().deployer(), new DefaultGasProvider());
    }

    @AfterAll
    void close() {
        web3j.shutdown();
    }

    @Test
    @Order(1)
    void anchorsAppearOnChainAndProveConsistencyAndInclusion() throws Exception {
        // nothing to anchor on an empty log... then some events
        Api.fundedAccount("anchors-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        long head1 = db.scalar("SELECT tree_size FROM audit_head");
        assertThat(head1).isPositive();
        Anchorer.TickResult first = anchorUntilAnchored();
        assertThat(first.seq()).isEqualTo(head1);
        assertThat(escrow.lastAnchoredSeq().send()).isEqualTo(BigInteger.valueOf(head1));

        // an idle log (only the anchoring's own event since) is not anchored again
        db.awaitAuditSealed();
        assertThat(anchorer.tick().outcome()).isEqualTo(Anchorer.Outcome.IDLE);

        Api.fundedAccount("anchors-" + UUID.randomUUID(), 2_000);
        db.awaitAuditSealed();
        long head2 = db.scalar("SELECT tree_size FROM audit_head");
        Anchorer.TickResult second = anchorUntilAnchored();
        assertThat(second.seq()).isEqualTo(head2).isGreaterThan(head1);
        assertThat(escrow.lastAnchoredSeq().send()).isEqualTo(BigInteger.valueOf(head2));

        // GET /v1/audit/anchors lists both, as the chain has them (the wrapper decodes the receipts' logs)
        JsonNode page = Api.json(as(auditor).get("/v1/audit/anchors").then().statusCode(200).extract().asString());
        List<JsonNode> anchors = new ArrayList<>();
        page.get("data").forEach(anchors::add);
        assertThat(anchors).hasSize(2);
        for (JsonNode a : anchors) {
            TransactionReceipt r = web3j.ethGetTransactionReceipt(a.get("txHash").asText()).send().getTransactionReceipt().orElseThrow();
            assertThat(r.isStatusOK()).isTrue();
            assertThat(r.getBlockNumber().longValue()).isEqualTo(a.get("blockNumber").asLong());
            var events = SettlementEscrow.getAuditAnchoredEvents(r);
            assertThat(events).hasSize(1);
            assertThat(events.getFirst().seq.longValue()).isEqualTo(a.get("seq").asLong());
            assertThat(HexFormat.of().formatHex(events.getFirst().root)).isEqualTo(a.get("root").asText());
            assertThat(events.getFirst().log.getLogIndex().intValue()).isEqualTo(a.get("logIndex").asInt());
        }
        byte[] root1 = chainRoot(anchors.get(0));
        byte[] root2 = chainRoot(anchors.get(1));
        // pages: a cursor continues after the last seq
        JsonNode p1 = Api.json(as(auditor).queryParam("limit", 1).get("/v1/audit/anchors").then().statusCode(200).extract().asString());
        assertThat(p1.get("data").get(0).get("seq").asLong()).isEqualTo(head1);
        JsonNode p2 = Api.json(as(auditor).queryParam("limit", 1).queryParam("cursor", p1.get("nextCursor").asText())
                .get("/v1/audit/anchors").then().statusCode(200).extract().asString());
        assertThat(p2.get("data").get(0).get("seq").asLong()).isEqualTo(head2);

        // the consistency proof between the two anchored heads verifies against the on-chain roots
        JsonNode c = Api.json(as(auditor).queryParam("from", head1).queryParam("to", head2).get("/v1/audit/anchors/consistency")
                .then().statusCode(200).extract().asString());
        assertThat(MerkleProofs.verifyConsistency(head1, head2, root1, root2, hashes(c.get("proof")))).isTrue();
        assertThat(MerkleProofs.verifyConsistency(head1, head2, root2, root1, hashes(c.get("proof")))).isFalse();
        as(auditor).queryParam("from", head1 + 1).queryParam("to", head2).get("/v1/audit/anchors/consistency")
                .then().statusCode(404).body("code", org.hamcrest.Matchers.equalTo("anchor_not_found"));
        as(auditor).queryParam("from", head2).queryParam("to", head1).get("/v1/audit/anchors/consistency")
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("validation_failed"));

        // every event up to the second head has an inclusion proof to the first anchored head covering it
        for (long seq : List.of(1L, head1, head1 + 1, head2)) {
            JsonNode proof = Api.json(as(auditor).get("/v1/audit/events/" + seq + "/proof").then().statusCode(200).extract().asString());
            long size = proof.get("treeSize").asLong();
            assertThat(size).isEqualTo(seq <= head1 ? head1 : head2);
            byte[] leaf = MerkleTree.auditLeafHash(linkOf(seq));
            assertThat(HexFormat.of().formatHex(leaf)).isEqualTo(proof.get("leafHash").asText());
            assertThat(MerkleProofs.verifyInclusion(leaf, seq - 1, size, hashes(proof.get("proof")), size == head1 ? root1 : root2)).isTrue();
        }
        // the anchoring is audited: one audit.anchored event per anchor, naming its transaction
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'audit.anchored'")).isEqualTo(2);
        assertThat(db.text("SELECT (payload_json::jsonb)->>'txHash' FROM audit_events WHERE type = 'audit.anchored' AND subject = 'anchor:"
                + head2 + "'")).isEqualTo(anchors.get(1).get("txHash").asText());
        // an event past the last anchor has no proof yet
        long last = db.scalar("SELECT seq FROM audit_head");
        assertThat(last).isGreaterThan(head2);
        as(auditor).get("/v1/audit/events/" + last + "/proof").then().statusCode(409)
                .body("code", org.hamcrest.Matchers.equalTo("not_anchored"));
        as(auditor).get("/v1/audit/events/" + (last + 1000) + "/proof").then().statusCode(404);
    }

    @Test
    @Order(2)
    void verifyChecksTheHeadRowAndTheLatestOnChainAnchor() throws Exception {
        Api.fundedAccount("verify-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        long anchored = anchorUntilAnchored().seq();
        db.awaitAuditSealed();
        long head = db.scalar("SELECT seq FROM audit_head");
        assertThat(head).isGreaterThan(anchored);  // the audit.anchored event, not yet anchored itself
        JsonNode ok = verify();
        assertThat(ok.get("ok").asBoolean()).as(ok.toString()).isTrue();
        assertThat(ok.get("count").asLong()).isEqualTo(head);
        assertThat(ok.at("/anchor/seq").asLong()).isEqualTo(anchored);
        assertThat(ok.at("/anchor/root").asText()).isEqualTo(HexFormat.of().formatHex(escrowRoot(anchored)));

        // emptied as the superuser with the triggers off, and the head row forged to the genesis: the chain still pins seq 1..anchored
        tampered(() -> {
            db.execute("TRUNCATE audit_events");
            db.execute("UPDATE audit_head SET seq = 0, hash = repeat('0', 64), tree_size = 0");
        }, v -> {
            assertThat(v.get("firstBadSeq").asLong()).isEqualTo(1);
            assertThat(v.get("detail").asText()).contains("events 1.." + anchored + " are missing");
        });
        // cut at its tail with the head row moved back to the cut: the missing range up to the anchor
        long cut = anchored - 3;
        tampered(() -> {
            db.execute("DELETE FROM audit_events WHERE seq > " + cut);
            db.execute("UPDATE audit_head SET seq = " + cut + ", hash = (SELECT hash FROM audit_events WHERE seq = " + cut + "), tree_size = " + cut);
        }, v -> {
            assertThat(v.get("firstBadSeq").asLong()).isEqualTo(cut + 1);
            assertThat(v.get("detail").asText()).contains("events " + (cut + 1) + ".." + anchored + " are missing");
        });
        // cut past the anchor, head row left alone: the head row names the range
        tampered(() -> db.execute("DELETE FROM audit_events WHERE seq > " + anchored), v -> {
            assertThat(v.get("firstBadSeq").asLong()).isEqualTo(anchored + 1);
            assertThat(v.get("detail").asText()).contains("events " + (anchored + 1) + ".." + head + " are missing");
        });
        // forked: one event rewritten and every hash after it recomputed, head row forged to match: the links and the
        // head agree, the tree anchored on chain does not
        long forkAt = anchored / 2;
        tampered(() -> rewriteFrom(forkAt), v -> {
            assertThat(v.get("firstBadSeq").asLong()).isEqualTo(forkAt);
            assertThat(v.get("detail").asText()).contains("not the one anchored on chain");
        });
        // an edited event (no rehash) is named by the links
        tampered(() -> db.execute("UPDATE audit_events SET actor = actor || '-x' WHERE seq = 2"),
                v -> assertThat(v.get("firstBadSeq").asLong()).isEqualTo(2));
        // restored: ok again
        JsonNode again = verify();
        assertThat(again.get("ok").asBoolean()).as(again.toString()).isTrue();
        assertThat(again.get("count").asLong()).isEqualTo(head);
    }

    @Test
    @Order(3)
    void proofBundleOfASettledCashoutChecksOutAgainstTheChainAlone() throws Exception {
        String token = Tokens.integrator("demo");
        Api.FundedAccount acct = Api.fundedAccount("demo", 5_000_000);
        Response created = Api.cashout(token, acct, 2_000_000, null);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String id = created.path("id");
        as(auditor).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(409)
                .body("code", org.hamcrest.Matchers.equalTo("not_settled"));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!status(token, id).equals("SETTLED") && System.nanoTime() < deadline) {
            settlement.tick();
            reconcile.tick();
            Thread.sleep(300);
        }
        assertThat(status(token, id)).isEqualTo("SETTLED");
        db.awaitAuditSealed();
        as(auditor).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(409)
                .body("code", org.hamcrest.Matchers.equalTo("not_anchored"));
        long anchoredSeq = anchorUntilAnchored().seq();
        JsonNode b = Api.json(as(auditor).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(200).extract().asString());

        // checked with web3j against the chain only, and the plain hashing code: nothing the service computed is taken as is
        assertThat(web3j.ethChainId().send().getChainId().longValue()).isEqualTo(b.get("chainId").asLong());
        assertThat(b.get("escrow").asText()).isEqualToIgnoringCase(ChainTestResource.deployment.escrow());
        assertThat(b.get("token").asText()).isEqualToIgnoringCase(ChainTestResource.deployment.token());
        // the anchor: its AuditAnchored log, read from the chain at the block the bundle names
        JsonNode anchor = b.get("anchor");
        assertThat(anchor.get("seq").asLong()).isEqualTo(anchoredSeq);
        TransactionReceipt anchorReceipt = web3j.ethGetTransactionReceipt(anchor.get("txHash").asText()).send().getTransactionReceipt().orElseThrow();
        assertThat(anchorReceipt.getBlockHash()).isEqualTo(anchor.get("blockHash").asText());
        var anchored = SettlementEscrow.getAuditAnchoredEvents(anchorReceipt).getFirst();
        assertThat(anchored.log.getAddress()).isEqualToIgnoringCase(b.get("escrow").asText());
        assertThat(anchored.seq.longValue()).isEqualTo(anchoredSeq);
        byte[] root = anchored.root;
        // the events: re-hashed, chained, and each included in the anchored tree
        List<String> types = new ArrayList<>();
        for (JsonNode e : b.get("events")) {
            AuditChain.Link l = new AuditChain.Link(e.get("seq").asLong(), java.time.Instant.parse(e.get("at").asText()), e.get("actor").asText(),
                    e.get("type").asText(), e.get("subject").asText(), e.get("payloadJson").asText(), e.get("prevHash").asText(), e.get("hash").asText());
            assertThat(AuditChain.hash(l.seq(), l.at(), l.actor(), l.type(), l.subject(), l.payloadJson(), l.prevHash())).isEqualTo(l.hash());
            byte[] leaf = MerkleTree.auditLeafHash(l);
            assertThat(HexFormat.of().formatHex(leaf)).isEqualTo(e.get("leafHash").asText());
            assertThat(MerkleProofs.verifyInclusion(leaf, l.seq() - 1, anchoredSeq, hashes(e.get("inclusionProof")), root))
                    .as("inclusion of %d", l.seq()).isTrue();
            types.add(l.type());
        }
        assertThat(types).contains("cashout.queued", "batch.created", "cashout.settled");
        // a forged event does not verify against the anchored root
        JsonNode first = b.get("events").get(0);
        AuditChain.Link forged = new AuditChain.Link(first.get("seq").asLong(), java.time.Instant.parse(first.get("at").asText()), "someone-else",
                first.get("type").asText(), first.get("subject").asText(), first.get("payloadJson").asText(), first.get("prevHash").asText(), "");
        assertThat(MerkleProofs.verifyInclusion(MerkleTree.auditLeafHash(forged), forged.seq() - 1, anchoredSeq,
                hashes(first.get("inclusionProof")), root)).isFalse();
        // the payout: receipt status, the log at that block hash and index, payee and amounts
        TransactionReceipt r = web3j.ethGetTransactionReceipt(b.get("txHash").asText()).send().getTransactionReceipt().orElseThrow();
        assertThat(r.isStatusOK()).isTrue();
        assertThat(r.getBlockHash()).isEqualTo(b.get("blockHash").asText());
        assertThat(r.getBlockNumber().longValue()).isEqualTo(b.get("blockNumber").asLong());
        var log = r.getLogs().stream().filter(x -> x.getLogIndex().intValue() == b.get("logIndex").asInt()).findFirst().orElseThrow();
        assertThat(log.getAddress()).isEqualToIgnoringCase(b.get("escrow").asText());
        assertThat(log.getData()).isEqualTo(b.at("/rawLog/data").asText());
        List<String> topics = new ArrayList<>();
        b.at("/rawLog/topics").forEach(t -> topics.add(t.asText()));
        assertThat(log.getTopics()).isEqualTo(topics);
        var payout = SettlementEscrow.getPayoutSettledEventFromLog(log);
        assertThat(payout.payee).isEqualToIgnoringCase(b.at("/cashout/destination").asText()).isEqualToIgnoringCase(acct.walletAddress());
        assertThat(payout.netAmount.toString()).isEqualTo(b.at("/cashout/net").asText()).isEqualTo(b.at("/payoutSettled/netAmount").asText());
        assertThat(payout.feeAmount.toString()).isEqualTo(b.at("/cashout/fee").asText()).isEqualTo(b.at("/payoutSettled/feeAmount").asText());
        assertThat(payout.payoutId.longValue()).isEqualTo(b.at("/cashout/payoutId").asLong());
        assertThat(payout.batchId.longValue()).isEqualTo(b.at("/batch/chainBatchId").asLong());

        as(auditor).get("/v1/audit/cashouts/co_doesnotexist/proof").then().statusCode(404);
        as(token).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(403);

        // an event of the cash-out committed but not chained yet (the sealer held off): no bundle that leaves it out
        try (java.sql.Connection sealerHeldOff = ds.getConnection()) {
            sealerHeldOff.setAutoCommit(false);
            try (var st = sealerHeldOff.createStatement()) {
                st.execute("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE");
            }
            db.execute("INSERT INTO audit_pending (event_id, at, actor, type, subject, payload_json) VALUES ('evt_" + UUID.randomUUID()
                    .toString().replace("-", "") + "', date_trunc('milliseconds', now()), 'test', 'test.unsealed', '" + id + "', '{}')");
            as(auditor).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(409)
                    .body("code", org.hamcrest.Matchers.equalTo("not_anchored"))
                    .body("detail", org.hamcrest.Matchers.containsString("not chained yet"));
            sealerHeldOff.rollback();
        }
        db.awaitAuditSealed();
        // chained now, past the anchor: the bundle waits for the next one
        as(auditor).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(409)
                .body("code", org.hamcrest.Matchers.equalTo("not_anchored"))
                .body("detail", org.hamcrest.Matchers.containsString("is not covered by an anchored head"));
    }

    @Test
    @Order(4)
    void exportListsTheSettledCashoutsOfAPeriodWithTheirCoveringAnchors() throws Exception {
        String settled = db.text("SELECT id FROM cashouts WHERE status = 'SETTLED' ORDER BY settled_at DESC LIMIT 1");
        assertThat(settled).as("test 3 settled one").isNotNull();
        String from = java.time.Instant.now().minus(Duration.ofHours(1)).toString();
        String to = java.time.Instant.now().plus(Duration.ofMinutes(1)).toString();
        Response csv = as(auditor).queryParam("from", from).queryParam("to", to).get("/v1/audit/export");
        assertThat(csv.statusCode()).as(csv.asString()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        List<String> lines = csv.asString().lines().toList();
        String headerRow = lines.stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
        assertThat(headerRow).isEqualTo(String.join(",", SettlementExport.COLUMNS));
        String row = lines.stream().filter(l -> l.startsWith(settled + ",")).findFirst().orElseThrow();
        String[] f = row.split(",", -1);
        JsonNode co = Api.json(as(Tokens.integrator("demo")).get("/v1/cashouts/" + settled).then().statusCode(200).extract().asString());
        assertThat(f[SettlementExport.COLUMNS.indexOf("txHash")]).isEqualTo(co.get("txHash").asText());
        assertThat(f[SettlementExport.COLUMNS.indexOf("net")]).isEqualTo(co.get("net").asText());
        assertThat(f[SettlementExport.COLUMNS.indexOf("blockNumber")]).isEqualTo(co.get("blockNumber").asText());
        // the anchors covering it: the header and the preamble name the last anchor (made after the settlement, in test 3)
        JsonNode latest = Api.json(as(auditor).queryParam("limit", 1000).get("/v1/audit/anchors").then().extract().asString()).get("data");
        JsonNode last = latest.get(latest.size() - 1);
        assertThat(csv.header("Microsettle-Anchors")).contains(last.get("seq").asText() + ":" + last.get("txHash").asText());
        assertThat(lines).anyMatch(l -> l.startsWith("# anchor seq=" + last.get("seq").asText() + " root=" + last.get("root").asText()));

        JsonNode json = Api.json(as(auditor).queryParam("from", from).queryParam("to", to).queryParam("format", "json")
                .get("/v1/audit/export").then().statusCode(200).extract().asString());
        assertThat(json.get("chainId").asLong()).isEqualTo(web3j.ethChainId().send().getChainId().longValue());
        assertThat(json.get("anchors")).anyMatch(a -> a.get("txHash").asText().equals(last.get("txHash").asText()));
        JsonNode r = null;
        for (JsonNode d : json.get("data")) if (d.get("cashoutId").asText().equals(settled)) r = d;
        assertThat(r).isNotNull();
        assertThat(r.get("blockHash").asText()).isEqualTo(db.text("SELECT block_hash FROM cashouts WHERE id = '" + settled + "'"));
        assertThat(r.get("gross").asText()).isEqualTo(co.get("gross").asText());

        // bounded and validated
        as(auditor).queryParam("from", "2026-01-01T00:00:00Z").queryParam("to", "2026-03-01T00:00:00Z").get("/v1/audit/export")
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("period_too_long"));
        as(auditor).queryParam("from", to).queryParam("to", from).get("/v1/audit/export").then().statusCode(400);
        as(auditor).queryParam("from", "yesterday").queryParam("to", to).get("/v1/audit/export").then().statusCode(400);
        as(auditor).queryParam("from", from).queryParam("to", to).queryParam("format", "xml").get("/v1/audit/export").then().statusCode(400);
        as(auditor).queryParam("to", to).get("/v1/audit/export").then().statusCode(400);
    }

    @Test
    @Order(5)
    void aCrashedAnchorerResumesFromTheStoredAnchorWithoutAnchoringTwice() throws Exception {
        // crash after the signed anchor was stored, before it was broadcast: the node has never seen it
        Api.fundedAccount("crash-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        io.microsettle.infra.CrashPoints.arm("anchor.after-store");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> anchorer.tick()).isInstanceOf(io.microsettle.infra.CrashPoints.Crash.class);
        String txHash = db.text("SELECT tx_hash FROM audit_anchors WHERE state = 'SENT'");
        long seq = db.scalar("SELECT seq FROM audit_anchors WHERE state = 'SENT'");
        assertThat(web3j.ethGetTransactionByHash(txHash).send().getTransaction()).isEmpty();
        // the restarted anchorer sends the stored transaction and records it
        assertThat(anchorUntilAnchored().seq()).isEqualTo(seq);
        assertThat(db.text("SELECT tx_hash FROM audit_anchors WHERE seq = " + seq + " AND state = 'ANCHORED'")).isEqualTo(txHash);
        assertThat(escrow.lastAnchoredSeq().send()).isEqualTo(BigInteger.valueOf(seq));

        // crash after the anchor was mined, before it was recorded: recorded once on the next tick, no second transaction
        Api.fundedAccount("crash-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        io.microsettle.infra.CrashPoints.arm("anchor.before-record");
        Anchorer.TickResult r = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                r = anchorer.tick();
            } catch (io.microsettle.infra.CrashPoints.Crash expected) {
                break;
            }
            Thread.sleep(200);
        }
        long seq2 = db.scalar("SELECT seq FROM audit_anchors WHERE state = 'SENT'");
        assertThat(seq2).as(String.valueOf(r)).isGreaterThan(seq);
        assertThat(escrow.lastAnchoredSeq().send()).isEqualTo(BigInteger.valueOf(seq2));
        assertThat(anchorer.tick()).isEqualTo(new Anchorer.TickResult(Anchorer.Outcome.ANCHORED, seq2));
        assertThat(db.scalar("SELECT count(*) FROM audit_anchors WHERE seq = " + seq2)).isEqualTo(1);
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'audit.anchored' AND subject = 'anchor:" + seq2 + "'")).isEqualTo(1);
        JsonNode v = verify();
        assertThat(v.get("ok").asBoolean()).as(v.toString()).isTrue();
        assertThat(v.at("/anchor/seq").asLong()).isEqualTo(seq2);
    }

    String status(String token, String id) {
        return as(token).get("/v1/cashouts/" + id).then().statusCode(200).extract().path("status");
    }

    interface Sql {
        void run() throws Exception;
    }

    /** Tampers as the superuser with the audit triggers off, checks verify fails as expected, and restores the log and head. */
    void tampered(Sql tamper, java.util.function.Consumer<JsonNode> expect) throws Exception {
        db.awaitAuditSealed();
        db.execute("DROP TABLE IF EXISTS audit_events_saved; DROP TABLE IF EXISTS audit_head_saved");
        db.execute("CREATE TABLE audit_events_saved AS SELECT * FROM audit_events; CREATE TABLE audit_head_saved AS SELECT * FROM audit_head");
        db.execute("ALTER TABLE audit_events DISABLE TRIGGER USER");
        try {
            tamper.run();
            JsonNode v = verify();
            assertThat(v.get("ok").asBoolean()).as(v.toString()).isFalse();
            expect.accept(v);
        } finally {
            db.execute("DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM audit_events_saved");
            db.execute("UPDATE audit_head h SET seq = s.seq, hash = s.hash, tree_size = s.tree_size FROM audit_head_saved s");
            db.execute("ALTER TABLE audit_events ENABLE TRIGGER USER");
            db.execute("DROP TABLE audit_events_saved; DROP TABLE audit_head_saved");
        }
    }

    /** Rewrites event {@code from}'s actor and recomputes the chain from there on, moving the head row along. */
    void rewriteFrom(long from) throws Exception {
        List<AuditChain.Link> links = new ArrayList<>();
        long head = db.scalar("SELECT seq FROM audit_head");
        for (long seq = from; seq <= head; seq++) links.add(linkOf(seq));
        String prev = links.getFirst().prevHash();
        for (AuditChain.Link l : links) {
            String actor = l.seq() == from ? l.actor() + "-forged" : l.actor();
            AuditChain.Link n = AuditChain.next(l.seq() - 1, prev, l.at(), actor, l.type(), l.subject(), l.payloadJson());
            db.execute("UPDATE audit_events SET actor = '" + actor + "', prev_hash = '" + n.prevHash() + "', hash = '" + n.hash()
                    + "' WHERE seq = " + l.seq());
            prev = n.hash();
        }
        db.execute("UPDATE audit_head SET hash = '" + prev + "'");
    }

    JsonNode verify() {
        return Api.json(as(auditor).get("/v1/audit/verify").then().statusCode(200).extract().asString());
    }

    /** The root anchored at seq, from the escrow's AuditAnchored log (found by the wrapper's event filter). */
    byte[] escrowRoot(long seq) throws Exception {
        var filter = new org.web3j.protocol.core.methods.request.EthFilter(org.web3j.protocol.core.DefaultBlockParameterName.EARLIEST,
                org.web3j.protocol.core.DefaultBlockParameterName.LATEST, ChainTestResource.deployment.escrow());
        filter.addSingleTopic(org.web3j.abi.EventEncoder.encode(SettlementEscrow.AUDITANCHORED_EVENT));
        for (var lr : web3j.ethGetLogs(filter).send().getLogs()) {
            var ev = SettlementEscrow.getAuditAnchoredEventFromLog((org.web3j.protocol.core.methods.response.Log) lr.get());
            if (ev.seq.longValue() == seq) return ev.root;
        }
        throw new AssertionError("no AuditAnchored log for " + seq);
    }

    // ---------------------------------------------------------------- helpers

    Anchorer.TickResult anchorUntilAnchored() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Anchorer.TickResult r = anchorer.tick();
        while (r.outcome() != Anchorer.Outcome.ANCHORED && System.nanoTime() < deadline) {
            assertThat(r.outcome()).as(r.toString()).isIn(Anchorer.Outcome.SENT, Anchorer.Outcome.IN_FLIGHT);
            Thread.sleep(200);
            r = anchorer.tick();
        }
        assertThat(r.outcome()).as(r.toString()).isEqualTo(Anchorer.Outcome.ANCHORED);
        return r;
    }

    /** The root of an anchor as the chain's AuditAnchored log has it. */
    byte[] chainRoot(JsonNode anchor) throws Exception {
        TransactionReceipt r = web3j.ethGetTransactionReceipt(anchor.get("txHash").asText()).send().getTransactionReceipt().orElseThrow();
        return SettlementEscrow.getAuditAnchoredEvents(r).getFirst().root;
    }

    AuditChain.Link linkOf(long seq) {
        Response r = as(auditor).queryParam("after", seq - 1).queryParam("limit", 1).get("/v1/audit/events");
        JsonNode e = Api.json(r.then().statusCode(200).extract().asString()).get("data").get(0);
        String payloadJson = CanonicalJson.write(new com.fasterxml.jackson.databind.ObjectMapper()
                .convertValue(e.get("payload"), java.util.Map.class));
        return new AuditChain.Link(e.get("seq").asLong(), java.time.Instant.parse(e.get("at").asText()), e.get("actor").asText(),
                e.get("type").asText(), e.get("subject").asText(), payloadJson, e.get("prevHash").asText(), e.get("hash").asText());
    }

    static List<byte[]> hashes(JsonNode hexArray) {
        List<byte[]> out = new ArrayList<>();
        hexArray.forEach(h -> out.add(HexFormat.of().parseHex(h.asText())));
        return out;
    }
}
