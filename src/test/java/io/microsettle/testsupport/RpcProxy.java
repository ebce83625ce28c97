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
 * {@code eth_getTransactionByHash} and {@code eth_getTransactionReceipt}, refuses chosen signed
 * transactions ({@code eth_sendRawTransaction} answered with an error, not forwarded), or refuses
 * connections altogether (the port is closed: a node that is down). Batches pass through whole.
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
    /** Transactions whose eth_sendRawTransaction is answered with an error (by hash), and that error's message. */
    private final java.util.Map<String, String> refusedTxs = new ConcurrentHashMap<>();
    private final AtomicLong forwarded = new AtomicLong();
    /** Forwarded requests by method and first parameter ("eth_getTransactionReceipt 0xab…"). */
    private final java.util.Map<String, AtomicLong> forwardedByCall = new ConcurrentHashMap<>();
    private final AtomicLong droppedReplies = new AtomicLong();
    private final AtomicLong refusedSends = new AtomicLong();

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

    /** {@code eth_sendRawTransaction} of this transaction (by hash) is answered with an error and never reaches the node. */
    public RpcProxy refuseTransaction(String txHash) { return refuseTransaction(txHash, "injected refusal of this transaction"); }

    /** Answers the send of {@code txHash} with an error saying {@code nodeMessage} (as a node words it), never forwarding it. */
    public RpcProxy refuseTransaction(String txHash, String nodeMessage) {
        refusedTxs.put(txHash.toLowerCase(), nodeMessage);
        return this;
    }

    /**
     * Refuses connections (true: the port is closed, as when the node is down) or accepts them again
     * on the same port (false).
     */
    public synchronized RpcProxy refuseConnections(boolean refuse) {
        if (refuse && server != null) {
            server.stop(0);
            server = null;
        } else if (!refuse && server == null) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    server = listen(port);
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) throw new UncheckedIOException("port " + port + " cannot be bound again", e);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(ie);
                    }
                }
            }
        }
        return this;
    }

    public RpcProxy healthy() {
        refuseConnections(false);
        delayMillis = 0;
        dropReplyMethods = Set.of();
        errorMethods = Set.of();
        hiddenTxs.clear();
        refusedTxs.clear();
        return this;
    }

    public long forwarded() {
        return forwarded.get();
    }

    /** Requests of {@code method} whose first parameter was {@code firstParam} (case ignored) forwarded to the node. */
    public long forwarded(String method, String firstParam) {
        AtomicLong n = forwardedByCall.get(method + " " + firstParam.toLowerCase());
        return n == null ? 0 : n.get();
    }

    /** Replies dropped after the node had the request. */
    public long droppedReplies() {
        return droppedReplies.get();
    }

    /** Transactions refused by {@link #refuseTransaction}. */
    public long refusedSends() {
        return refusedSends.get();
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
            String refusal = request.isObject() ? refusal(request) : null;
            if (refusal != null) {
                refusedSends.incrementAndGet();
                reply(ex, error(request, refusal));
                return;
            }
            if (request.isObject() && hides(request)) {
                reply(ex, result(request));
                return;
            }
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(upstream).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            forwarded.incrementAndGet();
            if (request.isObject()) {
                forwardedByCall.computeIfAbsent(method + " " + request.path("params").path(0).asText().toLowerCase(), k -> new AtomicLong())
                        .incrementAndGet();
            }
            if (dropReplyMethods.contains(method)) { // the node acted; the caller's connection closes unanswered
                droppedReplies.incrementAndGet();
                return;
            }
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

    /** The error message to refuse this send with, or null to forward it. */
    private String refusal(JsonNode request) {
        if (refusedTxs.isEmpty() || !request.path("method").asText().equals("eth_sendRawTransaction")) return null;
        return refusedTxs.get(org.web3j.crypto.Hash.sha3(request.path("params").path(0).asText()).toLowerCase());
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
