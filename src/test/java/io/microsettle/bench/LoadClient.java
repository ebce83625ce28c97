package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The integrator's HTTP client for the load benchmark: HTTP/1.1 with keep-alive ({@link Http1Connection}),
 * a bearer token, an {@code Idempotency-Key} on every POST. Each worker thread has its own connection, so a
 * phase with N workers has N connections open (each request is sent and its body read on the worker's
 * thread). Every answer becomes a {@link Reply} whose {@code outcome} is what
 * the tables count: the HTTP status, then the cash-out's {@code status} on a 2xx that has one, or the
 * problem's {@code code} on an error; a request that got no answer is {@code io <exception>}.
 */
final class LoadClient {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A request slower than this counts as {@code io HttpTimeoutException}. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** {@code -Dbench.idempotency-keys=false} sends POSTs without a key (to measure what the keys cost the service). */
    static final boolean IDEMPOTENCY_KEYS = Boolean.parseBoolean(System.getProperty("bench.idempotency-keys", "true"));

    /** One request's answer: status (0 when none came), outcome, body, latency. */
    record Reply(int status, String outcome, String body, long latencyMicros) {
        boolean created() {
            return status == 201;
        }

        JsonNode json() {
            return parse(body);
        }
    }

    /** The calling thread's connection to the service (one per worker thread, kept alive). */
    private final ThreadLocal<Http1Connection> connections;
    private final String authorization;

    LoadClient(URI base, String token) {
        this(ThreadLocal.withInitial(() -> new Http1Connection(base, (int) REQUEST_TIMEOUT.toMillis())), token);
    }

    private LoadClient(ThreadLocal<Http1Connection> connections, String token) {
        this.connections = connections;
        this.authorization = "Authorization: Bearer " + token + "\r\n";
    }

    /** The same connections with another caller's token. */
    LoadClient as(String token) {
        return new LoadClient(connections, token);
    }

    Reply post(String path, String json) {
        String key = IDEMPOTENCY_KEYS ? "Idempotency-Key: " + UUID.randomUUID() + "\r\n" : "";
        return send("POST", path, authorization + "Content-Type: application/json\r\n" + key, json.getBytes(StandardCharsets.UTF_8));
    }

    Reply get(String path) {
        return send("GET", path, authorization, null);
    }

    /** GET that must answer 200; its body as JSON. */
    JsonNode getOk(String path) {
        Reply r = get(path);
        if (r.status() != 200) throw new IllegalStateException("GET " + path + ": " + r.outcome() + " " + r.body());
        return r.json();
    }

    /** POST that must answer 200 (admin actions); its body as JSON. */
    JsonNode postOk(String path, String json) {
        Reply r = post(path, json);
        if (r.status() != 200) throw new IllegalStateException("POST " + path + ": " + r.outcome() + " " + r.body());
        return r.json();
    }

    /** POST that must answer 201 (setup steps); its body as JSON. */
    JsonNode postCreated(String path, String json) {
        Reply r = post(path, json);
        if (!r.created()) throw new IllegalStateException("POST " + path + ": " + r.outcome() + " " + r.body());
        return r.json();
    }

    private Reply send(String method, String path, String headers, byte[] body) {
        long started = System.nanoTime();
        try {
            Http1Connection.Response r = connections.get().exchange(method, path, headers, body);
            long micros = (System.nanoTime() - started) / 1000;
            return new Reply(r.status(), outcome(r.status(), r.body()), r.body(), micros);
        } catch (IOException e) {
            return new Reply(0, "io " + e.getClass().getSimpleName(), "", (System.nanoTime() - started) / 1000);
        }
    }

    /** "201", "201 QUEUED", "409 quote_used", "500 -" (no problem code in the body). */
    static String outcome(int status, String body) {
        if (status >= 200 && status < 300) {
            JsonNode s = body.startsWith("{") && body.contains("\"status\"") ? parse(body).get("status") : null;
            return s != null && s.isTextual() ? status + " " + s.asText() : Integer.toString(status);
        }
        JsonNode code = body.startsWith("{") ? parseOrNull(body) : null;
        code = code == null ? null : code.get("code");
        return status + " " + (code != null && code.isTextual() ? code.asText() : "-");
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }

    private static JsonNode parseOrNull(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
