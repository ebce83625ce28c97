package io.microsettle.verify;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/** Progress of a long run on stderr: at most one line a second (none at all when quiet). */
public final class Progress {
    static final long INTERVAL_NANOS = 1_000_000_000L;
    private final PrintWriter err;
    private final boolean quiet;
    private final LongSupplier clock;
    private final long startNanos;
    private long lastNanos;

    public Progress(PrintWriter err, boolean quiet) {
        this(err, quiet, System::nanoTime);
    }

    Progress(PrintWriter err, boolean quiet, LongSupplier clock) {
        this.err = err;
        this.quiet = quiet;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.lastNanos = startNanos;
    }

    /** Reports {@code done} of {@code total} in a phase, if a second has passed since the last line. */
    public void step(String phase, long done, long total) {
        if (quiet) return;
        long now = clock.getAsLong();
        if (now - lastNanos < INTERVAL_NANOS && done < total) return;
        if (now - lastNanos < INTERVAL_NANOS && now - startNanos < INTERVAL_NANOS) return;  // short runs print nothing
        lastNanos = now;
        err.printf("verify: %s %d/%d (%d s)%n", phase, done, total, (now - startNanos) / 1_000_000_000L);
        err.flush();
    }
}
