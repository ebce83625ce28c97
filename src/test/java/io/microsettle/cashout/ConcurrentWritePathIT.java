package io.microsettle.cashout;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.ServiceClient;
import io.microsettle.testsupport.ServiceProcess;
import io.microsettle.testsupport.WebhookReceiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.microsettle.testsupport.ServiceClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every write path at once against the service as a user runs it (the packaged application, its
 * embedded PostgreSQL with the default configuration, an Anvil dev chain it starts, settlement and
 * reconcile running): 240 concurrent requests over HTTP — cash-outs on one shared account and on
 * separate ones, credits, quotes, review decisions of held cash-outs, webhook endpoint changes.
 * No 5xx, no deadlock in PostgreSQL's own count, every accepted cash-out settles, the ledger
 * balances, the audit chain verifies, and every webhook event reaches the receiver exactly once.
 */
class ConcurrentWritePathIT {
    static final long TUSD = 1_000_000;
    static final int CLIENTS = 64;
    static final int CREDIT_ACCOUNTS = 100;
    static final int CREDIT_REQUESTS = 160;
    static final int CREDIT_ITEMS = 1000;

    static ServiceProcess service;
    static ServiceClient client;
    static WebhookReceiver receiver;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createDirectories(Path.of("target", "it-concurrency").toAbsolutePath()).resolve("run-" + System.currentTimeMillis());
        service = ServiceProcess.builder(dir)
                .systemProperty("microsettle.data-dir", dir.resolve("data").toString())
                .systemProperty("microsettle.chain.dev.contracts-dir", Path.of("contracts").toAbsolutePath().toString())
                .systemProperty("microsettle.chain.dev.kind", "anvil")
                // a test client makes many requests per second with one token; loopback receivers over http
                .systemProperty("microsettle.security.rate-limit.requests-per-second", "100000")
                .systemProperty("microsettle.security.rate-limit.burst", "100000")
                .systemProperty("microsettle.webhooks.allow-http", "true")
                .systemProperty("microsettle.webhooks.allow-private-addresses", "true")
                .start();
        client = new ServiceClient(service.baseUri(), dir.resolve("data"));
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    static void stop() {
        if (receiver != null) receiver.close();
        if (service != null) service.close();
    }

    @Test
    void mixedWritesUnderLoadNeverDeadlockNor500AndEverythingSettlesOnce() throws Exception {
        String demo = client.token("demo", "integrator");
        String operator = client.token("ops-" + UUID.randomUUID(), "operator");
        JsonNode endpoint = expect(client.post(demo, "/v1/webhooks", Map.of("url", receiver.url(),
                "events", List.of("cashout.queued", "cashout.held", "cashout.submitted", "cashout.settled", "cashout.rejected"))), 201).body();
        ServiceClient.Account shared = client.fundedAccount(demo, 500 * TUSD);
        List<ServiceClient.Account> separate = new ArrayList<>();
        for (int i = 0; i < 60; i++) separate.add(client.fundedAccount(demo, 20 * TUSD));
        List<ServiceClient.Account> large = new ArrayList<>();
        for (int i = 0; i < 20; i++) large.add(client.fundedAccount(demo, 2_000 * TUSD));
        long deadlocksBefore = client.deadlocks();

        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        List<String> held = Collections.synchronizedList(new ArrayList<>());
        List<Supplier<ServiceClient.Reply>> work = new ArrayList<>();
        for (int i = 0; i < 60; i++) work.add(() -> client.cashout(demo, shared, 2 * TUSD));
        for (ServiceClient.Account a : separate) work.add(() -> client.cashout(demo, a, 3 * TUSD));
        // a large first cash-out right after the wallet was bound: held for review (new_wallet_large_amount)
        for (ServiceClient.Account a : large) work.add(() -> client.cashout(demo, a, 1_500 * TUSD));
        for (int i = 0; i < 30; i++) work.add(() -> credits(demo, separate));
        for (int i = 0; i < 30; i++) {
            ServiceClient.Account a = separate.get(i);
            work.add(() -> client.post(demo, "/v1/quotes", Map.of("accountId", a.id(), "amount", Long.toString(TUSD))));
        }
        for (int i = 0; i < 20; i++) work.add(() -> endpointChange(demo));
        Collections.shuffle(work, new java.util.Random(42));

        run(work, statuses, accepted, held);
        // the review decisions, concurrently with the cash-outs still settling
        List<Supplier<ServiceClient.Reply>> decisions = new ArrayList<>();
        for (int i = 0; i < held.size(); i++) {
            String id = held.get(i);
            String verb = i % 2 == 0 ? "approve" : "reject";
            decisions.add(() -> client.post(operator, "/v1/reviews/" + id + "/" + verb, Map.of("note", "load test")));
        }
        run(decisions, statuses, accepted, held);

        System.out.printf("concurrent write paths: %d requests, statuses %s, %d cash-outs accepted, %d held%n",
                work.size() + decisions.size(), new TreeMap<>(statuses), accepted.size(), held.size());
        assertThat(statuses.keySet()).as("statuses " + statuses).noneMatch(s -> s.startsWith("5"));
        assertThat(held).as("cash-outs held for review, statuses " + statuses).hasSize(large.size());
        assertThat(accepted.size()).isGreaterThanOrEqualTo(120);
        Map<String, String> settledOrNot = awaitFinal(demo, accepted, held);
        assertThat(settledOrNot.values()).as("final statuses").allMatch(s -> s.equals("SETTLED") || s.equals("REJECTED"));
        assertThat(client.deadlocks()).as("deadlocks reported by PostgreSQL").isEqualTo(deadlocksBefore);

        String auditor = client.token("auditor-" + UUID.randomUUID(), "auditor");
        assertThat(expect(client.get(auditor, "/v1/audit/ledger-check"), 200).body().get("ok").asBoolean()).isTrue();
        JsonNode verify = expect(client.get(auditor, "/v1/audit/verify"), 200).body();
        assertThat(verify.get("ok").asBoolean()).as(verify.toString()).isTrue();
        assertWebhooksOnce(endpoint.get("secret").asText(), settledOrNot);
    }

    /**
     * Issue 12's failure mode: 160 credit requests of 1,000 items at once, more than the service's 64
     * worker threads and 32 pooled connections, every request crediting the same 100 accounts (their
     * balance rows and the integrator's funding row are shared by all), while cash-outs of 20 of those
     * accounts run and settlement and reconcile work. Before, each waiting credit transaction held a
     * pooled connection until the rows were free, so the rate-limit and idempotency statements of the
     * others found none: 503 busy. Now every request is answered 201, none 5xx, and each account's
     * available balance is the sum of its credits.
     */
    @Test
    void creditsFromMoreClientsThanWorkersAndConnectionsAreAllPosted() throws Exception {
        String demo = client.token("demo", "integrator");
        List<ServiceClient.Account> cashingOut = new ArrayList<>();
        for (int i = 0; i < 20; i++) cashingOut.add(client.fundedAccount(demo, 10 * TUSD));
        List<String> accountIds = new ArrayList<>();
        cashingOut.forEach(a -> accountIds.add(a.id()));
        for (int i = accountIds.size(); i < CREDIT_ACCOUNTS; i++) {
            accountIds.add(expect(client.post(demo, "/v1/accounts", Map.of("externalRef", "cr-" + UUID.randomUUID())), 201)
                    .body().get("id").asText());
        }
        long deadlocksBefore = client.deadlocks();
        List<Supplier<ServiceClient.Reply>> work = new ArrayList<>();
        for (int r = 0; r < CREDIT_REQUESTS; r++) {
            List<Map<String, String>> items = new ArrayList<>();
            for (int i = 0; i < CREDIT_ITEMS; i++) {
                items.add(Map.of("accountId", accountIds.get(i % accountIds.size()), "amount", "1",
                        "reference", "load-" + UUID.randomUUID()));
            }
            String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Map.of("items", items));
            work.add(() -> client.post(demo, "/v1/credits", body));
        }
        for (ServiceClient.Account a : cashingOut) work.add(() -> client.cashout(demo, a, 2 * TUSD));
        Collections.shuffle(work, new java.util.Random(7));
        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        List<String> held = Collections.synchronizedList(new ArrayList<>());

        run(work, statuses, accepted, held, work.size());

        System.out.printf("concurrent credits: %d requests of %d items and %d cash-outs at once, statuses %s%n",
                CREDIT_REQUESTS, CREDIT_ITEMS, cashingOut.size(), new TreeMap<>(statuses));
        assertThat(statuses.keySet()).as("statuses " + statuses).noneMatch(s -> s.startsWith("5"));
        assertThat(statuses.getOrDefault("201", 0) + statuses.getOrDefault("201 QUEUED", 0))
                .as("statuses " + statuses).isEqualTo(work.size());
        long perAccount = (long) CREDIT_REQUESTS * CREDIT_ITEMS / accountIds.size();
        for (int i = cashingOut.size(); i < accountIds.size(); i += 7) {
            JsonNode account = expect(client.get(demo, "/v1/accounts/" + accountIds.get(i)), 200).body();
            assertThat(account.path("balances").path("available").asText()).as("available of " + accountIds.get(i))
                    .isEqualTo(Long.toString(perAccount));
        }
        assertThat(client.deadlocks()).as("deadlocks reported by PostgreSQL").isEqualTo(deadlocksBefore);
        String auditor = client.token("auditor-" + UUID.randomUUID(), "auditor");
        assertThat(expect(client.get(auditor, "/v1/audit/ledger-check"), 200).body().get("ok").asBoolean()).isTrue();
    }

    /** 100 credits of 0.1 to the separate accounts. */
    static ServiceClient.Reply credits(String token, List<ServiceClient.Account> accounts) {
        List<Map<String, String>> items = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            items.add(Map.of("accountId", accounts.get(i % accounts.size()).id(), "amount", "100000", "reference", "c-" + UUID.randomUUID()));
        }
        return client.post(token, "/v1/credits", Map.of("items", items));
    }

    /** Creates another endpoint, rotates its secret and deletes it. */
    static ServiceClient.Reply endpointChange(String token) {
        ServiceClient.Reply created = client.post(token, "/v1/webhooks", Map.of("url", receiver.url() + "/other",
                "events", List.of("cashout.failed")));
        if (created.status() != 201) return created;
        String id = created.body().get("id").asText();
        ServiceClient.Reply rotated = client.post(token, "/v1/webhooks/" + id + "/rotate-secret", Map.of());
        if (rotated.status() != 200) return rotated;
        return client.delete(token, "/v1/webhooks/" + id);
    }

    static void run(List<Supplier<ServiceClient.Reply>> work, Map<String, Integer> statuses, List<String> accepted, List<String> held)
            throws Exception {
        run(work, statuses, accepted, held, CLIENTS);
    }

    static void run(List<Supplier<ServiceClient.Reply>> work, Map<String, Integer> statuses, List<String> accepted, List<String> held,
                    int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ServiceClient.Reply>> futures = new ArrayList<>();
        for (Supplier<ServiceClient.Reply> w : work) {
            futures.add(pool.submit((Callable<ServiceClient.Reply>) () -> {
                go.await();
                return w.get();
            }));
        }
        go.countDown();
        for (Future<ServiceClient.Reply> f : futures) {
            ServiceClient.Reply r = f.get(300, TimeUnit.SECONDS);
            statuses.merge(r.status() + (r.code() == null ? "" : " " + r.code()), 1, Integer::sum);
            if (r.status() >= 400) System.out.println("answered " + r.status() + ": " + r.raw());
            JsonNode b = r.body();
            if (r.status() == 201 && b != null && b.has("status") && b.path("id").asText().startsWith("co_")) {
                (b.get("status").asText().equals("HELD") ? held : accepted).add(b.get("id").asText());
            }
            if (r.status() == 200 && b != null && "APPROVED".equals(b.path("decision").asText())) accepted.add(b.get("cashoutId").asText());
        }
        pool.shutdown();
    }

    static Map<String, String> awaitFinal(String token, List<String> accepted, List<String> held) throws InterruptedException {
        Set<String> all = new HashSet<>(accepted);
        all.addAll(held);
        Map<String, String> status = new TreeMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            for (String id : all) status.put(id, client.get(token, "/v1/cashouts/" + id).body().get("status").asText());
            if (status.values().stream().allMatch(s -> s.equals("SETTLED") || s.equals("REJECTED"))) return status;
            Thread.sleep(1000);
        }
        return status;
    }

    /** Each event of each cash-out reached the endpoint exactly once (at least once is the contract; nothing failed here). */
    static void assertWebhooksOnce(String secret, Map<String, String> finals) throws InterruptedException {
        Map<String, List<String>> expected = new HashMap<>();
        for (var e : finals.entrySet()) {
            expected.put(e.getKey(), e.getValue().equals("SETTLED")
                    ? List.of("cashout.submitted", "cashout.settled") : List.of("cashout.held", "cashout.rejected"));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Integer> perEvent = new HashMap<>();
        Map<String, Set<String>> typesByCashout = new HashMap<>();
        while (System.nanoTime() < deadline) {
            perEvent.clear();
            typesByCashout.clear();
            for (WebhookReceiver.Received r : receiver.received()) {
                if (!r.verifies(secret)) continue;
                perEvent.merge(r.eventId(), 1, Integer::sum);
                typesByCashout.computeIfAbsent(r.json().path("data").path("id").asText(), k -> new HashSet<>()).add(r.type());
            }
            boolean complete = expected.entrySet().stream().allMatch(e -> typesByCashout.getOrDefault(e.getKey(), Set.of())
                    .containsAll(e.getValue()));
            if (complete) break;
            Thread.sleep(500);
        }
        for (var e : expected.entrySet()) {
            assertThat(typesByCashout.getOrDefault(e.getKey(), Set.of())).as("events of " + e.getKey()).containsAll(e.getValue());
        }
        assertThat(perEvent.values()).as("deliveries per event").allMatch(n -> n == 1);
    }
}
