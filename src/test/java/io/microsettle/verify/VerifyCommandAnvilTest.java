package io.microsettle.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microsettle.Main;
import io.microsettle.audit.Anchorer;
import io.microsettle.audit.AuditChain;
import io.microsettle.reconcile.ReconcileService;
import io.microsettle.settlement.ChainTestResource;
import io.microsettle.settlement.SettlementService;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verify command on a real Anvil chain: a cash-out is settled and anchored by the service (real PostgreSQL), its
 * proof bundle fetched as an auditor would, and then checked by the command run in-process through picocli, with no
 * database and no service involved: the genuine bundle passes (exit 0), and each tampering fails (exit 1) naming what.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "schedulers", value = "off")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class VerifyCommandAnvilTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Anchorer anchorer;
    @Inject
    DbRows db;
    @Inject
    SettlementService settlement;
    @Inject
    ReconcileService reconcile;

    final String auditor = Tokens.auditor("auditor-verify");
    ObjectNode bundle;
    String payee;

    record Run(int exitCode, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        List<String> codes() {
            List<String> codes = new ArrayList<>();
            json().get("mismatches").forEach(m -> codes.add(m.get("code").asText()));
            return codes;
        }
    }

    /** Settles and anchors one cash-out (once; RestAssured has its port only inside a test) and fetches its bundle. */
    ObjectNode bundle() throws Exception {
        if (bundle == null) bundle = settleAndAnchorACashout();
        return bundle;
    }

    ObjectNode settleAndAnchorACashout() throws Exception {
        String token = Tokens.integrator("demo");
        Api.FundedAccount acct = Api.fundedAccount("demo", 5_000_000);
        payee = acct.walletAddress();
        Response created = Api.cashout(token, acct, 2_000_000, null);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String id = created.path("id");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!status(token, id).equals("SETTLED") && System.nanoTime() < deadline) {
            settlement.tick();
            reconcile.tick();
            Thread.sleep(300);
        }
        assertThat(status(token, id)).isEqualTo("SETTLED");
        db.awaitAuditSealed();
        Anchorer.TickResult r = anchorer.tick();
        while (r.outcome() != Anchorer.Outcome.ANCHORED && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = anchorer.tick();
        }
        assertThat(r.outcome()).as(r.toString()).isEqualTo(Anchorer.Outcome.ANCHORED);
        return (ObjectNode) Api.json(as(auditor).get("/v1/audit/cashouts/" + id + "/proof").then().statusCode(200).extract().asString());
    }

    String status(String token, String id) {
        return as(token).get("/v1/cashouts/" + id).then().statusCode(200).extract().path("status");
    }

    // ------------------------------------------------------------------ the genuine bundle

    @Test
    void aGenuineBundleVerifiesAgainstTheChainAlone(@TempDir Path dir) throws Exception {
        bundle();
        Run run = verify(write(dir, bundle), "--json");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.get("ok").asBoolean()).isTrue();
        assertThat(r.get("mismatches")).isEmpty();
        int events = bundle.get("events").size();
        assertThat(r.at("/counts/events").asInt()).isEqualTo(events).isGreaterThanOrEqualTo(3);
        assertThat(r.at("/counts/eventsIncluded").asInt()).isEqualTo(events);
        assertThat(r.at("/counts/anchorsOnChain").asInt()).isEqualTo(1);
        assertThat(r.at("/counts/payoutsMatched").asInt()).isEqualTo(1);
        assertThat(r.at("/counts/logRanges").asInt()).isEqualTo(2);  // one for the anchor, one for the payout: no receipt per payout
        assertThat(r.at("/counts/minConfirmations").asLong()).isPositive();
        assertThat(r.get("chainId").asLong()).isEqualTo(bundle.get("chainId").asLong());
        assertThat(r.get("escrow").asText()).isEqualToIgnoringCase(ChainTestResource.deployment.escrow());
        assertThat(r.get("escrowPinned").asBoolean()).isFalse();

        // the human summary, through the top-level command line as `microsettle verify` runs it, with the escrow pinned
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute("verify", "--rpc", ChainTestResource.rpcUrl, "--proof", write(dir, bundle).toString(),
                "--escrow", ChainTestResource.deployment.escrow(), "--chain-id", bundle.get("chainId").asText());
        assertThat(rc).as(out + err.toString()).isZero();
        assertThat(out.toString()).contains("result   : OK, everything matches the chain", "(pinned with --escrow)",
                "events   : " + events + " re-hashed, " + events + " proven included", "payouts  : 1 of 1 match the chain");
    }

    @Test
    void anUnreachableNodeOrAMissingFileIsNeitherAPassNorAMismatch(@TempDir Path dir) throws Exception {
        bundle();
        Run run = verify(write(dir, bundle), "--rpc", "http://127.0.0.1:" + io.microsettle.testsupport.ServiceProcess.freePort());
        assertThat(run.exitCode()).isEqualTo(VerifyCommand.UNREADABLE);
        assertThat(run.err()).contains("cannot reach the RPC node");
        Run missing = verify(dir.resolve("nope.json"));
        assertThat(missing.exitCode()).isEqualTo(VerifyCommand.UNREADABLE);
        assertThat(missing.err()).contains("no such file");
        Files.writeString(dir.resolve("bad.json"), "{\"cashout\": 1}");
        Run malformed = verify(dir.resolve("bad.json"), "--json");
        assertThat(malformed.exitCode()).isEqualTo(VerifyCommand.MISMATCH);
        assertThat(malformed.codes()).containsExactly("malformed");
    }

    // ------------------------------------------------------------------ tampered events

    @Test
    void anEditedEventIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        // content edited, its stored hash left: the hash does not match the content
        ObjectNode b = bundle.deepCopy();
        ObjectNode e = (ObjectNode) b.get("events").get(0);
        long seq = e.get("seq").asLong();
        e.put("actor", "someone-else");
        Run run = verify(write(dir, b), "--json");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(mismatch(run, "event_hash").get("subject").asText()).isEqualTo("event " + seq);
        assertThat(mismatch(run, "inclusion").get("subject").asText()).isEqualTo("event " + seq);

        // content edited and every hash recomputed to match: only the anchored root can tell, and does
        ObjectNode f = bundle.deepCopy();
        ObjectNode first = (ObjectNode) f.get("events").get(0);
        AuditChain.Link forged = AuditChain.next(seq - 1, first.get("prevHash").asText(), Instant.parse(first.get("at").asText()),
                "someone-else", first.get("type").asText(), first.get("subject").asText(), first.get("payloadJson").asText());
        first.put("actor", forged.actor());
        first.put("hash", forged.hash());
        first.put("leafHash", ChainVerifier.hex(io.microsettle.audit.MerkleTree.auditLeafHash(forged)));
        Run rehashed = verify(write(dir, f), "--json");
        assertThat(rehashed.exitCode()).isEqualTo(1);
        assertThat(rehashed.codes()).doesNotContain("event_hash", "leaf_hash").contains("inclusion");
        assertThat(mismatch(rehashed, "inclusion").get("subject").asText()).isEqualTo("event " + seq);
        assertThat(mismatch(rehashed, "inclusion").get("detail").asText()).contains("anchored on chain");
    }

    // ------------------------------------------------------------------ the payout

    @Test
    void aWrongPayeeIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        ObjectNode b = bundle.deepCopy();
        String other = "0x000000000000000000000000000000000000dEaD";
        ((ObjectNode) b.get("cashout")).put("destination", other);
        Run run = verify(write(dir, b), "--json");
        assertThat(run.exitCode()).isEqualTo(1);
        JsonNode m = mismatch(run, "payee");
        assertThat(m.get("subject").asText()).isEqualTo("cash-out " + bundle.at("/cashout/id").asText());
        assertThat(m.get("detail").asText()).containsIgnoringCase(payee).containsIgnoringCase(other);
        // and the anchored creation event contradicts the file
        assertThat(run.codes()).contains("claim_disagrees");
    }

    @Test
    void aWrongAmountIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        ObjectNode b = bundle.deepCopy();
        ObjectNode co = (ObjectNode) b.get("cashout");
        long net = co.get("net").asLong();
        co.put("net", Long.toString(net + 1));
        co.put("gross", Long.toString(co.get("gross").asLong() + 1));
        Run run = verify(write(dir, b), "--json");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(mismatch(run, "net_amount").get("detail").asText()).contains("says " + net + ", the file says " + (net + 1));
        // a fee that does not add up is named too
        ObjectNode c = bundle.deepCopy();
        ((ObjectNode) c.get("cashout")).put("fee", Long.toString(c.at("/cashout/fee").asLong() + 5));
        Run fee = verify(write(dir, c), "--json");
        assertThat(fee.codes()).contains("fee_amount", "gross_amount");
    }

    @Test
    void aPayoutThatNeverHappenedIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        // a transaction that did not pay it
        String otherTx = "0x" + "cd".repeat(32);
        Run tx = refused(dir, b -> {
            b.put("txHash", otherTx);
            ((ObjectNode) b.get("rawLog")).put("transactionHash", otherTx);
        });
        assertThat(mismatch(tx, "tx_hash").get("detail").asText()).contains(otherTx).containsIgnoringCase(bundle.get("txHash").asText());
        // a payout id the escrow never paid at that log
        long never = bundle.at("/cashout/payoutId").asLong() + 1_000_000;
        Run id = refused(dir, b -> {
            ((ObjectNode) b.get("cashout")).put("payoutId", never);
            ((ObjectNode) b.get("payoutSettled")).put("payoutId", Long.toString(never));
        });
        assertThat(mismatch(id, "payout_id").get("detail").asText()).contains(Long.toString(never));
    }

    @Test
    void aWrongLogIndexOrBlockHashIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        int index = bundle.get("logIndex").asInt();
        Run run = refused(dir, b -> {
            b.put("logIndex", index + 7);
            ((ObjectNode) b.get("rawLog")).put("logIndex", index + 7);
        });
        assertThat(mismatch(run, "payout_missing").get("detail").asText()).contains("no PayoutSettled log at index " + (index + 7));

        String wrongHash = "0x" + "ab".repeat(32);
        Run hash = refused(dir, b -> {
            b.put("blockHash", wrongHash);
            ((ObjectNode) b.get("rawLog")).put("blockHash", wrongHash);
        });
        assertThat(mismatch(hash, "block_hash").get("detail").asText()).contains(wrongHash).contains(bundle.get("blockHash").asText());
    }

    // ------------------------------------------------------------------ the anchor and the escrow

    @Test
    void aRootNotAnchoredIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        // a head the escrow never anchored
        ObjectNode b = bundle.deepCopy();
        long seq = b.at("/anchor/seq").asLong();
        ((ObjectNode) b.get("anchor")).put("seq", seq + 1000);
        Run run = verify(write(dir, b), "--json");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(mismatch(run, "anchor_missing").get("detail").asText()).contains("no head at seq " + (seq + 1000) + " is anchored on chain");

        // the anchored seq with another root
        ObjectNode r = bundle.deepCopy();
        String fake = "cd".repeat(32);
        ((ObjectNode) r.get("anchor")).put("root", fake);
        Run root = verify(write(dir, r), "--json");
        assertThat(root.exitCode()).isEqualTo(1);
        assertThat(mismatch(root, "anchor_root").get("detail").asText()).contains(bundle.at("/anchor/root").asText()).contains(fake);
    }

    @Test
    void aDifferentEscrowIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        // the file names another contract (the token) as its escrow
        ObjectNode b = bundle.deepCopy();
        String token = ChainTestResource.deployment.token();
        b.put("escrow", token);
        Run run = verify(write(dir, b), "--json");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(mismatch(run, "escrow").get("detail").asText()).contains("not the settlement escrow");

        // the genuine file against the escrow the auditor pinned (another address): named, and its logs are not the pinned escrow's
        Run pinned = verify(write(dir, bundle), "--json", "--escrow", token);
        assertThat(pinned.exitCode()).isEqualTo(1);
        assertThat(pinned.codes()).contains("escrow");
        assertThat(mismatch(pinned, "escrow").get("detail").asText()).contains("--escrow pins");

        // a file whose escrow is an account with no code at all
        ObjectNode n = bundle.deepCopy();
        n.put("escrow", payee);
        Run none = verify(write(dir, n), "--json");
        assertThat(mismatch(none, "escrow").get("detail").asText()).contains("there is no contract at");

        // another chain id
        Run chain = verify(write(dir, bundle), "--json", "--chain-id", "1");
        assertThat(mismatch(chain, "chain_id").get("detail").asText()).contains("--chain-id is 1");
    }

    // ------------------------------------------------------------------ consistency

    @Test
    void aConsistencyProofBetweenTwoAnchoredHeadsVerifiesAndAForgedOneIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        long first = bundle.at("/anchor/seq").asLong();
        Api.fundedAccount("verify-" + java.util.UUID.randomUUID(), 1_000);
        db.awaitAuditSealed();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Anchorer.TickResult r = anchorer.tick();
        while (r.outcome() != Anchorer.Outcome.ANCHORED && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = anchorer.tick();
        }
        assertThat(r.outcome()).as(r.toString()).isEqualTo(Anchorer.Outcome.ANCHORED);
        ObjectNode c = (ObjectNode) Api.json(as(auditor).queryParam("from", first).queryParam("to", r.seq())
                .get("/v1/audit/anchors/consistency").then().statusCode(200).extract().asString());
        String escrow = ChainTestResource.deployment.escrow();
        Run ok = verify(write(dir, c), "--json", "--escrow", escrow);
        assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.json().at("/counts/consistencyProofs").asInt()).isEqualTo(1);
        assertThat(ok.json().at("/counts/anchorsOnChain").asInt()).isEqualTo(2);
        // the file names no escrow: without --escrow nothing can be read
        assertThat(verify(write(dir, c), "--json").codes()).contains("escrow");
        // one proof element changed
        ObjectNode forged = c.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) forged.get("proof")).set(0, "ee".repeat(32));
        Run bad = verify(write(dir, forged), "--json", "--escrow", escrow);
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(mismatch(bad, "consistency").get("subject").asText()).isEqualTo("anchors " + first + ".." + r.seq());
    }

    // ------------------------------------------------------------------ the export

    @Test
    void anExportVerifiesAndEachTamperedRowIsNamed(@TempDir Path dir) throws Exception {
        bundle();
        String id = bundle.at("/cashout/id").asText();
        String from = Instant.now().minus(Duration.ofHours(1)).toString();
        String to = Instant.now().plus(Duration.ofMinutes(1)).toString();
        String csv = as(auditor).queryParam("from", from).queryParam("to", to).get("/v1/audit/export").then().statusCode(200)
                .extract().asString();
        String json = as(auditor).queryParam("from", from).queryParam("to", to).queryParam("format", "json").get("/v1/audit/export")
                .then().statusCode(200).extract().asString();
        assertThat(csv).contains(id);

        for (String genuine : List.of(csv, json)) {
            Run ok = verifyExport(dir, genuine, "--json");
            assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
            assertThat(ok.json().get("kind").asText()).isEqualTo("export");
            assertThat(ok.json().at("/counts/payouts").asInt()).isPositive();
            assertThat(ok.json().at("/counts/payoutsMatched").asInt()).isEqualTo(ok.json().at("/counts/payouts").asInt());
            assertThat(ok.json().at("/counts/anchorsOnChain").asInt()).isEqualTo(ok.json().at("/counts/anchors").asInt()).isPositive();
        }
        List<String> lines = new ArrayList<>(csv.lines().toList());
        List<String> header = List.of(lines.stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow().split(","));
        int at = -1;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith(id + ",")) at = i;
        String row = lines.get(at);
        String subject = "line " + (at + 1) + " (cash-out " + id + ")";

        // one amount changed (gross kept consistent)
        String[] f = row.split(",", -1);
        f[header.indexOf("net")] = Long.toString(Long.parseLong(f[header.indexOf("net")]) + 1);
        f[header.indexOf("gross")] = Long.toString(Long.parseLong(f[header.indexOf("gross")]) + 1);
        Run amount = verifyExport(dir, replaced(lines, at, String.join(",", f)), "--json");
        assertThat(amount.exitCode()).isEqualTo(1);
        assertThat(mismatch(amount, "net_amount").get("subject").asText()).isEqualTo(subject);
        // one payee changed
        f = row.split(",", -1);
        f[header.indexOf("payee")] = "0x000000000000000000000000000000000000dEaD";
        Run payee = verifyExport(dir, replaced(lines, at, String.join(",", f)), "--json");
        assertThat(mismatch(payee, "payee").get("subject").asText()).isEqualTo(subject);
        // a wrong block hash
        f = row.split(",", -1);
        f[header.indexOf("blockHash")] = "0x" + "ab".repeat(32);
        Run hash = verifyExport(dir, replaced(lines, at, String.join(",", f)), "--json");
        assertThat(mismatch(hash, "block_hash").get("subject").asText()).isEqualTo(subject);
        // a payout that never happened: a row added for another cash-out at a log index with no payout
        f = row.split(",", -1);
        f[header.indexOf("cashoutId")] = "co_neverhappened";
        f[header.indexOf("logIndex")] = Integer.toString(Integer.parseInt(f[header.indexOf("logIndex")]) + 9);
        List<String> added = new ArrayList<>(lines);
        added.add(String.join(",", f));
        Run never = verifyExport(dir, String.join("\n", added) + "\n", "--json");
        assertThat(never.exitCode()).isEqualTo(1);
        assertThat(mismatch(never, "payout_missing").get("subject").asText()).contains("co_neverhappened");
        assertThat(never.json().get("mismatches")).hasSize(1);
        // an anchor line with another root
        List<String> anchorForged = new ArrayList<>();
        for (String l : lines) anchorForged.add(l.startsWith("# anchor ") ? l.replaceFirst("root=[0-9a-f]+", "root=" + "cd".repeat(32)) : l);
        assertThat(verifyExport(dir, String.join("\n", anchorForged), "--json").codes()).contains("anchor_root");
    }

    static String replaced(List<String> lines, int at, String row) {
        List<String> copy = new ArrayList<>(lines);
        copy.set(at, row);
        return String.join("\n", copy) + "\n";
    }

    static Run verifyExport(Path dir, String content, String... extra) throws Exception {
        Path f = Files.createTempFile(dir, "export", content.startsWith("{") ? ".json" : ".csv");
        Files.writeString(f, content);
        List<String> args = new ArrayList<>(List.of("--export", f.toString(), "--quiet", "--rpc", ChainTestResource.rpcUrl));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = VerifyCommand.execute(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Run(rc, out.toString(), err.toString());
    }

    // ------------------------------------------------------------------ helpers

    JsonNode mismatch(Run run, String code) {
        for (JsonNode m : run.json().get("mismatches")) {
            if (m.get("code").asText().equals(code)) return m;
        }
        throw new AssertionError("no " + code + " mismatch in " + run.out());
    }

    /** The bundle with {@code edit} made, verified: the command exits 1. */
    Run refused(Path dir, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode b = bundle.deepCopy();
        edit.accept(b);
        Run run = verify(write(dir, b), "--json");
        assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
        return run;
    }

    static Path write(Path dir, JsonNode b) throws Exception {
        Path f = Files.createTempFile(dir, "bundle", ".json");
        Files.writeString(f, JSON.writeValueAsString(b));
        return f;
    }

    /** The command in-process through picocli: --rpc is the test chain unless given. */
    static Run verify(Path file, String... extra) {
        List<String> args = new ArrayList<>(List.of("--proof", file.toString(), "--quiet"));
        if (!List.of(extra).contains("--rpc")) args.addAll(List.of("--rpc", ChainTestResource.rpcUrl));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = VerifyCommand.execute(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Run(rc, out.toString(), err.toString());
    }
}
