package io.microsettle.audit;

import java.time.Instant;

/**
 * When the tree head is anchored on chain: once {@code everyEvents} events are past the last anchored
 * head, or once the oldest of them is {@code everySeconds} old, whichever comes first; never with none.
 * The anchoring's own events ({@code audit.anchored}) do not count, so an idle log is not anchored
 * again and again for the record of its last anchor.
 */
public record AnchorPolicy(long everyEvents, long everySeconds) {
    public AnchorPolicy {
        if (everyEvents < 1) throw new IllegalArgumentException("every-events must be at least 1");
        if (everySeconds < 1) throw new IllegalArgumentException("every-seconds must be at least 1");
    }

    /**
     * @param newEvents   events past the last anchored head, other than anchoring's own (counted up to everyEvents)
     * @param oldestNewAt when the oldest of them was logged (null when there is none)
     */
    public boolean due(long newEvents, Instant oldestNewAt, Instant now) {
        if (newEvents <= 0) return false;
        if (newEvents >= everyEvents) return true;
        return oldestNewAt != null && !oldestNewAt.plusSeconds(everySeconds).isAfter(now);
    }
}
