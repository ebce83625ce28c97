package io.microsettle.account;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The trusted verifiers' JWKS documents (plain Java; the clock is injected): each source is a
 * file path or an http(s) URL. Documents are cached for {@code refresh}; a token whose {@code kid}
 * is unknown may force an earlier reload, at most once per {@code minRefetch}, so a verifier's new
 * key is picked up at once while an unknown-kid flood cannot hammer the source. A source that
 * fails on reload keeps its last good document (a verifier outage does not remove its keys); a
 * source that never loaded makes verification unavailable.
 */
public final class VerifierKeys {
    private final List<String> sources;
    private final long refreshMillis;
    private final long minRefetchMillis;
    private final HttpClient http;
    private final LongSupplier millis;
    private List<String> documents;
    private long loadedAt;
    private int fetches;

    public VerifierKeys(List<String> sources, Duration refresh, Duration minRefetch, HttpClient http, LongSupplier millis) {
        if (sources.isEmpty()) throw new IllegalArgumentException("at least one JWKS source is required");
        this.sources = List.copyOf(sources);
        this.refreshMillis = refresh.toMillis();
        this.minRefetchMillis = minRefetch.toMillis();
        this.http = http;
        this.millis = millis;
    }

    public static VerifierKeys of(List<String> sources, Duration refresh, Duration minRefetch) {
        return new VerifierKeys(sources, refresh, minRefetch,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build(),
                System::currentTimeMillis);
    }

    /** The documents, reloaded when older than the refresh time. */
    public synchronized List<String> documents() {
        long now = millis.getAsLong();
        if (documents == null || now - loadedAt >= refreshMillis) load(now);
        return documents;
    }

    /** Reloads now, for a token with an unknown kid, unless the last load is too recent; true if it reloaded. */
    public synchronized boolean refreshForUnknownKid() {
        long now = millis.getAsLong();
        if (documents != null && now - loadedAt < minRefetchMillis) return false;
        load(now);
        return true;
    }

    /** How many times the sources were read (for tests and metrics). */
    public synchronized int fetches() {
        return fetches;
    }

    private void load(long now) {
        fetches++;
        List<String> next = new ArrayList<>(sources.size());
        for (int i = 0; i < sources.size(); i++) {
            try {
                next.add(read(sources.get(i).trim()));
            } catch (RuntimeException e) {
                if (documents == null) throw e;
                next.add(documents.get(i));
            }
        }
        documents = List.copyOf(next);
        loadedAt = now;
    }

    private String read(String source) {
        if (source.startsWith("https://") || source.startsWith("http://")) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(source)).timeout(Duration.ofSeconds(5))
                        .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) throw new IllegalStateException("JWKS " + source + " answered " + r.statusCode());
                return r.body();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot fetch the verifier JWKS " + source, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted fetching " + source, e);
            }
        }
        try {
            return Files.readString(Path.of(source.startsWith("file:") ? URI.create(source).getPath() : source));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the verifier JWKS " + source, e);
        }
    }
}
