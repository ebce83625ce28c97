/**
 * Pricing rules: plain Java, no framework, no I/O. The service gathers the inputs (fee
 * schedule, 30-day volume, an {@code eth_feeHistory} answer) and stores what comes out.
 *
 * <ul>
 *   <li>{@link io.microsettle.pricing.rules.FeeSchedule}: versioned service-fee basis points by
 *       verification level and rolling 30-day volume tier, min/max service fee, minimum payout.</li>
 *   <li>{@link io.microsettle.pricing.rules.NetworkFeeEstimator}: a payout's share of a batch's gas,
 *       {@code marginal + (intrinsic + overhead) / batch size}, at the next block's base fee plus a
 *       tip, converted to token base units by an integer rate, plus a margin. A pure function of
 *       {@link io.microsettle.pricing.rules.GasInputs}, which a quote stores.</li>
 *   <li>{@link io.microsettle.pricing.rules.QuoteCalculator}: gross to service fee, network fee,
 *       fee and net, or a refusal ({@code invalid_amount}, {@code verification_required},
 *       {@code amount_too_small}).</li>
 * </ul>
 *
 * <p>Money is {@code long} token base units; rates are basis points or integer ratios; wei are
 * {@code BigInteger}. No floating point. Rounding, each in the service's favour and each once:
 * the service fee is {@code ceil(gross * bps / 10000)} then clamped to the schedule's min/max;
 * the network share is one exact rational rounded up at the end; the net is the exact remainder,
 * so {@code net + fee == gross} always holds (checked when a quote is built).
 *
 * <p>{@link io.microsettle.account.VerificationLevel} and
 * {@link io.microsettle.infra.RuleConfigException} are shared with the risk rules.
 */
package io.microsettle.pricing.rules;
