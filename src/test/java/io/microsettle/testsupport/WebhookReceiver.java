package io.microsettle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A webhook receiver for tests: a JDK HTTP server on loopback that keeps every request (headers,
 * raw body, when it came) and answers scripted status codes (then a default). It checks
 * signatures the way an integrator would, with javax.crypto over the raw body, independently of
 * the service's own signing code.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One request as received. */
    public record Received(Instant at, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyString() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            return Api.json(bodyString());
        }

        public String eventId() {
            return json().path("id").asText();
        }

        public String type() {
            return json().path("type").asText();
        }

        /** The {@code v1} values of the signature header. */
        public List<String> v1s() {
            List<String> out = new ArrayList<>();
            for (String part : header("Microsettle-Signature").split(",")) {
                if (part.startsWith("v1=")) out.add(part.substring(3));
            }
            return out;
        }

        /** What a receiver does: t within 5 minutes of now, and some v1 = hex HMAC-SHA256(secret, t + "." + body). */
        public boolean verifies(String secret) {
            String header = header("Microsettle-Signature");
            if (header == null) return false;
            Long t = null;
            for (String part : header.split(",")) {
                if (part.startsWith("t=")) t = Long.parseLong(part.substring(2));
            }
            if (t == null || Math.abs(Instant.now().getEpochSecond() - t) > 300) return false;
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
                byte[] expected = HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII);
                boolean ok = false;
                for (String v : v1s()) ok |= MessageDigest.isEqual(expected, v.getBytes(StandardCharsets.US_ASCII));
                return ok;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Deque<Integer> script = new ArrayDeque<>();
    private volatile int defaultStatus = 200;

    private WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            received.add(new Received(Instant.now(), headers, body));
            int status;
            synchronized (script) {
                Integer next = script.pollFirst();
                status = next == null ? defaultStatus : next;
            }
            byte[] answer = ("{\"received\":" + received.size() + "}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
    }

    public static WebhookReceiver start() {
        try {
            return new WebhookReceiver();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The next requests are answered with these statuses, in order; then the default. */
    public WebhookReceiver respond(int... statuses) {
        synchronized (script) {
            for (int s : statuses) script.addLast(s);
        }
        return this;
    }

    public WebhookReceiver defaultStatus(int status) {
        defaultStatus = status;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The requests of one event, in the order they came. */
    public List<Received> of(String eventId) {
        return received.stream().filter(r -> eventId.equals(r.eventId())).toList();
    }

    /** Waits until at least {@code count} requests match (at most {@code max}); returns the matching ones. */
    public List<Received> await(Predicate<Received> which, int count, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        List<Received> match;
        do {
            match = received.stream().filter(which).toList();
            if (match.size() >= count) return match;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("expected " + count + " matching webhook requests within " + max + ", got " + match.size()
                + " (of " + received.size() + ": " + received.stream().map(Received::bodyString).toList() + ")");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
