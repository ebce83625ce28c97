package io.microsettle.pricing.rules;

/**
 * A service-fee tier: applies from {@code fromVolumeBaseUnits} of rolling 30-day volume up to
 * the next tier's threshold.
 *
 * @param fromVolumeBaseUnits  inclusive lower bound of the account's rolling 30-day volume
 * @param serviceFeeBps        service fee in basis points of the gross (0..10000)
 */
public record FeeTier(long fromVolumeBaseUnits, int serviceFeeBps) {
}
