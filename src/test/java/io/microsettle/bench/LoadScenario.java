package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The phases of the load benchmark against a running service, in order: setup (accounts, wallets, funding;
 * untimed), a warm-up, then per concurrency N quotes (N clients) → signing (untimed) → cash-outs (N clients) →
 * credits (N clients), then 128 clients on one account, then cash-outs and credits at once; then the wait until
 * every accepted cash-out is SETTLED, and the ledger check and audit verify. Each timed phase is a {@link Row}.
 */
final class LoadScenario {
    static final String QUEUED = "201 QUEUED";
    /** The statuses of an accepted cash-out on its way to SETTLED. */
    static final List<String> IN_FLIGHT = List.of("QUEUED", "BATCHED", "SUBMITTED", "CONFIRMED");
    static final List<String> ALL_STATUSES = List.of("QUEUED", "HELD", "REJECTED", "BATCHED", "SUBMITTED", "CONFIRMED", "SETTLED", "FAILED");
    static final int PAGE = 100;
    /** Pause after a phase so PostgreSQL's statistics (sent by each backend at most every 500 ms) catch up. */
    static final long STATS_PAUSE_MILLIS = 1500;
    /** Statements listed per phase, by database time. */
    static final int STATEMENTS_PER_PHASE = 10;

    /** A timed phase: which table, its clients and accounts, the client's figures and the server's. */
    record Row(String table, String label, int clients, int accounts, LoadRun.Stats stats, double unitsPerRequest,
               ServerFacts.Delta server) {}

    /** The wait for settlement and the final count of every status. */
    record Settlement(int accepted, int settled, int acceptedNotSettled, double waitSeconds, boolean timedOut,
                      java.util.Map<String, Integer> statuses, long[] settleMillis, double settledPerSecond,
                      int failedRequests, java.util.Map<String, Integer> failedButCreated) {}

    /** The auditor's checks: the JSON answers and how long each took. */
    record Audit(JsonNode ledgerCheck, double ledgerCheckSeconds, JsonNode verify, double verifySeconds) {}

    private record Measured<T>(T value, ServerFacts.Delta server) {}

    private final LoadSettings s;
    private final LoadClient integrator;
    private final LoadClient auditor;
    private final ServerFacts facts;
    private final Path keysDir;
    private final String runId = "b" + Long.toString(System.currentTimeMillis(), 36);
    private final List<Row> rows = new ArrayList<>();
    private final List<String> statementTables = new ArrayList<>();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** Quotes of cash-out requests answered 5xx or not at all: whether such a cash-out exists anyway is counted. */
    private final Set<String> failedQuotes = ConcurrentHashMap.newKeySet();
    private List<Workload.Account> accounts;
    private Workload.Account single;
    private long lastCashoutPhaseEndNanos;
    private int quotesUnused;

    LoadScenario(LoadSettings settings, LoadClient integrator, LoadClient auditor, ServerFacts facts, Path keysDir) {
        this.s = settings;
        this.integrator = integrator;
        this.auditor = auditor;
        this.facts = facts;
        this.keysDir = keysDir;
    }

    List<Row> rows() {
        return rows;
    }

    int acceptedCount() {
        return accepted.size();
    }

    /** Accounts, wallets bound, balances credited well before any cash-out (untimed); returns what it did. */
    String setup() {
        long t0 = System.nanoTime();
        accounts = Workload.createAccounts(integrator, keysDir, runId + "-u", s.accounts(), s.setupClients());
        single = Workload.createAccounts(integrator, keysDir, runId + "-single", 1, 1).getFirst();
        double created = (System.nanoTime() - t0) / 1e9;
        long each = s.amountBaseUnits() * (s.cashoutsPerAccount() + 5L);
        Workload.fund(integrator, accounts, each, runId + "-fund", s.setupClients());
        Workload.fund(integrator, List.of(single), s.amountBaseUnits() * (s.singleAccountCashouts() + 5L), runId + "-fund1", 1);
        return String.format(java.util.Locale.ROOT, "%d accounts + 1 (one-account phase) created and verified (FULL) in %.1f s; "
                        + "credited %d base units each (%d cash-outs' worth) in %.1f s", s.accounts(), created, each,
                s.cashoutsPerAccount() + 5, (System.nanoTime() - t0) / 1e9 - created);
    }

    /** Untimed: quotes, cash-outs and credits at 8 clients, so the service's JIT and pools are warm. */
    String warmup() {
        long t0 = System.nanoTime();
        LoadRun.Result q = quotes(8, s.warmupCashouts(), this::account);
        LoadRun.Result c = cashouts(8, Workload.signedCashouts(q.replies(), this::account));
        LoadRun.Result cr = credits(8, 3 * 8, runId + "-warm", () -> false);
        return String.format(java.util.Locale.ROOT, "warm-up (untimed, 8 clients, %.1f s): quotes %s; cash-outs %s; credits %s",
                (System.nanoTime() - t0) / 1e9, q.stats().outcomes(), c.stats().outcomes(), cr.stats().outcomes());
    }

    void perConcurrency(int clients) {
        cashoutRound("cash-outs", "", clients, s.accounts(), s.cashoutsPerPhase(), this::account);
        Measured<LoadRun.Result> cr = measure("credits " + clients,
                () -> credits(clients, s.creditRequestsFor(clients), runId + "-c" + clients, () -> false));
        rows.add(new Row("credits", "", clients, s.accounts(), cr.value().stats(), s.creditItems(), cr.server()));
    }

    void singleAccount() {
        cashoutRound("cash-outs", "one account", s.singleAccountClients(), 1, s.singleAccountCashouts(), i -> single);
    }

    /** Quotes at {@code clients}, signed untimed, then the cash-outs at {@code clients}; a row each. */
    private void cashoutRound(String table, String label, int clients, int accountCount, int count, IntFunction<Workload.Account> accountOf) {
        String name = (label.isEmpty() ? "" : label + " ") + clients;
        Measured<LoadRun.Result> q = measure("quotes " + name, () -> quotes(clients, count, accountOf));
        rows.add(new Row("quotes", label, clients, accountCount, q.value().stats(), 1, q.server()));
        List<String> bodies = Workload.signedCashouts(q.value().replies(), accountOf);
        Measured<LoadRun.Result> c = measure("cash-outs " + name, () -> cashouts(clients, bodies));
        quotesUnused += bodies.size() - c.value().answered().size();
        rows.add(new Row(table, label, clients, accountCount, c.value().stats(), 1, c.server()));
    }

    /** Cash-outs at {@code duringClients} while {@code duringCreditClients} post credits; credits stop when the cash-outs end. */
    void creditsDuringCashouts() {
        int clients = s.duringClients();
        List<String> bodies = Workload.signedCashouts(quotes(clients, s.cashoutsPerPhase(), this::account).replies(), this::account);
        AtomicBoolean cashoutsDone = new AtomicBoolean();
        AtomicReference<LoadRun.Result> credits = new AtomicReference<>();
        int creditCap = s.phaseMaxSeconds() * 200; // more than 200 requests/s (200,000 items/s) is not expected
        Measured<LoadRun.Result> c = measure("cash-outs " + clients + " + credits " + s.duringCreditClients(), () -> {
            Thread t = Thread.ofPlatform().name("bench-credits-during").start(() ->
                    credits.set(credits(s.duringCreditClients(), creditCap, runId + "-d", cashoutsDone::get)));
            try {
                return cashouts(clients, bodies);
            } finally {
                cashoutsDone.set(true);
                join(t);
            }
        });
        quotesUnused += bodies.size() - c.value().answered().size();
        rows.add(new Row("cash-outs", "with credits", clients, s.accounts(), c.value().stats(), 1, c.server()));
        rows.add(new Row("credits", "with cash-outs", s.duringCreditClients(), s.accounts(), credits.get().stats(), s.creditItems(), c.server()));
    }

    int quotesUnused() {
        return quotesUnused;
    }

    private Workload.Account account(int i) {
        return accounts.get(i % accounts.size());
    }

    private LoadRun.Result quotes(int clients, int count, IntFunction<Workload.Account> accountOf) {
        return LoadRun.run(clients, count, s.phaseMaxMillis(),
                i -> integrator.post("/v1/quotes", Workload.quoteBody(accountOf.apply(i), s.amountBaseUnits())));
    }

    private LoadRun.Result cashouts(int clients, List<String> bodies) {
        LoadRun.Result r = LoadRun.run(clients, bodies.size(), s.phaseMaxMillis(), i -> integrator.post("/v1/cashouts", bodies.get(i)));
        for (int i = 0; i < bodies.size(); i++) {
            LoadClient.Reply reply = r.replies()[i];
            if (reply == null) continue;
            if (reply.outcome().equals(QUEUED)) accepted.add(reply.json().get("id").asText());
            if (reply.status() == 0 || reply.status() >= 500) failedQuotes.add(LoadClient.parse(bodies.get(i)).get("quoteId").asText());
        }
        lastCashoutPhaseEndNanos = System.nanoTime();
        return r;
    }

    private LoadRun.Result credits(int clients, int count, String referencePrefix, BooleanSupplier stop) {
        return LoadRun.run(clients, count, s.phaseMaxMillis(), stop,
                i -> integrator.post("/v1/credits", Workload.creditsBody(accounts, referencePrefix, i, s.creditItems())));
    }

    /** Per timed phase, the statements that took the most database time in it. */
    List<String> statementTables() {
        return statementTables;
    }

    private <T> Measured<T> measure(String phase, Supplier<T> body) {
        facts.resetStatements();
        ServerFacts.Snapshot a = facts.snapshot();
        facts.startSampling();
        T value;
        ServerFacts.LockWaits locks;
        try {
            value = body.get();
        } finally {
            locks = facts.stopSampling();
        }
        sleep(STATS_PAUSE_MILLIS);
        ServerFacts.Delta d = facts.delta(phase, a, facts.snapshot(), locks);
        statementTables.add(phase + ": " + facts.topStatements(STATEMENTS_PER_PHASE));
        String answered = value instanceof LoadRun.Result r ? LoadReport.outcomes(r.stats().outcomes()) : "";
        System.out.printf(java.util.Locale.ROOT, "  %-34s %6.1f s  deadlocks %d  load %s  %s%n", phase, d.seconds(), d.deadlocks(),
                d.loadAverage(), answered);
        return new Measured<>(value, d);
    }

    /** Waits (bounded) until no accepted cash-out is in flight, then counts every status and the settle latencies. */
    Settlement awaitSettlement() {
        long started = System.nanoTime();
        long deadline = started + s.settleTimeoutSeconds() * 1_000_000_000L;
        long nextNote = started + 15_000_000_000L;
        List<String> inFlight = inFlightStatuses();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            if (System.nanoTime() > nextNote) {
                System.out.printf("  waiting for settlement: %s still present after %.0f s%n", inFlight, (System.nanoTime() - started) / 1e9);
                nextNote += 15_000_000_000L;
            }
            sleep(1000);
            inFlight = inFlightStatuses();
        }
        double waited = (System.nanoTime() - Math.max(lastCashoutPhaseEndNanos, 0)) / 1e9;
        return tally(!inFlight.isEmpty(), waited);
    }

    private List<String> inFlightStatuses() {
        return inFlightStatuses(integrator);
    }

    /** The {@link #IN_FLIGHT} statuses that some cash-out has: one page of one item each, however many there are. */
    static List<String> inFlightStatuses(LoadClient integrator) {
        return IN_FLIGHT.stream().filter(st -> integrator.getOk("/v1/cashouts?limit=1&status=" + st).get("data").size() > 0).toList();
    }

    private Settlement tally(boolean timedOut, double waitSeconds) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        List<Long> settleMillis = new ArrayList<>();
        Set<String> settledIds = new java.util.HashSet<>();
        Instant[] span = {Instant.MAX, Instant.MIN};
        java.util.Map<String, Integer> failedButCreated = new java.util.TreeMap<>();
        int maxPages = (accepted.size() + 5 * s.cashoutsPerPhase()) / PAGE + 10;
        for (String status : ALL_STATUSES) {
            int n = 0;
            String cursor = null;
            for (int page = 0; page < maxPages; page++) {
                JsonNode p = integrator.getOk("/v1/cashouts?limit=" + PAGE + "&status=" + status + (cursor == null ? "" : "&cursor=" + cursor));
                for (JsonNode c : p.get("data")) {
                    n++;
                    if (failedQuotes.contains(c.get("quoteId").asText())) failedButCreated.merge(status, 1, Integer::sum);
                    if (status.equals("SETTLED")) {
                        settledIds.add(c.get("id").asText());
                        Instant created = Instant.parse(c.get("createdAt").asText());
                        Instant settled = Instant.parse(c.get("settledAt").asText());
                        settleMillis.add(java.time.Duration.between(created, settled).toMillis());
                        if (created.isBefore(span[0])) span[0] = created;
                        if (settled.isAfter(span[1])) span[1] = settled;
                    }
                }
                if (p.get("nextCursor").isNull()) break;
                cursor = java.net.URLEncoder.encode(p.get("nextCursor").asText(), java.nio.charset.StandardCharsets.UTF_8);
            }
            counts.put(status, n);
        }
        int notSettled = (int) accepted.stream().filter(id -> !settledIds.contains(id)).count();
        double spanSeconds = settledIds.isEmpty() ? 0 : java.time.Duration.between(span[0], span[1]).toMillis() / 1000.0;
        return new Settlement(accepted.size(), settledIds.size(), notSettled, waitSeconds, timedOut, counts,
                settleMillis.stream().mapToLong(Long::longValue).sorted().toArray(), spanSeconds <= 0 ? 0 : settledIds.size() / spanSeconds,
                failedQuotes.size(), failedButCreated);
    }

    Audit audit() {
        long t0 = System.nanoTime();
        JsonNode check = auditor.getOk("/v1/audit/ledger-check");
        long t1 = System.nanoTime();
        JsonNode verify = auditor.getOk("/v1/audit/verify");
        return new Audit(check, (t1 - t0) / 1e9, verify, (System.nanoTime() - t1) / 1e9);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
