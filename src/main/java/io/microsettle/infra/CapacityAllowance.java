package io.microsettle.infra;

/**
 * One replica's share of a capacity shared by all replicas (an integrator's escrow headroom, its
 * daily volume), so that requests can draw on it without a database lock each (plain Java).
 *
 * <p>A {@link #refill} (in a short database transaction, serialised per capacity) sees the
 * committed usage, the other replicas' live reservations and the limit, and reserves for this
 * replica {@code outstanding + chunk}: what its requests in flight may still commit plus a new
 * allowance. Requests then {@link #take} from the allowance in memory until it runs out or the
 * reservation expires. A request that commits {@link #commit}s its amount (it is now committed
 * usage); one that fails {@link #giveBack}s it. The invariant kept at every refill is
 * {@code committed + others + reserved <= limit}; between refills this replica adds at most
 * {@code reserved} to the committed usage, so the limit holds across replicas. Counting an amount
 * both as committed and still outstanding (a commit seen by the refill before it was reported here)
 * only ever errs towards refusing.
 *
 * <p>Not thread-safe: the owner synchronises.
 */
public final class CapacityAllowance {
    /** What a take decided. */
    public sealed interface Take permits Granted, Refill, Refused {}

    /** The amount is this request's; {@code usageAfterBaseUnits} bounds the committed usage once it commits. */
    public record Granted(long usageAfterBaseUnits) implements Take {}

    /** The allowance is spent or expired: refill, then take again. */
    public record Refill() implements Take {}

    /** Even a fresh reservation could not cover it: the limit would be passed. */
    public record Refused(long limitBaseUnits, long usageBaseUnits, long availableBaseUnits) implements Take {}

    private long committedAtRefillBaseUnits;
    private long othersAtRefillBaseUnits;
    private long allowanceBaseUnits;
    private long inFlightBaseUnits;
    /** Taken since the last refill, net of give-backs: what this replica may have added beyond the committed usage it saw. */
    private long addedSinceRefillBaseUnits;
    private long validUntilNanos = Long.MIN_VALUE;
    private boolean refilled;

    /**
     * Takes {@code amount} for a request whose own limit is {@code requestLimitBaseUnits} (at most the
     * limit the allowance was reserved under: e.g. a lower level's daily volume).
     */
    public Take take(long amountBaseUnits, long requestLimitBaseUnits, long nowNanos) {
        if (amountBaseUnits <= 0) throw new IllegalArgumentException("amount must be positive");
        if (!covers(amountBaseUnits, nowNanos)) return new Refill();
        long usageAfter = usageBoundBaseUnits() + amountBaseUnits;
        long withOthers = Math.addExact(usageAfter, othersAtRefillBaseUnits);
        if (withOthers > requestLimitBaseUnits) {
            return new Refused(requestLimitBaseUnits, usageBoundBaseUnits(), Math.max(0, requestLimitBaseUnits - withOthers + amountBaseUnits));
        }
        allowanceBaseUnits -= amountBaseUnits;
        inFlightBaseUnits += amountBaseUnits;
        addedSinceRefillBaseUnits += amountBaseUnits;
        return new Granted(usageAfter);
    }

    /** Whether the allowance can give {@code amount} now (valid and large enough), whatever the request's own limit. */
    public boolean covers(long amountBaseUnits, long nowNanos) {
        return refilled && nowNanos - validUntilNanos < 0 && amountBaseUnits <= allowanceBaseUnits;
    }

    /** Makes the next take refill first (e.g. to see the other replicas' reservations again). */
    public void expire() {
        validUntilNanos = Long.MIN_VALUE;
        refilled = false;
    }

    /** The request that took {@code amount} committed. */
    public void commit(long amountBaseUnits) {
        if (amountBaseUnits <= 0 || amountBaseUnits > inFlightBaseUnits) throw new IllegalStateException("commit of " + amountBaseUnits
                + " with " + inFlightBaseUnits + " in flight");
        inFlightBaseUnits -= amountBaseUnits;
    }

    /** The request that took {@code amount} failed: the amount is available again. */
    public void giveBack(long amountBaseUnits) {
        if (amountBaseUnits <= 0 || amountBaseUnits > inFlightBaseUnits) throw new IllegalStateException("give-back of " + amountBaseUnits
                + " with " + inFlightBaseUnits + " in flight");
        inFlightBaseUnits -= amountBaseUnits;
        allowanceBaseUnits += amountBaseUnits;
        addedSinceRefillBaseUnits -= amountBaseUnits;
    }

    /** What this replica must keep reserved while it refills: its requests in flight may still commit. */
    public long outstandingBaseUnits() {
        return inFlightBaseUnits;
    }

    /**
     * The outcome of a refill transaction: with {@code committed} usage, {@code others}' live
     * reservations and the {@code limit}, reserves {@code outstanding} (as read by
     * {@link #outstandingBaseUnits()} before the committed usage was read) plus a new allowance of up
     * to {@code chunk} (at least {@code minimum} when that fits). Returns the reservation to store,
     * or -1 when not even {@code minimum} fits (nothing changes then but the snapshot).
     */
    public long refill(long committedBaseUnits, long othersBaseUnits, long limitBaseUnits, long outstandingAtStartBaseUnits,
                       long chunkBaseUnits, long minimumBaseUnits, long validUntilNanos) {
        if (committedBaseUnits < 0 || othersBaseUnits < 0 || outstandingAtStartBaseUnits < 0 || chunkBaseUnits <= 0) {
            throw new IllegalArgumentException("refill needs non-negative usage and a positive chunk");
        }
        this.committedAtRefillBaseUnits = committedBaseUnits;
        this.othersAtRefillBaseUnits = othersBaseUnits;
        this.addedSinceRefillBaseUnits = outstandingAtStartBaseUnits;
        long free = limitBaseUnits - committedBaseUnits - othersBaseUnits - outstandingAtStartBaseUnits;
        long grant = Math.min(free, Math.max(chunkBaseUnits, minimumBaseUnits));
        this.refilled = true;
        this.validUntilNanos = validUntilNanos;
        if (grant < minimumBaseUnits || grant <= 0) {
            this.allowanceBaseUnits = 0;
            return -1;
        }
        this.allowanceBaseUnits = grant;
        return Math.addExact(outstandingAtStartBaseUnits, grant);
    }

    /** The committed usage as it may be once everything taken since the last refill commits (an upper bound). */
    public long usageBoundBaseUnits() {
        return committedAtRefillBaseUnits + addedSinceRefillBaseUnits;
    }

    /** The other replicas' reservations seen at the last refill. */
    public long othersBaseUnits() {
        return othersAtRefillBaseUnits;
    }

    public long allowanceBaseUnits() {
        return allowanceBaseUnits;
    }
}
