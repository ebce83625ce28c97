package io.microsettle.webhook;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.DaemonPools;
import io.microsettle.infra.Ids;
import io.microsettle.security.WebhookSignatures;
import io.microsettle.infra.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends due deliveries. A round claims up to {@code max-deliveries-per-tick} PENDING deliveries
 * that are due ({@code FOR UPDATE SKIP LOCKED}, so replicas take different ones) and pushes their
 * next attempt forward by a lease, in a short transaction; then POSTs each outside any
 * transaction, at most {@code max-concurrent-deliveries} at once; then records each attempt and
 * the delivery's new state in one transaction. A crash between the two means the lease runs out
 * and the delivery is sent again: at least once, the event id repeating.
 */
@ApplicationScoped
public class WebhookDispatcher {
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    public static final String USER_AGENT = "microsettle-webhooks/1";
    /** Bytes of a response read at most (the excerpt keeps fewer characters). */
    static final int MAX_RESPONSE_BYTES = 4096;

    @Inject
    AgroalDataSource ds;
    @Inject
    WebhookConfig config;
    @Inject
    WebhookSecrets secrets;
    @Inject
    WebhookMetrics metrics;

    private volatile HttpClient client;
    private volatile ExecutorService senders;

    /** A claimed delivery with what sending it needs (the secrets as stored). */
    record Claimed(String deliveryId, String endpointId, String eventId, String eventType, Instant eventCreatedAt, String body,
                   int attemptsBefore, String url, String secret, String previousSecret, Instant previousSecretExpiresAt) {}

    /** What one attempt gave. */
    record Result(Integer statusCode, String error, String responseExcerpt) {
        boolean succeeded() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }
    }

    /** One round: claim, send, record. Returns the number of deliveries attempted. */
    public int round() {
        List<Claimed> claimed = QuarkusTransaction.requiringNew().call(() -> claim(config.maxDeliveriesPerTick()));
        if (claimed.isEmpty()) return 0;
        List<Future<?>> sent = new ArrayList<>(claimed.size());
        for (Claimed c : claimed) sent.add(senders().submit(() -> attempt(c)));
        for (Future<?> f : sent) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return claimed.size();
            } catch (ExecutionException e) {
                LOG.warnf(e.getCause(), "webhook delivery failed to record: %s", e.getCause().getMessage());
            }
        }
        return claimed.size();
    }

    /**
     * How long a claim keeps a delivery from other replicas: a round's worst case (every attempt
     * timing out, {@code ceil(claimed / concurrency)} waves) plus a minute.
     */
    long leaseMillis() {
        long waves = (config.maxDeliveriesPerTick() + config.maxConcurrentDeliveries() - 1) / config.maxConcurrentDeliveries();
        return waves * (config.connectTimeoutMillis() + (long) config.timeoutMillis() + 1000) + 60_000;
    }

    List<Claimed> claim(int limit) {
        return Db.query(ds, "WITH due AS (SELECT id FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at <= now() "
                        + "ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) "
                        + "UPDATE webhook_deliveries d SET next_attempt_at = now() + ? * interval '1 millisecond', updated_at = now() "
                        + "FROM due, webhook_events e, webhook_endpoints w "
                        + "WHERE d.id = due.id AND e.id = d.event_id AND w.id = d.endpoint_id "
                        + "RETURNING d.id, d.endpoint_id, d.event_id, e.type, e.created_at, e.body, d.attempts, w.url, w.secret, "
                        + "w.previous_secret, w.previous_secret_expires_at",
                rs -> new Claimed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), WebhookService.instant(rs, 5),
                        rs.getString(6), rs.getInt(7), rs.getString(8), rs.getString(9), rs.getString(10), WebhookService.instant(rs, 11)),
                limit, leaseMillis());
    }

    private void attempt(Claimed c) {
        Instant attemptedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long started = System.nanoTime();
        Result r = send(c, c.attemptsBefore() + 1);
        long durationMillis = (System.nanoTime() - started) / 1_000_000;
        QuarkusTransaction.requiringNew().run(() -> record(c, attemptedAt, durationMillis, r));
    }

    /** Records the attempt and the delivery's new state, once (a second recording of the same attempt is ignored). */
    void record(Claimed c, Instant attemptedAt, long durationMillis, Result r) {
        int attempt = c.attemptsBefore() + 1;
        int inserted = Db.update(ds, "INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, attempt, attempted_at, "
                        + "status_code, duration_millis, outcome, error, response_excerpt) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                        + "ON CONFLICT (delivery_id, attempt) DO NOTHING",
                Ids.newId("wha"), c.deliveryId(), c.endpointId(), c.eventId(), attempt, WebhookService.ts(attemptedAt), r.statusCode(),
                durationMillis, r.succeeded() ? "succeeded" : "failed", r.error(), r.responseExcerpt());
        if (inserted == 0) return;
        if (r.succeeded()) {
            Db.update(ds, "UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = ?, next_attempt_at = NULL, updated_at = now() "
                    + "WHERE id = ? AND status = 'PENDING'", attempt, c.deliveryId());
            return;
        }
        RetrySchedule schedule = new RetrySchedule(config.retryBaseMillis(), config.retryMaxDelayMillis(), config.retryWindow(),
                config.maxAttempts());
        switch (schedule.afterFailure(attempt, Instant.now(), c.eventCreatedAt(), ThreadLocalRandom.current().nextDouble())) {
            case RetrySchedule.Retry retry -> {
                Db.update(ds, "UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, "
                        + "updated_at = now() WHERE id = ? AND status = 'PENDING'", attempt, WebhookService.ts(retry.at()), c.deliveryId());
                metrics.deliveryFailed(false);
            }
            case RetrySchedule.GiveUp giveUp -> {
                Db.update(ds, "UPDATE webhook_deliveries SET status = 'FAILED', attempts = ?, next_attempt_at = NULL, updated_at = now() "
                        + "WHERE id = ? AND status = 'PENDING'", attempt, c.deliveryId());
                metrics.deliveryFailed(true);
                LOG.infof("webhook delivery %s of %s to %s failed for good: %s", c.deliveryId(), c.eventId(), c.endpointId(),
                        giveUp.reason());
            }
        }
    }

    /** One POST; never throws. */
    Result send(Claimed c, int attempt) {
        URI uri;
        try {
            uri = URI.create(c.url());
        } catch (IllegalArgumentException e) {
            return new Result(null, "the URL is not valid: " + e.getMessage(), null);
        }
        if (!config.allowPrivateAddresses()) {
            String refused = privateDestination(uri.getHost());
            if (refused != null) return new Result(null, refused, null);
        }
        byte[] body = c.body().getBytes(StandardCharsets.UTF_8);
        Instant now = Instant.now();
        List<String> signing = new ArrayList<>(2);
        try {
            signing.add(secrets.reveal(c.secret(), c.endpointId()));
            if (c.previousSecret() != null && c.previousSecretExpiresAt() != null && c.previousSecretExpiresAt().isAfter(now)) {
                signing.add(secrets.reveal(c.previousSecret(), c.endpointId()));
            }
        } catch (IllegalStateException e) {
            return new Result(null, e.getMessage(), null);
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(config.timeoutMillis()))
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .header(WebhookSignatures.HEADER, WebhookSignatures.header(now.getEpochSecond(), body, signing))
                .header("Microsettle-Event-Id", c.eventId())
                .header("Microsettle-Event-Type", c.eventType())
                .header("Microsettle-Delivery-Attempt", Integer.toString(attempt))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<byte[]>> response = client().sendAsync(request, info -> new Excerpt(MAX_RESPONSE_BYTES));
        try {
            HttpResponse<byte[]> r = response.get(config.connectTimeoutMillis() + (long) config.timeoutMillis() + 1000,
                    TimeUnit.MILLISECONDS);
            String excerpt = excerpt(r.body());
            int code = r.statusCode();
            return new Result(code, code >= 200 && code < 300 ? null : "HTTP " + code, excerpt);
        } catch (TimeoutException e) {
            response.cancel(true);
            return new Result(null, "timed out after " + (config.connectTimeoutMillis() + config.timeoutMillis()) + " ms", null);
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted (shutting down)", null);
        } catch (ExecutionException e) {
            return new Result(null, describe(e.getCause()), null);
        }
    }

    /** Null if every address the host resolves to is public; else why not (SSRF: checked at every attempt). */
    static String privateDestination(String host) {
        if (host == null) return "the URL has no host";
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (WebhookUrls.isPrivate(a)) {
                    return "the host resolves to a non-public address (" + a.getHostAddress() + "); refused";
                }
            }
            return null;
        } catch (UnknownHostException e) {
            return "the host does not resolve: " + h;
        }
    }

    private String excerpt(byte[] bytes) {
        if (bytes == null || bytes.length == 0) return null;
        String s = new String(bytes, StandardCharsets.UTF_8);
        int max = config.responseExcerptChars();
        return s.length() <= max ? s : s.substring(0, max);
    }

    private String describe(Throwable t) {
        String what = switch (t) {
            case HttpConnectTimeoutException e -> "connect timed out after " + config.connectTimeoutMillis() + " ms";
            case HttpTimeoutException e -> "no response within " + config.timeoutMillis() + " ms";
            case ConnectException e -> "connection refused or unreachable";
            case javax.net.ssl.SSLException e -> "TLS failed: " + e.getMessage();
            case IOException e -> "I/O error: " + e.getMessage();
            default -> t.getClass().getSimpleName() + ": " + t.getMessage();
        };
        return what.length() <= 500 ? what : what.substring(0, 500);
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = HttpClient.newBuilder()
                            .connectTimeout(Duration.ofMillis(config.connectTimeoutMillis()))
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                }
                c = client;
            }
        }
        return c;
    }

    private ExecutorService senders() {
        ExecutorService s = senders;
        if (s == null) {
            synchronized (this) {
                if (senders == null) {
                    senders = DaemonPools.fixed("webhook-sender", config.maxConcurrentDeliveries());
                }
                s = senders;
            }
        }
        return s;
    }

    @PreDestroy
    void stop() {
        if (senders != null) senders.shutdownNow();
        if (client != null) client.shutdownNow();
    }

    /** Keeps the first {@code max} bytes of a response body and stops reading there. */
    static final class Excerpt implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final int max;
        private Flow.Subscription subscription;

        Excerpt(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer b : items) {
                int n = Math.min(b.remaining(), max - out.size());
                byte[] chunk = new byte[n];
                b.get(chunk);
                out.write(chunk, 0, n);
            }
            if (out.size() >= max) {
                result.complete(out.toByteArray());
                subscription.cancel();
            }
        }

        @Override
        public void onError(Throwable t) {
            result.complete(out.toByteArray());
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
