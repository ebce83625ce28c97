package io.microsettle.pricing.rules;

import io.microsettle.account.VerificationLevel;

import java.util.Objects;

/**
 * What a quote is priced from.
 *
 * @param grossBaseUnits            the amount to cash out, fees included
 * @param level                     the account's verification level
 * @param rolling30dVolumeBaseUnits the account's cash-out gross over the last 30 days, this one excluded
 * @param gasInputs                 network-fee inputs (from {@link NetworkFeeModel#inputs})
 */
public record QuoteRequest(long grossBaseUnits, VerificationLevel level, long rolling30dVolumeBaseUnits,
                           GasInputs gasInputs) {
    public QuoteRequest {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(gasInputs, "gasInputs");
        if (rolling30dVolumeBaseUnits < 0) {
            throw new IllegalArgumentException("rolling30dVolumeBaseUnits must be >= 0");
        }
    }
}
