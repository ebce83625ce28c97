package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.chain.contracts.TestStablecoin;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.WebhookReceiver;
import io.restassured.response.Response;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * End to end as an integrator does it, on embedded PostgreSQL and a real dev chain: create an account, bind a
 * wallet (verification JWS), credit, quote, sign the typed data with the wallet key, cash out, wait for
 * SETTLED; then the payee's tokens on chain, the PayoutSettled event, the ledger balances and the audit chain; and the
 * webhooks an endpoint subscribed before the cash-out received: queued, submitted and settled, signed, with the chain facts.
 */
abstract class AbstractCashoutToSettledTest {

    static final String INTEGRATOR = "demo";
    static final long CREDIT = 5_000_000;   // 5.00 TUSD
    static final long AMOUNT = 2_000_000;   // 2.00 TUSD cashed out

    abstract String chainName();

    @Test
    void cashoutSettlesOnChain() throws Exception {
        String token = Tokens.integrator(INTEGRATOR);
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            JsonNode endpoint = Api.createWebhook(token, receiver.url(), List.of("cashout.queued", "cashout.submitted", "cashout.settled"));
            try {
                cashoutSettles(token, receiver, endpoint.get("secret").asText());
            } finally {
                Api.as(token).delete("/v1/webhooks/" + endpoint.get("id").asText()).then().statusCode(200);
            }
        }
    }

    void cashoutSettles(String token, WebhookReceiver receiver, String secret) throws Exception {
        Api.FundedAccount acct = Api.fundedAccount(INTEGRATOR, CREDIT);
        JsonNode quote = Api.quote(token, acct.id(), AMOUNT);
        long gross = Long.parseLong(quote.get("gross").asText());
        long fee = Long.parseLong(quote.get("fee").asText());
        long net = Long.parseLong(quote.get("net").asText());
        assertThat(gross).isEqualTo(AMOUNT);
        assertThat(net + fee).isEqualTo(gross);

        long started = System.nanoTime();
        Response created = Api.as(token).body(Map.of("quoteId", quote.get("id").asText(), "signature", Api.sign(quote, acct.wallet())))
                .post("/v1/cashouts");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String cashoutId = created.path("id");

        JsonNode co = waitForStatus(token, cashoutId, "SETTLED", Duration.ofSeconds(90));
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%s: cash-out %s -> SETTLED in %.1f s (block %s, confirmations %s)%n", chainName(), cashoutId, seconds,
                co.path("blockNumber").asText(), co.path("confirmations").asText());
        assertThat(co.path("status").asText()).as(co.toString()).isEqualTo("SETTLED");
        String txHash = co.path("txHash").asText();
        assertThat(txHash).startsWith("0x").hasSize(66);
        assertThat(co.path("batchId").asText()).startsWith("bat_");
        assertThat(co.path("settledAt").isNull()).isFalse();
        assertThat(co.path("confirmations").asInt()).isGreaterThanOrEqualTo(2);

        // on chain: the payee holds the net amount, and the receipt carries the PayoutSettled event
        Web3j web3j = Web3j.build(new HttpService(ChainTestResource.rpcUrl));
        try {
            var deployment = ChainTestResource.deployment;
            var tusd = TestStablecoin.load(deployment.token(), web3j, DevAccounts.defaults().deployer(), new DefaultGasProvider());
            assertThat(tusd.balanceOf(acct.walletAddress()).send()).isEqualTo(BigInteger.valueOf(net));
            TransactionReceipt receipt = web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt().orElseThrow();
            assertThat(receipt.isStatusOK()).isTrue();
            assertThat(receipt.getBlockNumber().longValue()).isEqualTo(co.path("blockNumber").asLong());
            List<SettlementEscrow.PayoutSettledEventResponse> events = SettlementEscrow.getPayoutSettledEvents(receipt);
            assertThat(events).hasSize(1);
            var ev = events.get(0);
            assertThat(ev.payee).isEqualToIgnoringCase(acct.walletAddress());
            assertThat(ev.netAmount).isEqualTo(BigInteger.valueOf(net));
            assertThat(ev.feeAmount).isEqualTo(BigInteger.valueOf(fee));
            assertThat(ev.log.getLogIndex().intValue()).isEqualTo(co.path("logIndex").asInt());
            var escrow = SettlementEscrow.load(deployment.escrow(), web3j, DevAccounts.defaults().deployer(), new DefaultGasProvider());
            assertThat(escrow.isPayoutSettled(ev.payoutId).send()).isTrue();
            assertThat(escrow.isBatchSettled(ev.batchId).send()).isTrue();
        } finally {
            web3j.shutdown();
        }

        // escrow: the settled cash-out is no longer an obligation; the funder's balance on chain paid it
        JsonNode escrowView = Api.json(Api.as(token).get("/v1/escrow").then().statusCode(200).extract().asString());
        assertThat(escrowView.path("obligations").asText()).as(escrowView.toString()).isEqualTo("0");
        assertThat(new BigInteger(escrowView.path("funderBalance").asText())).isPositive();

        // ledger: the hold became a debit
        JsonNode account = Api.json(Api.as(token).get("/v1/accounts/" + acct.id()).then().statusCode(200).extract().asString());
        assertThat(account.path("balances").path("available").asText()).isEqualTo(Long.toString(CREDIT - AMOUNT));
        assertThat(account.path("balances").path("held").asText()).isEqualTo("0");
        // the fee split into service revenue and the network-fee pool, as quoted
        JsonNode ledgerCheck = Api.json(Api.as(Tokens.auditor("auditor-1")).get("/v1/audit/ledger-check").then().statusCode(200)
                .extract().asString());
        assertThat(ledgerCheck.path("ok").asBoolean()).as(ledgerCheck.toString()).isTrue();
        long networkFee = Long.parseLong(quote.get("networkFee").asText());
        long serviceFee = Long.parseLong(quote.get("serviceFee").asText());
        assertThat(networkFee).isPositive();
        assertThat(serviceFee + networkFee).isEqualTo(fee);

        // audit: every transition recorded, chain of hashes intact
        JsonNode verify = Api.json(Api.as(Tokens.auditor("auditor-1")).get("/v1/audit/verify").then().statusCode(200).extract().asString());
        assertThat(verify.path("ok").asBoolean()).as(verify.toString()).isTrue();
        assertThat(verify.path("count").asLong()).isGreaterThanOrEqualTo(6);

        // webhooks: the three events of this cash-out, each signed with the endpoint's secret, data as of the event
        WebhookReceiver.Received settledHook = receiver.await(r -> r.json().at("/data/id").asText().equals(cashoutId)
                && r.type().equals("cashout.settled"), 1, Duration.ofSeconds(30)).getFirst();
        System.out.printf("%s: cashout.settled webhook received %d ms after its audit event%n", chainName(),
                Duration.between(java.time.Instant.parse(settledHook.json().get("createdAt").asText()), settledHook.at()).toMillis());
        Map<String, JsonNode> byType = new java.util.HashMap<>();
        for (WebhookReceiver.Received r : receiver.received()) {
            if (!r.json().at("/data/id").asText().equals(cashoutId)) continue;
            assertThat(r.verifies(secret)).as(r.bodyString()).isTrue();
            byType.putIfAbsent(r.type(), r.json());
        }
        assertThat(byType).containsOnlyKeys("cashout.queued", "cashout.submitted", "cashout.settled");
        JsonNode queued = byType.get("cashout.queued").get("data");
        assertThat(queued.get("status").asText()).isEqualTo("QUEUED");
        assertThat(queued.get("txHash").isNull()).isTrue();
        JsonNode submitted = byType.get("cashout.submitted").get("data");
        assertThat(submitted.get("status").asText()).isEqualTo("SUBMITTED");
        assertThat(submitted.get("txHash").asText()).startsWith("0x").hasSize(66);
        assertThat(submitted.get("batchId").asText()).isEqualTo(co.path("batchId").asText());
        assertThat(submitted.get("blockNumber").isNull()).isTrue();
        JsonNode settled = byType.get("cashout.settled").get("data");
        assertThat(settled.get("status").asText()).isEqualTo("SETTLED");
        assertThat(settled.get("txHash").asText()).isEqualTo(txHash);
        assertThat(settled.get("blockNumber").asLong()).isEqualTo(co.path("blockNumber").asLong());
        assertThat(settled.get("logIndex").asInt()).isEqualTo(co.path("logIndex").asInt());
        assertThat(settled.get("confirmations").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(settled.get("batchId").asText()).isEqualTo(co.path("batchId").asText());
        assertThat(settled.get("settledAt").isNull()).isFalse();
        for (JsonNode d : List.of(queued, submitted, settled)) {
            assertThat(d.get("gross").asText()).isEqualTo(Long.toString(gross));
            assertThat(d.get("net").asText()).isEqualTo(Long.toString(net));
            assertThat(d.get("fee").asText()).isEqualTo(Long.toString(fee));
            assertThat(d.get("destination").asText()).isEqualTo(co.path("destination").asText());
        }
    }

    static JsonNode waitForStatus(String token, String id, String wanted, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = Api.json(Api.as(token).get("/v1/cashouts/" + id).then().statusCode(200).extract().asString());
            String s = last.path("status").asText();
            if (s.equals(wanted) || s.equals("FAILED") || s.equals("REJECTED")) return last;
            Thread.sleep(250);
        }
        return last;
    }
}
