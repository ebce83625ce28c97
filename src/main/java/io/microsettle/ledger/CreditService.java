package io.microsettle.ledger;

import io.microsettle.audit.AuditLog;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.TransactionRetry;
import io.microsettle.infra.Transactions;
import io.microsettle.security.IdempotencyStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Credits intake: posts a request's credits and its audit event in one transaction.
 *
 * <p>Every credit request of an integrator changes the same rows (its funding row, and the balance rows
 * of the accounts it credits, which a 1,000-item request shares with every other), so in PostgreSQL
 * they can only run one after another. Instead of queueing there, each holding a pooled connection
 * while it waits for the row locks (128 concurrent requests took the whole pool, and the
 * rate-limit and idempotency statements of other requests found no connection: 503), they queue here,
 * in memory, holding nothing: a writer (at most {@link LedgerConfig#creditWriters()} per replica, a fair
 * semaphore) takes every request waiting, up to {@link LedgerConfig#creditBatchMaxItems()} items, and posts
 * them in ONE transaction:
 * each request's entries, postings and audit event, and each balance row changed once by the sum of
 * its credits (see {@link LedgerService#postCredits}). A request refused (unknown account, used
 * reference) is answered alone and does not touch the others; if the joint transaction fails for
 * another reason, each request runs again in its own. A request that waits longer than
 * {@link LedgerConfig#creditWaitMillis()} for the writer is answered 503 busy (the last resort).
 * The waiting requests are bounded by the worker threads. Two writers overlap one batch's inserts with
 * the other's; their balance upserts, sorted by key, take the rows one after the other.
 */
@ApplicationScoped
public class CreditService {
    @Inject
    LedgerService ledger;
    @Inject
    AuditLog audit;
    @Inject
    LedgerConfig config;
    @Inject
    IdempotencyStore idempotency;

    /** One request waiting for the writer, its claimed Idempotency-Key (or null), and its outcome. */
    record Pending(String integratorId, String actor, List<LedgerService.CreditItem> items, IdempotencyStore.Claimed claim,
                   CompletableFuture<LedgerService.CreditResult> outcome) {}

    private volatile Semaphore writers;
    private final ConcurrentLinkedQueue<Pending> waiting = new ConcurrentLinkedQueue<>();
    /** A request taken from the queue that did not fit the last batch (guarded by this). */
    private Pending carried;

    private Semaphore writers() {
        Semaphore w = writers;
        if (w == null) {
            synchronized (this) {
                if (writers == null) writers = new Semaphore(Math.max(1, config.creditWriters()), true);
                w = writers;
            }
        }
        return w;
    }

    /**
     * Posts the request's credits; with {@code claim}, the request's response is stored for its Idempotency-Key in the
     * same commit (so a result returned means it is stored).
     */
    public LedgerService.CreditResult post(String integratorId, String actor, List<LedgerService.CreditItem> items,
                                           Optional<IdempotencyStore.Claimed> claim) {
        Pending mine = new Pending(integratorId, actor, List.copyOf(items), claim.orElse(null), new CompletableFuture<>());
        waiting.add(mine);
        boolean writing;
        try {
            writing = writers().tryAcquire(config.creditWaitMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writing = false;
        }
        if (!writing) {
            if (waiting.remove(mine)) {
                throw ApiException.unavailable("busy", "credits are queued longer than " + config.creditWaitMillis()
                        + " ms; retry shortly", TransactionRetry.RETRY_AFTER_SECONDS);
            }
            return outcome(mine); // a writer took it already: its outcome comes
        }
        try {
            // another writer may have posted mine or be posting it; else it is still waiting. A writer does not
            // leave a request it carried over behind.
            while (!mine.outcome().isDone() || hasCarried()) {
                List<Pending> batch = nextBatch();
                if (batch.isEmpty()) break; // mine is in another writer's batch
                write(batch);
            }
        } finally {
            writers().release();
        }
        return outcome(mine);
    }

    private synchronized boolean hasCarried() {
        return carried != null;
    }

    /** Waiting requests in order, whole, up to the item limit (at least one, if any waits). */
    private synchronized List<Pending> nextBatch() {
        List<Pending> batch = new ArrayList<>();
        int items = 0;
        int max = Math.min(config.creditBatchMaxItems(), LedgerService.MAX_ENTRIES);
        while (true) {
            Pending p = carried != null ? carried : waiting.poll();
            carried = null;
            if (p == null) return batch;
            if (!batch.isEmpty() && items + p.items().size() > max) {
                carried = p;
                return batch;
            }
            batch.add(p);
            items += p.items().size();
        }
    }

    /**
     * Posts a batch in one transaction, the references checked by the unique index alone (no read); if
     * that fails for a reason other than being busy (a reference used before: the index refuses the
     * whole batch), each request again in its own transaction, with the references read first so that
     * a refusal names them.
     */
    private void write(List<Pending> batch) {
        try {
            Map<Pending, Object> outcomes = Transactions.write("CreditService.post", () -> postAll(batch, false));
            complete(outcomes);
        } catch (RuntimeException e) {
            if (e instanceof ApiException a && a.status() == 503) {
                batch.forEach(p -> p.outcome().completeExceptionally(e));
                return;
            }
            for (Pending p : batch) {
                try {
                    complete(Transactions.write("CreditService.post", () -> postAll(List.of(p), true)));
                } catch (RuntimeException alone) {
                    p.outcome().completeExceptionally(alone);
                }
            }
        }
    }

    private static void complete(Map<Pending, Object> outcomes) {
        outcomes.forEach((p, o) -> {
            if (o instanceof LedgerService.CreditResult r) p.outcome().complete(r);
            else p.outcome().completeExceptionally((RuntimeException) o);
        });
    }

    /**
     * In the caller's transaction: refuses the requests that must be refused, then posts the others'
     * entries together and appends each one's audit event. Answers each request's result or refusal.
     */
    Map<Pending, Object> postAll(List<Pending> batch) {
        return postAll(batch, true);
    }

    /**
     * {@link #postAll(List)}; without {@code readReferences}, a reference used before is not looked up:
     * the unique index refuses it when the entries are inserted, failing the transaction.
     */
    Map<Pending, Object> postAll(List<Pending> batch, boolean readReferences) {
        Map<Pending, Object> outcomes = new IdentityHashMap<>();
        // per integrator, two reads for the whole batch: which of its accounts exist, which references it used
        Map<String, Set<String>> accountIds = new LinkedHashMap<>();
        Map<String, Set<String>> refs = new LinkedHashMap<>();
        for (Pending p : batch) {
            Set<String> a = accountIds.computeIfAbsent(p.integratorId(), k -> new HashSet<>());
            Set<String> r = refs.computeIfAbsent(p.integratorId(), k -> new HashSet<>());
            p.items().forEach(i -> {
                a.add(i.accountId());
                r.add(i.reference());
            });
        }
        Map<String, Set<String>> known = new LinkedHashMap<>();
        Map<String, Set<String>> used = new LinkedHashMap<>();
        accountIds.forEach((integrator, ids) -> known.put(integrator, ledger.knownAccounts(integrator, ids)));
        refs.forEach((integrator, r) -> used.put(integrator, readReferences ? ledger.usedReferences(integrator, r) : Set.of()));
        Map<String, Set<String>> takenRefs = new LinkedHashMap<>();
        List<Pending> posting = new ArrayList<>();
        List<LedgerService.CreditPost> posts = new ArrayList<>();
        for (Pending p : batch) {
            Set<String> taken = takenRefs.computeIfAbsent(p.integratorId(), k -> new HashSet<>());
            ApiException refused = LedgerService.creditRefusal(p.items(), known.get(p.integratorId()), used.get(p.integratorId()), taken);
            if (refused != null) {
                outcomes.put(p, refused);
                continue;
            }
            p.items().forEach(i -> taken.add(i.reference()));
            posting.add(p);
            posts.add(new LedgerService.CreditPost(p.integratorId(), p.items()));
        }
        if (posting.isEmpty()) return outcomes;
        // the audit events and stored responses before the balance rows: those rows, shared with cash-outs, are held only for the commit
        ledger.postCredits(posts, ids -> recordPosted(posting, ids, outcomes));
        return outcomes;
    }

    /** Each posted request's outcome, its {@code credits.posted} event and its stored response; {@code ids}: their entries in order. */
    private void recordPosted(List<Pending> posting, List<String> ids, Map<Pending, Object> outcomes) {
        Map<String, List<AuditLog.Entry>> events = new LinkedHashMap<>();
        for (int k = 0; k < posting.size(); k++) {
            Pending p = posting.get(k);
            LedgerService.CreditResult result = new LedgerService.CreditResult(p.items().size(), LedgerService.total(p.items()), ids.get(k));
            outcomes.put(p, result);
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("integratorId", p.integratorId());
            payload.put("entryId", result.entryId());
            payload.put("count", result.count());
            payload.put("totalBaseUnits", Long.toString(result.totalBaseUnits()));
            payload.put("itemsSha256", digest(p.items()));
            events.computeIfAbsent(p.actor(), actor -> new ArrayList<>())
                    .add(new AuditLog.Entry("credits.posted", "integrator:" + p.integratorId(), payload));
        }
        events.forEach(audit::appendAll);
        storeResponses(posting, outcomes);
    }

    /** The 201 of each posted request that claimed an Idempotency-Key, stored in this transaction (one statement). */
    private void storeResponses(List<Pending> posted, Map<Pending, Object> outcomes) {
        List<IdempotencyStore.Claimed> claims = new ArrayList<>();
        List<CreditResource.CreditsResponse> responses = new ArrayList<>();
        for (Pending p : posted) {
            if (p.claim() == null) continue;
            claims.add(p.claim());
            responses.add(CreditResource.response((LedgerService.CreditResult) outcomes.get(p)));
        }
        idempotency.storeResponses(claims, 201, responses);
    }

    private static LedgerService.CreditResult outcome(Pending p) {
        try {
            return p.outcome().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** SHA-256 over the items, one "reference accountId amount" line each, in request order. */
    static String digest(List<LedgerService.CreditItem> items) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (LedgerService.CreditItem i : items) {
                md.update((i.reference() + " " + i.accountId() + " " + i.amountBaseUnits() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
