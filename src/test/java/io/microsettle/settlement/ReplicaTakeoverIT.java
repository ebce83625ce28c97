package io.microsettle.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.chain.DevChain;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceProcess;
import io.microsettle.testsupport.SharedBackends;
import io.microsettle.testsupport.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static io.microsettle.testsupport.ServiceClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas with one killed mid-batch: two child processes of the packaged service share one PostgreSQL, one Anvil
 * and one data directory (docker-compose's replicas, {@link SharedBackends}). Replica 1, started first, holds the
 * settler's lease and halts like {@code kill -9} right after it broadcast a batch and before it recorded the broadcast
 * (crash point {@code settlement.after-broadcast}); once the lease expires replica 2 takes the lane over with a higher
 * fencing number, finds the stored transaction already on chain and completes the batch: each payout id paid once on
 * chain, every cash-out SETTLED, and each webhook event delivered once to the integrator's endpoint (a cash-out the
 * reconciler settles from the chain's log before the new settler recorded the broadcast has no submitted event).
 *
 * <p>The endpoint listens to the events a settlement sends ({@code cashout.submitted}, {@code cashout.settled},
 * {@code cashout.failed}), which replica 1 cannot have sent before it died: delivery is at least once by design (a
 * replica killed while posting an event it has not recorded as delivered sends it again under the same event id), so
 * "once" is what a takeover must give for every event it emits.
 */
class ReplicaTakeoverIT {
    static final String POINT = "settlement.after-broadcast";
    static final int CASHOUTS = 4;
    static final List<String> EVENTS = List.of("cashout.submitted", "cashout.settled", "cashout.failed");

    @Test
    void replicaKilledAfterBroadcastLeaseMovesBatchCompletesOnceAndEachWebhookOnce() throws Exception {
        long started = System.nanoTime();
        try (SharedBackends backends = SharedBackends.start(ServiceFixtures.workDir("replica-takeover"), DevChain.Kind.ANVIL);
             WebhookReceiver receiver = WebhookReceiver.start();
             ServiceProcess one = replica(backends, "replica-1").systemProperty(ProcessCrashesIT.CRASH_AT, POINT).start()) {
            String escrow = one.summaryValue("escrow").orElseThrow();
            // replica 1, alone, takes the settler's lease
            Map<String, String[]> before = backends.awaitLeases(held -> settlerLease(held).isPresent());
            String settlerLease = settlerLease(before).orElseThrow();
            String holder1 = before.get(settlerLease)[0];
            try (ServiceProcess two = replica(backends, "replica-2").start()) {
                assertThat(two.summaryValue("escrow")).as("replica 2 uses replica 1's deployment").contains(escrow);
                assertThat(backends.awaitLeases(held -> settlerLease(held).isPresent()).get(settlerLease)[0])
                        .as("the settler's lease stays with replica 1").isEqualTo(holder1);
                ServiceClient client = backends.client(two);
                String demo = client.token("demo", "integrator");
                JsonNode endpoint = expect(client.post(demo, "/v1/webhooks", Map.of("url", receiver.url(), "events", EVENTS)), 201).body();

                List<String> ids = ProcessInvariants.cashouts(client, CASHOUTS);
                assertThat(ids).as("cash-outs accepted by replica 2").hasSize(CASHOUTS);
                Optional<Integer> exit = one.awaitExit(ProcessCrashesIT.DEATH_WAIT);
                assertThat(exit).as("replica 1 halted after its broadcast:%n%s", one.tail(40)).contains(137);
                assertThat(one.output()).anyMatch(l -> l.contains("crash point " + POINT + ": halting the JVM"));
                // what replica 1 left: the one transaction it signed (with its fence), broadcast, its broadcast not recorded
                Signed left = signedBy(backends, Long.parseLong(before.get(settlerLease)[1]));
                assertThat(onChainOrPending(backends, left.txHash())).as("replica 1 broadcast %s", left.txHash()).isTrue();

                // the lease moves to replica 2 once it expires, with a higher fencing number
                Map<String, String[]> after = backends.awaitLeases(held -> settlerLease(held).isPresent()
                        && !held.get(settlerLease)[0].equals(holder1));
                assertThat(Long.parseLong(after.get(settlerLease)[1])).as("fence after the takeover").isGreaterThan(left.fence());

                List<ProcessInvariants.Cashout> all = ProcessInvariants.awaitAllFinal(backends, ProcessCrashesIT.SETTLE_WAIT);
                assertThat(all).extracting(ProcessInvariants.Cashout::id).containsExactlyInAnyOrderElementsOf(ids);
                ProcessInvariants.Report report = ProcessInvariants.check(backends, client, escrow);
                assertThat(report.settled()).as("every cash-out settled").isEqualTo(CASHOUTS);
                assertThat(report.payoutLogs()).as("each payout once on chain").isEqualTo(CASHOUTS);
                assertThat(batchOf(backends, left.batchId())).as("the batch replica 1 broadcast, completed by replica 2")
                        .isEqualTo("SETTLED");
                int submitted = assertWebhooksOnce(receiver, endpoint.get("secret").asText(), ids);
                System.out.printf("replica takeover: %s left by replica 1 (fence %d), lane taken over with fence %s; %s; %d webhook "
                                + "deliveries, %d cash-outs with a submitted event; %d s%n", left.txHash(), left.fence(),
                        after.get(settlerLease)[1], report, receiver.received().size(), submitted,
                        Duration.ofNanos(System.nanoTime() - started).toSeconds());
            }
        }
    }

    static ServiceProcess.Builder replica(SharedBackends backends, String name) {
        return ProcessCrashesIT.service(backends, name)
                .systemProperty("microsettle.webhooks.allow-http", "true")
                .systemProperty("microsettle.webhooks.allow-private-addresses", "true");
    }

    static Optional<String> settlerLease(Map<String, String[]> held) {
        return held.keySet().stream().filter(n -> n.startsWith("settler:")).findFirst();
    }

    record Signed(String batchId, String txHash, long fence) {}

    /** The one settlement transaction signed under the settler lease's fencing number {@code fence}. */
    static Signed signedBy(SharedBackends backends, long fence) throws Exception {
        List<Signed> out = new ArrayList<>();
        try (Connection c = backends.connect(); var s = c.prepareStatement(
                "SELECT batch_id, tx_hash, fence FROM settlement_txs WHERE kind = 'SETTLE' AND fence = ?")) {
            s.setLong(1, fence);
            try (var rs = s.executeQuery()) {
                while (rs.next()) out.add(new Signed(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
        }
        assertThat(out).as("transactions signed under fence %d", fence).hasSize(1);
        return out.getFirst();
    }

    static String batchOf(SharedBackends backends, String batchId) throws Exception {
        try (Connection c = backends.connect(); var s = c.prepareStatement("SELECT status FROM settlement_batches WHERE id = ?")) {
            s.setString(1, batchId);
            try (var rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The node knows the transaction (mined or in its pool). */
    static boolean onChainOrPending(SharedBackends backends, String txHash) throws Exception {
        Web3j web3j = Web3j.build(new HttpService(backends.chain.rpcUrl()));
        try {
            return web3j.ethGetTransactionByHash(txHash).send().getTransaction().isPresent();
        } finally {
            web3j.shutdown();
        }
    }

    /**
     * Each cash-out's settled event reached the endpoint, signed, its submitted event at most once (a cash-out whose
     * payout the reconciler reads from the chain before the new settler recorded the broadcast goes from BATCHED to
     * SETTLED: the transition reconcile allows, with no submitted event), no failed event, and every event id exactly
     * once. Returns how many cash-outs had a submitted event.
     */
    static int assertWebhooksOnce(WebhookReceiver receiver, String secret, List<String> ids) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Integer> perEvent = new TreeMap<>();
        Map<String, Map<String, Set<String>>> eventIdsByCashoutAndType = new HashMap<>();
        while (System.nanoTime() < deadline) {
            perEvent.clear();
            eventIdsByCashoutAndType.clear();
            for (WebhookReceiver.Received r : receiver.received()) {
                assertThat(r.verifies(secret)).as("signature of %s", r.bodyString()).isTrue();
                perEvent.merge(r.eventId(), 1, Integer::sum);
                eventIdsByCashoutAndType.computeIfAbsent(r.json().path("data").path("id").asText(), k -> new TreeMap<>())
                        .computeIfAbsent(r.type(), k -> new java.util.TreeSet<>()).add(r.eventId());
            }
            if (ids.stream().allMatch(id -> eventIdsByCashoutAndType.getOrDefault(id, Map.of()).containsKey("cashout.settled"))) break;
            Thread.sleep(500);
        }
        assertThat(eventIdsByCashoutAndType.keySet()).as("cash-outs with events").containsExactlyInAnyOrderElementsOf(ids);
        int submitted = 0;
        for (String id : ids) {
            Map<String, Set<String>> byType = eventIdsByCashoutAndType.get(id);
            assertThat(byType.keySet()).as("event types of %s", id).contains("cashout.settled").isSubsetOf(EVENTS.subList(0, 2));
            byType.forEach((type, eventIds) -> assertThat(eventIds).as("%s events of %s", type, id).hasSize(1));
            if (byType.containsKey("cashout.submitted")) submitted++;
        }
        assertThat(perEvent).as("deliveries per event id").allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        return submitted;
    }
}
