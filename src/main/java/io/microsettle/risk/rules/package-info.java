/**
 * Risk rules: plain Java, no framework, no I/O. The service gathers the facts with a few
 * queries and acts on the outcome.
 *
 * <ul>
 *   <li>{@link io.microsettle.risk.rules.Limits} and {@link io.microsettle.risk.rules.LimitChecker}:
 *       per verification level, per-cash-out min/max, rolling 24 h amount and count per account, and
 *       the integrator's daily volume. NONE cannot cash out ({@code verification_required}); any
 *       other failure is {@code limit_exceeded}, naming the first failing limit (in
 *       {@link io.microsettle.risk.rules.LimitName} order), what is left under it, and the largest
 *       amount that would pass now.</li>
 *   <li>{@link io.microsettle.risk.rules.AnomalyEngine} runs every
 *       {@link io.microsettle.risk.rules.AnomalyRule} over an
 *       {@link io.microsettle.risk.rules.AnomalyContext}: any finding holds the cash-out for review
 *       with its {@link io.microsettle.risk.rules.HoldReason} and evidence. Thresholds are
 *       {@link io.microsettle.risk.rules.AnomalyThresholds}.</li>
 * </ul>
 *
 * <p>All comparisons are exact integer arithmetic: headroom is {@code limit - used} (never
 * {@code used + amount}, which could overflow), shares are compared as cross-multiplied products
 * (basis points, percent), percentiles are nearest-rank. Boundaries: amounts at a limit pass;
 * thresholds of the anomaly rules are inclusive ({@code >=}) except "above history" (strictly
 * above) and "new wallet" (age strictly below the window).
 */
package io.microsettle.risk.rules;
