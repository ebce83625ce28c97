package io.microsettle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JSON-RPC proxy between the service and a node, for fault tests: it forwards every request and,
 * on command, delays replies, drops the reply after forwarding the request (the node acted, the
 * caller never hears), answers an error for chosen methods, or hides chosen transactions from
 * {@code eth_getTransactionByHash} and {@code eth_getTransactionReceipt}, or stops listening (connections
 * refused, as from a node that is down) and listens again on the same port. Batches pass through whole.
 */
public final class RpcProxy implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private volatile HttpServer server;
    private final int port;
    private final URI upstream;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile long delayMillis;
    private volatile Set<String> dropReplyMethods = Set.of();
    private volatile Set<String> errorMethods = Set.of();
    private final Set<String> hiddenTxs = ConcurrentHashMap.newKeySet();
    private final AtomicLong forwarded = new AtomicLong();

    private RpcProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = listen(0);
        this.port = server.getAddress().getPort();
    }

    private HttpServer listen(int onPort) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 256);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", this::handle);
        s.start();
        return s;
    }

    /** Stops listening: connections to {@link #url()} are refused until {@link #acceptConnections()}. */
    public synchronized RpcProxy refuseConnections() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        return this;
    }

    /** Listens again on the same port. */
    public synchronized RpcProxy acceptConnections() {
        if (server == null) {
            try {
                server = listen(port);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    public static RpcProxy to(String upstreamUrl) {
        try {
            return new RpcProxy(URI.create(upstreamUrl));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Every reply waits this long (0: none). */
    public RpcProxy delay(Duration d) { delayMillis = d.toMillis(); return this; }

    /** Requests of these methods reach the node, but the connection is closed without a reply. */
    public RpcProxy dropReplies(Set<String> methods) { dropReplyMethods = Set.copyOf(methods); return this; }

    /** Requests of these methods are answered with a JSON-RPC error and not forwarded. */
    public RpcProxy failMethods(Set<String> methods) { errorMethods = Set.copyOf(methods); return this; }

    /** The node appears not to know this transaction (lookups answer null). */
    public RpcProxy hideTransaction(String txHash) { hiddenTxs.add(txHash.toLowerCase()); return this; }

    public RpcProxy healthy() {
        acceptConnections();
        delayMillis = 0;
        dropReplyMethods = Set.of();
        errorMethods = Set.of();
        hiddenTxs.clear();
        return this;
    }

    public long forwarded() {
        return forwarded.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            JsonNode request = JSON.readTree(body);
            String method = request.isObject() ? request.path("method").asText() : "";
            if (errorMethods.contains(method)) {
                reply(ex, error(request, "injected failure of " + method));
                return;
            }
            if (request.isObject() && hides(request)) {
                reply(ex, result(request));
                return;
            }
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(upstream).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            forwarded.incrementAndGet();
            if (dropReplyMethods.contains(method)) return; // the node acted; the caller's connection closes unanswered
            if (delayMillis > 0) Thread.sleep(delayMillis);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(r.statusCode(), r.body().length);
            ex.getResponseBody().write(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean hides(JsonNode request) {
        String m = request.path("method").asText();
        if (!m.equals("eth_getTransactionByHash") && !m.equals("eth_getTransactionReceipt")) return false;
        return hiddenTxs.contains(request.path("params").path(0).asText().toLowerCase());
    }

    private static byte[] error(JsonNode request, String message) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("jsonrpc", "2.0");
        o.set("id", request.path("id"));
        o.putObject("error").put("code", -32000).put("message", message);
        return JSON.writeValueAsBytes(o);
    }

    private static byte[] result(JsonNode request) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("jsonrpc", "2.0");
        o.set("id", request.path("id"));
        o.putNull("result");
        return JSON.writeValueAsBytes(o);
    }

    private static void reply(HttpExchange ex, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public synchronized void close() {
        if (server != null) server.stop(0);
    }
}
