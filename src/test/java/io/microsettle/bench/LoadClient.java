package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/**
 * The integrator's HTTP client for the load benchmark: java.net.http over HTTP/1.1, a bearer token,
 * an {@code Idempotency-Key} on every POST. The workers of a phase share one client, so a phase with N
 * workers has at most N connections open (each request is sent and its body read on the worker's thread;
 * keep-alive reuses the connections). Every answer becomes a {@link Reply} whose {@code outcome} is what
 * the tables count: the HTTP status, then the cash-out's {@code status} on a 2xx that has one, or the
 * problem's {@code code} on an error; a request that got no answer is {@code io <exception>}.
 */
final class LoadClient {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A request slower than this counts as {@code io HttpTimeoutException}. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** One request's answer: status (0 when none came), outcome, body, latency. */
    record Reply(int status, String outcome, String body, long latencyMicros) {
        boolean created() {
            return status == 201;
        }

        JsonNode json() {
            return parse(body);
        }
    }

    private final HttpClient http;
    private final URI base;
    private final String bearer;

    LoadClient(HttpClient http, URI base, String token) {
        this.http = http;
        this.base = base;
        this.bearer = "Bearer " + token;
    }

    static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    LoadClient as(String token) {
        return new LoadClient(http, base, token);
    }

    Reply post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Reply get(String path) {
        return send(request(path).GET().build());
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

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).header("Authorization", bearer);
    }

    private Reply send(HttpRequest request) {
        long started = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            long micros = (System.nanoTime() - started) / 1000;
            return new Reply(r.statusCode(), outcome(r.statusCode(), r.body()), r.body(), micros);
        } catch (IOException e) {
            return new Reply(0, "io " + e.getClass().getSimpleName(), "", (System.nanoTime() - started) / 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(0, "io interrupted", "", (System.nanoTime() - started) / 1000);
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
