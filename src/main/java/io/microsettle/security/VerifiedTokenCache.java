package io.microsettle.security;

import org.eclipse.microprofile.jwt.JsonWebToken;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Bearer tokens whose signature and claims have been verified, by the SHA-256 of the token, each with the key
 * that verified it and the instant until which it may be served ({@link Entry#servedUntilMillis}). Plain Java,
 * bounded: at most {@code maxEntries}; an insert into a full cache first drops the entries past their time and,
 * if that is not enough, a tenth of the cache (arbitrary entries; they are verified again at their next use).
 * Reads take no lock; inserts are serialised, so the size never exceeds the bound.
 */
final class VerifiedTokenCache {
    /** A verified token, the key its signature verified with, and until when it may be served (epoch millis, exclusive). */
    record Entry(JsonWebToken jwt, Key key, long servedUntilMillis) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final LongSupplier clockMillis;

    VerifiedTokenCache(int maxEntries, LongSupplier clockMillis) {
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be positive");
        this.maxEntries = maxEntries;
        this.clockMillis = clockMillis;
    }

    /** The entry of {@code token} if it is still within its time; an entry past it is dropped. */
    Entry get(String token) {
        String digest = digest(token);
        Entry e = entries.get(digest);
        if (e == null) return null;
        if (clockMillis.getAsLong() < e.servedUntilMillis()) return e;
        entries.remove(digest, e);
        return null;
    }

    /** Remembers a verified token until {@code servedUntilMillis}; nothing is kept when that has passed already. */
    synchronized void put(String token, JsonWebToken jwt, Key key, long servedUntilMillis) {
        long now = clockMillis.getAsLong();
        if (servedUntilMillis <= now) return;
        String digest = digest(token);
        if (!entries.containsKey(digest) && entries.size() >= maxEntries) makeRoom(now);
        entries.put(digest, new Entry(jwt, key, servedUntilMillis));
    }

    /** Drops {@code token}'s entry (its key is no longer the one the key set gives). */
    void remove(String token) {
        entries.remove(digest(token));
    }

    int size() {
        return entries.size();
    }

    int maxEntries() {
        return maxEntries;
    }

    private void makeRoom(long now) {
        entries.values().removeIf(e -> e.servedUntilMillis() <= now);
        if (entries.size() < maxEntries) return;
        int target = maxEntries - Math.max(1, maxEntries / 10);
        Iterator<String> it = entries.keySet().iterator();
        while (entries.size() > target && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    static String digest(String token) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
