package io.microsettle.infra;

import org.jboss.logging.Logger;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named points in the settlement, reconcile and cash-out request steps where a fault test can make the service
 * crash: {@code -Dmicrosettle.test.crash-at=settlement.after-sign} (comma-separated names) halts
 * the JVM there at once, as {@code kill -9} would (no shutdown hook runs). Tests in the service's
 * own JVM {@link #arm} a point instead, which throws {@link Crash} there: the step stops mid-way
 * as a crash would stop it, and what it had committed stays committed. Off unless armed.
 */
public final class CrashPoints {
    private static final Logger LOG = Logger.getLogger(CrashPoints.class);
    static final String PROPERTY = "microsettle.test.crash-at";

    private static final Set<String> HALT = Set.copyOf(split(System.getProperty(PROPERTY, "")));
    private static final Set<String> ARMED = ConcurrentHashMap.newKeySet();

    /** Thrown where an armed point is reached. */
    public static final class Crash extends RuntimeException {
        public Crash(String point) {
            super("crash point " + point);
        }
    }

    private CrashPoints() {}

    public static void reach(String point) {
        if (HALT.contains(point)) {
            LOG.errorf("crash point %s: halting the JVM", point);
            Runtime.getRuntime().halt(137);
        }
        if (!ARMED.isEmpty() && ARMED.remove(point)) throw new Crash(point);
    }

    /** Arms {@code point} once: the next time it is reached it throws. */
    public static void arm(String point) {
        ARMED.add(point);
    }

    /** Whether {@code point} is armed and not reached yet. */
    public static boolean armed(String point) {
        return ARMED.contains(point);
    }

    public static void disarmAll() {
        ARMED.clear();
    }

    private static java.util.List<String> split(String value) {
        return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
